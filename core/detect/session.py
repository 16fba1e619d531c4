"""One "find my settings" run: the matrix, the recommendation, pre-flight checks and the optional login.

``run_detect`` is blocking and never raises for server or network problems (the matrix rows and
findings carry them). When credentials are given, it logs in (no message is sent) on the
recommended combination with the device's restrictions, so "will this printer log in?" is
answered too. ``DetectOutcome.to_dict`` is the ``detect --json`` contract.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from core import __version__
from core.cancel import CancelToken
from core.detect import DEFAULT_PORTS
from core.detect.matrix import Combination, MatrixRow, RowCallback, run_matrix
from core.detect.recommend import Recommendation, recommend
from core.devices import apply_device
from core.diagnosis.engine import diagnose
from core.diagnosis.finding import Finding, Severity, primary
from core.model import AuthMethod, Credentials, ProbePlan
from core.preflight import TYPICAL_SCAN_BYTES, check_clock, check_message_size, check_password
from core.probe.result import ProbeResult
from core.probe.runner import run_probe
from core.probe.transcript import TranscriptEvent

SCHEMA_VERSION = 1
# Codes worth repeating at the top even when a combination works: they answer "will this device cope?"
_ALWAYS_SHOWN = ("tls_version_too_old",)


@dataclass(frozen=True)
class PlacedFinding:
    """A finding with the combination it came from (None: about the whole run, e.g. pre-flight)."""

    finding: Finding
    combination: Combination | None = None
    transcript: tuple[TranscriptEvent, ...] = field(default=(), compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        out = self.finding.as_dict(self.transcript)
        out["port"] = self.combination.port if self.combination else None
        out["security"] = self.combination.security.value if self.combination else None
        return out


@dataclass(frozen=True)
class AuthCheck:
    """The login on the recommended combination (no message sent)."""

    combination: Combination
    ok: bool
    mechanism: str | None
    error_code: str | None
    message: str | None
    findings: tuple[Finding, ...] = field(default=(), compare=False)
    result: ProbeResult | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "port": self.combination.port,
            "security": self.combination.security.value,
            "ok": self.ok,
            "mechanism": self.mechanism,
            "error_code": self.error_code,
            "message": self.message,
        }


@dataclass(frozen=True)
class DetectOutcome:
    """Everything one detect run found."""

    host: str
    device: str | None
    started_at: datetime
    rows: tuple[MatrixRow, ...]
    recommendation: Recommendation | None
    findings: tuple[PlacedFinding, ...]
    auth: AuthCheck | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        """A combination works, and the login on it worked when one was asked for."""
        return self.recommendation is not None and (self.auth is None or self.auth.ok)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "smtp-doctor", "version": __version__},
            "ok": self.ok,
            "host": self.host,
            "device": self.device,
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration_ms, 1),
            "matrix": [row.as_dict() for row in self.rows],
            "recommendation": self.recommendation.as_dict() if self.recommendation else None,
            "auth": self.auth.as_dict() if self.auth else None,
            "findings": [placed.as_dict() for placed in self.findings],
        }


def run_detect(
    base: ProbePlan,
    ports: Iterable[int] = DEFAULT_PORTS,
    credentials: Credentials | None = None,
    *,
    attachment_bytes: int = TYPICAL_SCAN_BYTES,
    cancel: CancelToken | None = None,
    on_row: RowCallback | None = None,
) -> DetectOutcome:
    """Probe the matrix for ``base.host`` (TLS policy, EHLO name, timeouts and device from ``base``)."""
    started_at = datetime.now(UTC)
    began = time.monotonic()
    cancel = cancel or CancelToken()
    rows = run_matrix(base, ports, cancel=cancel, on_row=on_row)
    best = recommend(rows)
    wants_login = credentials is not None and bool(credentials.password or credentials.token)
    auth = _log_in(base, best, credentials, cancel) if wants_login and best and credentials else None
    preflight = _preflight(rows, best, credentials, attachment_bytes)
    findings = (
        *preflight,
        *_matrix_findings(rows, best, {placed.finding.code for placed in preflight}),
        *_auth_findings(auth),
    )
    return DetectOutcome(
        host=base.host,
        device=base.device_profile,
        started_at=started_at,
        rows=rows,
        recommendation=best,
        findings=findings,
        auth=auth,
        duration_ms=(time.monotonic() - began) * 1000.0,
    )


def _log_in(base: ProbePlan, best: Recommendation, credentials: Credentials, cancel: CancelToken) -> AuthCheck:
    combination = Combination(best.port, best.security)
    plan = replace(base, port=best.port, security=best.security, send=False)
    if plan.auth is AuthMethod.NONE:
        plan = replace(plan, auth=AuthMethod.AUTO)
    if plan.device_profile:
        plan = apply_device(plan, plan.device_profile)
    result = run_probe(plan, credentials, cancel=cancel)
    findings = diagnose(result)
    cause = primary(findings)
    return AuthCheck(
        combination=combination,
        ok=result.ok and result.authenticated,
        mechanism=result.auth_mechanism,
        error_code=cause.code if cause else None,
        message=result.failure.message if result.failure else None,
        findings=tuple(findings),
        result=result,
    )


def _preflight(
    rows: Sequence[MatrixRow],
    best: Recommendation | None,
    credentials: Credentials | None,
    attachment_bytes: int,
) -> list[PlacedFinding]:
    found: list[PlacedFinding] = []
    if best is not None:
        size = check_message_size(best.row.size_limit, attachment_bytes)
        if size is not None:
            found.append(PlacedFinding(size, Combination(best.port, best.security)))
    password = check_password(credentials.password) if credentials else None
    if password is not None:
        found.append(PlacedFinding(password))
    clock = _clock(rows)
    if clock is not None:
        found.append(clock)
    return found


def _clock(rows: Sequence[MatrixRow]) -> PlacedFinding | None:
    """The clock check against the first greeting that states a date (one finding for the whole run)."""
    for row in rows:
        result = row.result
        if result is None or row.greeting is None:
            continue
        finding = check_clock(row.greeting, result.started_at)
        if finding is not None:
            return PlacedFinding(finding, row.combination)
    return None


def _matrix_findings(rows: Sequence[MatrixRow], best: Recommendation | None, already: set[str]) -> list[PlacedFinding]:
    """The recommended row's warnings and notes; the distinct failure causes when nothing works.

    Codes in ``already`` (the pre-flight checks said it for the whole run) are not repeated.
    """
    found: list[PlacedFinding] = []
    seen = set(already)
    if best is not None:
        row = best.row
        for finding in row.findings:
            if finding.code not in seen:
                found.append(_placed(finding, row))
                seen.add(finding.code)
    for row in rows:
        cause = _cause(row)
        if cause is None or cause.code in seen:
            continue
        if best is None or cause.code in _ALWAYS_SHOWN:
            found.append(_placed(cause, row))
            seen.add(cause.code)
    return found


def _cause(row: MatrixRow) -> Finding | None:
    """The finding behind the row's error code (None when reconciling changed the code)."""
    cause = primary(row.findings)
    return cause if cause is not None and cause.code == row.error_code else None


def _placed(finding: Finding, row: MatrixRow) -> PlacedFinding:
    transcript = row.result.transcript if row.result else ()
    return PlacedFinding(finding, row.combination, transcript)


def _auth_findings(auth: AuthCheck | None) -> list[PlacedFinding]:
    if auth is None:
        return []
    transcript = auth.result.transcript if auth.result else ()
    # The notes about the connection itself are already listed for the recommended row.
    wanted = [f for f in auth.findings if f.severity is Severity.ERROR or f.code.startswith(("basic_auth", "cred"))]
    return [PlacedFinding(f, auth.combination, transcript) for f in wanted]
