"""Check one setting, as a printer would use it: the use case behind ``smtp-doctor probe`` and Test.

``run_check(request, listener, cancel)`` is the whole pipeline, the same for every front end:
the validated plan (device class applied) → the OAuth sign-in when the request has one → the
probe → enrichment (token claims, the sender domain's MX, the detected provider) → diagnosis.
It returns a ``CheckOutcome`` that every renderer reads (terminal, JSON, reports, the app).
Problems the network, the server or the sign-in service cause become findings, never exceptions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from core.cancel import CancelToken
from core.devices import apply_device
from core.diagnosis.engine import diagnose
from core.diagnosis.finding import Finding, Severity, primary
from core.errors import Cancelled, InputError
from core.model import Credentials, ProbePlan
from core.oauth.errors import TokenError
from core.oauth.tokens import DeviceCodePrompt
from core.probe.enrichment import SenderDomainMx
from core.probe.listener import ProbeListener
from core.probe.phases import Phase
from core.probe.result import PhaseOutcome, ProbeResult
from core.probe.runner import run_probe
from core.secret import Secret, SecretRegistry
from core.usecase.enrich import SenderMxLookup, enrich
from core.usecase.signin import SignIn, acquire_token, as_token_error, cancelled_result, token_failure_result


class ProbeFunction(Protocol):
    """The shape of ``core.probe.runner.run_probe``."""

    def __call__(
        self,
        plan: ProbePlan,
        credentials: Credentials,
        *,
        listener: ProbeListener | None = None,
        cancel: CancelToken | None = None,
    ) -> ProbeResult: ...


class CheckListener(ProbeListener, Protocol):
    """Progress of a check: the probe's transcript and phases, and what a sign-in shows the user."""

    def device_code(self, prompt: DeviceCodePrompt) -> None: ...

    def browser_url(self, url: str) -> None: ...

    def signed_in(self, account: str) -> None: ...


class QuietListener:
    """A check listener that ignores everything (``--json``, tests)."""

    def on_event(self, event: object) -> None:
        pass

    def on_phase_started(self, phase: Phase) -> None:
        pass

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        pass

    def device_code(self, prompt: DeviceCodePrompt) -> None:
        pass

    def browser_url(self, url: str) -> None:
        pass

    def signed_in(self, account: str) -> None:
        pass


@dataclass(frozen=True)
class CheckRequest:
    """One check: the settings, the secret to present, and the sign-in that fetches a token first."""

    plan: ProbePlan
    credentials: Credentials = field(default_factory=Credentials)
    sign_in: SignIn | None = None  # when set, the token it fetches replaces credentials.token


@dataclass(frozen=True)
class CheckOutcome:
    """What a check found: the (enriched) probe result and the ordered findings."""

    result: ProbeResult
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """The test passed: every phase ran and no finding is an error."""
        return self.result.ok and not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def primary(self) -> Finding | None:
        return primary(self.findings)


def default_mx_lookup() -> SenderMxLookup:
    """dnspython against the system's resolvers, or the server ``SMTP_DOCTOR_DNS_SERVER`` names."""
    from core.domain.mx import lookup_mx
    from core.domain.resolver import configured_server

    try:
        server = configured_server()
    except InputError as exc:
        # A hint must not stop a check: every lookup then says why it was not made.
        problem = f"not looked up: {exc.field} {exc.message}"
        return lambda domain: SenderDomainMx(domain, problem=problem)
    return lambda domain: lookup_mx(domain, server)


@dataclass(frozen=True)
class CheckServices:
    """What the pipeline calls out to; tests pass their own (a scripted probe, a fixed clock)."""

    run_probe: ProbeFunction = run_probe
    lookup_mx: SenderMxLookup | None = field(default_factory=default_mx_lookup)
    now: Callable[[], datetime] = lambda: datetime.now().astimezone()


def prepare_plan(plan: ProbePlan, field: str = "device") -> ProbePlan:
    """The plan as the device would run it (its device class applied); InputError if it cannot.

    Front ends call this when they validate input, so a setting the device class forbids is shown
    next to its field; ``run_check`` calls it again (applying a device class twice changes nothing).
    """
    if plan.device_profile:
        return apply_device(plan, plan.device_profile, field=field)
    return plan


def run_check(
    request: CheckRequest,
    listener: CheckListener | None = None,
    cancel: CancelToken | None = None,
    *,
    secrets: SecretRegistry | None = None,
    services: CheckServices | None = None,
) -> CheckOutcome:
    """Run the whole check. ``secrets`` collects every secret used (for redacting reports later)."""
    watcher: CheckListener = listener or QuietListener()
    stop = cancel or CancelToken()
    tools = services or CheckServices()
    registry = secrets if secrets is not None else SecretRegistry()
    plan = prepare_plan(request.plan)
    registry.add(request.credentials.password, request.credentials.token)
    credentials = request.credentials
    if request.sign_in is not None:
        registry.add(request.sign_in.settings.client_secret)
        signed = _sign_in(plan, request.sign_in, watcher, stop)
        if isinstance(signed, ProbeResult):
            return _diagnosed(enrich(signed, token=None, lookup_mx=tools.lookup_mx), tools)
        token, token_phase = signed
        registry.add(token)
        credentials = Credentials(token=token)
        result = tools.run_probe(plan, credentials, listener=watcher, cancel=stop)
        result = replace(result, phases=(token_phase, *result.phases))
    else:
        result = tools.run_probe(plan, credentials, listener=watcher, cancel=stop)
    return _diagnosed(enrich(result, token=credentials.token, lookup_mx=tools.lookup_mx), tools)


def _sign_in(
    plan: ProbePlan, sign_in: SignIn, listener: CheckListener, cancel: CancelToken
) -> tuple[Secret, PhaseOutcome] | ProbeResult:
    """The token and its phase outcome, or the result that ends the check (refused or cancelled)."""
    started_at = datetime.now(UTC)
    started = time.monotonic()
    listener.on_phase_started(Phase.OAUTH_TOKEN)
    try:
        token = acquire_token(sign_in, listener, cancel)
    except Cancelled:
        return cancelled_result(plan, started_at)
    except (TokenError, InputError) as exc:
        outcome = PhaseOutcome(Phase.OAUTH_TOKEN, False, _ms_since(started))
        listener.on_phase_finished(outcome)
        return replace(token_failure_result(plan, as_token_error(exc), started_at=started_at), phases=(outcome,))
    outcome = PhaseOutcome(Phase.OAUTH_TOKEN, True, _ms_since(started))
    listener.on_phase_finished(outcome)
    return token.token, outcome


def _diagnosed(result: ProbeResult, services: CheckServices) -> CheckOutcome:
    return CheckOutcome(result, tuple(diagnose(result, now=services.now())))


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000.0
