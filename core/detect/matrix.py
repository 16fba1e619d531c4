"""The port x encryption matrix: every combination probed at once, each with its own deadline.

Each combination (port 587 with STARTTLS, port 465 with SSL/TLS, ...) is a full ``run_probe`` up
to EHLO (after STARTTLS or the implicit TLS handshake) without logging in or sending, on its own
thread of a ``ThreadPoolExecutor``. Its ``Timeouts`` bound every phase and the whole combination;
one shared ``CancelToken`` stops them all (the GUI's Stop button, Ctrl+C).

Two follow-ups run inside the same combination, so they stay within its thread and deadline:

* an untrusted certificate ends a probe before EHLO; the combination is probed once more without
  verification so the matrix still shows what the port offers (the row keeps
  ``certificate_valid=False`` and the certificate finding);
* with an emulated device whose TLS handshake fails, a control probe with an unrestricted client
  tells "this server refuses the device's old TLS" (``tls_version_too_old``) from a broken port.

After all combinations finish, ``reconcile`` reads rows of the same port together: a plaintext
greeting that never came is an implicit-TLS port only if SSL/TLS works there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace

from core.cancel import CancelToken
from core.detect import DEFAULT_PORTS, DEFAULT_TIMEOUT
from core.devices import DeviceClass, apply_device, device_by_id
from core.diagnosis.engine import diagnose, find_provider
from core.diagnosis.finding import Finding, Severity, primary
from core.model import TLS_VERSIONS, AuthMethod, CredentialKind, Credentials, ProbePlan, SecurityMode, Timeouts
from core.probe.phases import Phase
from core.probe.result import FailureKind, ProbeResult
from core.probe.runner import run_probe

MODES: tuple[SecurityMode, ...] = (SecurityMode.NONE, SecurityMode.STARTTLS, SecurityMode.TLS)
MAX_WORKERS = 32
# Grace beyond a combination's own deadline before the matrix gives up on it and cancels.
_GRACE_SECONDS = 3.0

RowCallback = Callable[["MatrixRow"], None]


@dataclass(frozen=True)
class Combination:
    """One port with one encryption mode."""

    port: int
    security: SecurityMode

    @property
    def label(self) -> str:
        return f"port {self.port} {self.security.label}"


def combinations(ports: Iterable[int], modes: Sequence[SecurityMode] = MODES) -> tuple[Combination, ...]:
    """Every port with every mode, ports in the order given (duplicates dropped)."""
    unique = list(dict.fromkeys(ports))
    return tuple(Combination(port, mode) for port in unique for mode in modes)


def detect_timeouts(seconds: float = DEFAULT_TIMEOUT) -> Timeouts:
    """Each phase gets ``seconds``; a combination as a whole at most three times that."""
    return Timeouts(
        connect=seconds, greeting=seconds, tls=seconds, command=seconds, data_end=seconds, total=seconds * 3
    )


@dataclass(frozen=True)
class MatrixRow:
    """What one combination showed. ``None`` in a field means "not learned" (the probe stopped first)."""

    combination: Combination
    reachable: bool | None = None
    greeting: str | None = None
    tls_version: str | None = None
    certificate_valid: bool | None = None
    auth_before_tls: tuple[str, ...] | None = None
    auth_after_tls: tuple[str, ...] | None = None
    error_code: str | None = None
    milliseconds: float = 0.0
    message: str | None = None  # the failure in one line, or why the combination was skipped
    skipped: bool = False  # the emulated device has no such setting
    size_limit: int | None = None  # SIZE from the EHLO that counts (None: not advertised)
    completed: bool = False  # the session got through EHLO in this mode (a bad certificate aside)
    findings: tuple[Finding, ...] = field(default=(), compare=False)
    result: ProbeResult | None = field(default=None, compare=False, repr=False)

    @property
    def port(self) -> int:
        return self.combination.port

    @property
    def security(self) -> SecurityMode:
        return self.combination.security

    @property
    def session_ok(self) -> bool:
        """The session reached EHLO in this mode (an untrusted certificate aside)."""
        return not self.skipped and self.reachable is True and self.completed

    @property
    def works(self) -> bool:
        """A device that checks certificates can use this combination."""
        return self.session_ok and self.certificate_valid is not False

    @property
    def encrypted(self) -> bool:
        return self.security is not SecurityMode.NONE and self.tls_version is not None

    @property
    def login_mechanisms(self) -> tuple[str, ...]:
        """AUTH mechanisms offered on the connection a device in this mode would log in on."""
        offered = self.auth_after_tls if self.security is not SecurityMode.NONE else self.auth_before_tls
        return offered or ()

    def as_dict(self) -> dict[str, object]:
        return {
            "port": self.port,
            "security": self.security.value,
            "reachable": self.reachable,
            "greeting": self.greeting,
            "tls_version": self.tls_version,
            "certificate_valid": self.certificate_valid,
            "auth_before_tls": list(self.auth_before_tls) if self.auth_before_tls is not None else None,
            "auth_after_tls": list(self.auth_after_tls) if self.auth_after_tls is not None else None,
            "error_code": self.error_code,
            "milliseconds": round(self.milliseconds, 1),
            "message": self.message,
            "skipped": self.skipped,
        }


def combination_plan(base: ProbePlan, combination: Combination) -> ProbePlan:
    """The plan for one combination: no login, no message, the base's TLS policy and device."""
    plan = replace(
        base,
        port=combination.port,
        security=combination.security,
        auth=AuthMethod.NONE,
        username=None,
        credential_kind=CredentialKind.NONE,
        send=False,
    )
    return apply_device(plan, base.device_profile) if base.device_profile else plan


def probe_combination(base: ProbePlan, combination: Combination, cancel: CancelToken | None = None) -> MatrixRow:
    """Probe one combination (blocking, bounded by its own deadline) and summarise it as a row."""
    began = time.monotonic()
    device = device_by_id(base.device_profile) if base.device_profile else None
    if device is not None and not device.allows(combination.security):
        return MatrixRow(
            combination, skipped=True, message=f"Not tried: {device.label} has no {combination.security.label} setting."
        )
    cancel = cancel or CancelToken()
    plan = combination_plan(base, combination)
    result = run_probe(plan, Credentials(), cancel=cancel)
    findings = diagnose(result)
    certificate_valid = _certificate_valid(result)
    if _certificate_stopped(result) and not cancel.cancelled:
        # The device may not check certificates: learn what the port offers behind the bad one.
        retry = run_probe(replace(plan, tls=replace(plan.tls, verify=False)), Credentials(), cancel=cancel)
        if retry.ok:
            # Capabilities from the retry; the failure, certificate and transcript (the evidence) stay.
            result = replace(retry, tls=result.tls, failure=result.failure, transcript=result.transcript)
    row = summarise(combination, result, findings, certificate_valid, began)
    if device is not None and _tls_failed(result) and not cancel.cancelled:
        row = _compare_with_unrestricted(row, base, combination, device, cancel)
    return replace(row, milliseconds=(time.monotonic() - began) * 1000.0)


def summarise(
    combination: Combination,
    result: ProbeResult,
    findings: Sequence[Finding],
    certificate_valid: bool | None,
    began: float,
) -> MatrixRow:
    """A row from a probe result and its findings."""
    before, after = result.capabilities_before_tls, result.capabilities_after_tls
    plaintext_ehlo = combination.security is not SecurityMode.TLS
    cause = primary(findings)
    effective = after if combination.security is not SecurityMode.NONE else before
    failure = result.failure
    # A certificate failure with capabilities means the unverified retry got through EHLO.
    completed = failure is None or (failure.kind is FailureKind.TLS_CERTIFICATE and effective is not None)
    error_code = cause.code if cause else _uncoded(result)
    return MatrixRow(
        combination,
        reachable=_reachable(result),
        greeting=result.greeting.quoted if result.greeting else None,
        tls_version=result.tls.version if result.tls else None,
        certificate_valid=certificate_valid,
        auth_before_tls=before.auth_mechanisms if before is not None and plaintext_ehlo else None,
        auth_after_tls=after.auth_mechanisms if after is not None else None,
        error_code=error_code,
        milliseconds=(time.monotonic() - began) * 1000.0,
        message=result.failure.message if result.failure else None,
        size_limit=effective.size if effective is not None else None,
        completed=completed,
        findings=tuple(findings),
        result=result,
    )


def _uncoded(result: ProbeResult) -> str | None:
    """The error code of a failure diagnosis gives no cause for (a cancelled run), None when it passed."""
    if result.failure is None:
        return None
    return "cancelled" if result.failure.kind is FailureKind.CANCELLED else "unclassified"


def _reachable(result: ProbeResult) -> bool | None:
    failure = result.failure
    if failure is not None and failure.phase is Phase.CONNECT:
        return None if failure.kind is FailureKind.CANCELLED else False
    return True


def _certificate_valid(result: ProbeResult) -> bool | None:
    tls = result.tls
    if tls is None or not tls.verification_enabled:
        return None
    return tls.verified


def _certificate_stopped(result: ProbeResult) -> bool:
    return result.failure is not None and result.failure.kind is FailureKind.TLS_CERTIFICATE


def _tls_failed(result: ProbeResult) -> bool:
    failure = result.failure
    return (
        failure is not None
        and failure.phase is Phase.TLS
        and failure.kind in (FailureKind.TLS_HANDSHAKE, FailureKind.DISCONNECTED)
    )


def _compare_with_unrestricted(
    row: MatrixRow, base: ProbePlan, combination: Combination, device: DeviceClass, cancel: CancelToken
) -> MatrixRow:
    """Probe again as a modern client: if that handshake works, the device's TLS is what fails."""
    control_plan = combination_plan(replace(base, device_profile=None), combination)
    control = run_probe(control_plan, Credentials(), cancel=cancel)
    negotiated = control.tls.version if control.tls else None
    if negotiated is None or row.result is None:
        return row  # the port itself is broken: the device's limits are not the reason
    finding = device_tls_finding(row.result, device, negotiated)
    others = tuple(f for f in row.findings if f.severity is not Severity.ERROR)
    return replace(row, error_code=finding.code, message=finding.explanation, findings=(finding, *others))


def device_tls_finding(result: ProbeResult, device: DeviceClass, negotiated: str) -> Finding:
    """``tls_version_too_old`` (or a cipher mismatch) for a device whose handshake fails here."""
    ceiling = device.tls_max
    too_old = ceiling is not None and _version_rank(negotiated) > TLS_VERSIONS.index(ceiling)
    offered = f"TLS {device.tls_min}–{ceiling}" if device.tls_min and device.tls_min != ceiling else f"TLS {ceiling}"
    if too_old:
        explanation = (
            f"The emulated device ({device.label}) offers only {offered}; this server refuses that, while a "
            f"modern client connects with {negotiated}. A printer with this firmware cannot use this setting."
        )
        code, title = "tls_version_too_old", "The device's TLS version is too old for this server"
    else:
        explanation = (
            f"The emulated device ({device.label}) could not agree on encryption with this server, while a "
            f"modern client connects with {negotiated}: the device's cipher suites are not accepted."
        )
        code, title = "tls_handshake_failed", "The device's encryption settings are not accepted"
    return Finding(
        code=code,
        severity=Severity.ERROR,
        title=title,
        explanation=explanation,
        fix=_device_tls_fix(result),
        commands=_device_tls_commands(result),
        evidence=(result.failure.event_index,) if result.failure and result.failure.event_index is not None else (),
        rule_id="D01",
    )


def _device_tls_fix(result: ProbeResult) -> tuple[str, ...]:
    steps = [
        "Update the printer's firmware and switch on TLS 1.2 in its security settings.",
        "If the device cannot do TLS 1.2: send through a local relay (an internal mail server or a relay "
        "service) that accepts the device and forwards with current TLS.",
    ]
    provider = find_provider(result)
    if provider is not None and provider.microsoft:
        steps.append(
            "Microsoft 365 only: the admin opts in with `Set-TransportConfig -AllowLegacyTLSClients $true` "
            "and the printer uses smtp-legacy.office365.com, port 587, STARTTLS."
        )
    return tuple(steps)


def _device_tls_commands(result: ProbeResult) -> tuple[str, ...]:
    provider = find_provider(result)
    return ("Set-TransportConfig -AllowLegacyTLSClients $true",) if provider is not None and provider.microsoft else ()


def _version_rank(version: str) -> int:
    """Rank of an ``ssl`` version string such as ``TLSv1.3`` in TLS_VERSIONS (-1 when unknown)."""
    number = version.removeprefix("TLSv")
    return TLS_VERSIONS.index(number) if number in TLS_VERSIONS else -1


def reconcile(rows: Sequence[MatrixRow]) -> tuple[MatrixRow, ...]:
    """Read rows of one port together: a missing plaintext greeting means implicit TLS only if TLS works."""
    tls_works = {row.port for row in rows if row.security is SecurityMode.TLS and row.tls_version is not None}
    out: list[MatrixRow] = []
    for row in rows:
        if _silent_greeting(row):
            if row.port in tls_works:
                row = replace(row, error_code="port_tls_mismatch_starttls_on_implicit_port")
            elif row.error_code == "port_tls_mismatch_starttls_on_implicit_port":
                # SSL/TLS fails there too: the port accepts connections but nothing answers.
                row = replace(row, error_code="server_timeout")
        out.append(row)
    return tuple(out)


def _silent_greeting(row: MatrixRow) -> bool:
    failure = row.result.failure if row.result else None
    return (
        row.security is not SecurityMode.TLS
        and failure is not None
        and failure.phase is Phase.GREETING
        and failure.kind is FailureKind.TIMEOUT
    )


def run_matrix(
    base: ProbePlan,
    ports: Iterable[int] = DEFAULT_PORTS,
    *,
    modes: Sequence[SecurityMode] = MODES,
    cancel: CancelToken | None = None,
    on_row: RowCallback | None = None,
) -> tuple[MatrixRow, ...]:
    """Probe every combination concurrently; rows come back in matrix order (port, then mode).

    ``on_row`` is called from worker threads as each combination finishes (before ``reconcile``).
    """
    cancel = cancel or CancelToken()
    wanted = combinations(ports, modes)
    if not wanted:
        return ()
    # Certificate retry and device control probe may each add one more run of the same length.
    limit = base.timeouts.total * 3 + _GRACE_SECONDS
    rows: dict[Combination, MatrixRow] = {}
    with ThreadPoolExecutor(max_workers=min(len(wanted), MAX_WORKERS), thread_name_prefix="detect") as pool:
        futures = {pool.submit(_probe_and_report, base, combo, cancel, on_row): combo for combo in wanted}
        done, pending = wait(futures, timeout=limit)
        if pending:
            cancel.cancel()  # a stuck combination must not hold the matrix hostage
            done, _ = wait(futures)
        for future in done:
            rows[futures[future]] = future.result()
    return reconcile([rows[combo] for combo in wanted])


def _probe_and_report(
    base: ProbePlan, combination: Combination, cancel: CancelToken, on_row: RowCallback | None
) -> MatrixRow:
    row = probe_combination(base, combination, cancel)
    if on_row is not None:
        on_row(row)
    return row
