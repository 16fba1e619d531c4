"""Runs one probe (and its diagnosis) the way the app does, and measures it.

``observe`` wraps ``run_probe`` + ``diagnose`` with a wall clock and ``tracemalloc`` (which sees the
allocations of every Python thread, the scripted server's included, so payloads are built before
measuring starts). Any exception escaping either call is caught and reported as the observation's
``escaped`` text, so a test can say "no exception escapes" and still print the table row.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass, field

from core.cancel import CancelToken
from core.diagnosis.engine import diagnose
from core.diagnosis.finding import Finding, Severity, primary
from core.model import AuthMethod, Credentials, MessageSpec, ProbePlan, SecurityMode, Timeouts, TlsPolicy
from core.probe.listener import ProbeListener
from core.probe.result import FailureKind, ProbeResult
from core.probe.runner import run_probe
from core.secret import Secret
from tests.robustness.table import Row, record

USER = "scanner@example.test"
PASSWORD = "Robust-Pa55word!"
HOST = "127.0.0.1"

# Short deadlines keep the suite small; every hostile case must end within its own limit + SLACK.
FAST = Timeouts(connect=1.5, greeting=1.5, tls=1.5, command=1.5, data_end=1.5, total=4.0)
SLACK = 0.5
PEAK_LIMIT = 4 * 1024 * 1024  # bytes: a 10 MB line must not become 10 MB anywhere
TRANSCRIPT_LIMIT = 64 * 1024  # characters of transcript text, all events together
PASSED = "(passed)"  # the "finding" of a run that succeeded: no error finding
CANCELLED = "(cancelled)"  # the "finding" of a cancelled run: no error finding either


def plan_for(
    port: int,
    security: SecurityMode = SecurityMode.NONE,
    *,
    login: bool = False,
    send: bool = False,
    ca_file: str | None = None,
    timeouts: Timeouts = FAST,
) -> ProbePlan:
    """A plan against 127.0.0.1:``port``; ``login`` adds AUTH with the test password."""
    return ProbePlan(
        host=HOST,
        port=port,
        security=security,
        auth=AuthMethod.AUTO if login else AuthMethod.NONE,
        username=USER if login else None,
        message=MessageSpec(USER, (USER,)) if send else MessageSpec(),
        send=send,
        tls=TlsPolicy(ca_file=ca_file),
        timeouts=timeouts,
    )


def credentials_for(plan: ProbePlan) -> Credentials:
    return Credentials(password=Secret(PASSWORD)) if plan.username else Credentials()


@dataclass
class Observation:
    """One measured run."""

    seconds: float
    peak_bytes: int
    result: ProbeResult | None
    findings: tuple[Finding, ...] = ()
    escaped: str | None = None  # "ValueError: ..." if an exception got out of run_probe or diagnose
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """The primary finding's code, PASSED for a clean run, or what went wrong instead."""
        if self.escaped is not None:
            return f"EXCEPTION {self.escaped}"
        assert self.result is not None
        found = primary(self.findings)
        if found is not None:
            return found.code
        if self.result.ok:
            return PASSED
        if self.result.failure is not None and self.result.failure.kind is FailureKind.CANCELLED:
            return CANCELLED
        return f"(no finding for {self.result.failure.kind.value if self.result.failure else '?'})"

    @property
    def transcript_chars(self) -> int:
        return sum(len(event.text) for event in self.result.transcript) if self.result else 0

    def error_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


def observe(
    plan: ProbePlan,
    credentials: Credentials | None = None,
    *,
    cancel: CancelToken | None = None,
    listener: ProbeListener | None = None,
) -> Observation:
    """Run the probe and its diagnosis once, timing it and tracing the memory peak."""
    credentials = credentials if credentials is not None else credentials_for(plan)
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    began = time.monotonic()
    result: ProbeResult | None = None
    findings: tuple[Finding, ...] = ()
    escaped: str | None = None
    try:
        result = run_probe(plan, credentials, listener=listener, cancel=cancel)
        findings = diagnose(result)
    except Exception as exc:  # the point of the suite: report it, never crash the table
        escaped = f"{type(exc).__name__}: {exc}"
    seconds = time.monotonic() - began
    _, peak = tracemalloc.get_traced_memory()
    if not was_tracing:
        tracemalloc.stop()
    return Observation(seconds, max(0, peak - base), result, findings, escaped)


def record_observation(group: str, case: str, expected: str, observation: Observation) -> Row:
    return record(Row(group, case, expected, observation.code, observation.seconds, observation.peak_bytes))


def assert_bounded(observation: Observation, limit_seconds: float) -> None:
    """The common promises: no exception, a result, in time, small in memory and in transcript."""
    assert observation.escaped is None, observation.escaped
    assert observation.result is not None
    assert observation.seconds < limit_seconds + SLACK, f"took {observation.seconds:.2f} s (limit {limit_seconds} s)"
    assert observation.peak_bytes < PEAK_LIMIT, f"peak memory {observation.peak_bytes:,} bytes"
    assert observation.transcript_chars < TRANSCRIPT_LIMIT, f"transcript {observation.transcript_chars:,} chars"
    for _phase, reply in observation.result.replies:
        assert sum(len(line) for line in reply.lines) < TRANSCRIPT_LIMIT
