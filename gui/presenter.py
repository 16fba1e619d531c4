"""Pure formatting from core values to the strings the window shows (no Qt, unit-testable)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from core.diagnosis.finding import Finding, Severity, primary
from core.probe.result import FailureKind, ProbeResult
from core.probe.transcript import TranscriptEvent

WORKS_VERDICT = "Works: the printer can use these settings"


def format_ms(milliseconds: float) -> str:
    """A duration as a person reads it: '12 ms', '1.4 s'."""
    if milliseconds < 1:
        return "<1 ms"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.1f} s"


def event_row(event: TranscriptEvent) -> str:
    """One transcript line: offset, the kind's text marker (reads without colour), the text."""
    return f"{event.offset_ms:9.1f} ms  {event.kind.prefix:<2} {event.text}"


def transcript_text(events: Sequence[TranscriptEvent]) -> str:
    return "\n".join(event_row(e) for e in events)


def verdict(result: ProbeResult, findings: Sequence[Finding]) -> tuple[bool, str]:
    """(passed, one-line verdict) for the banner above the findings."""
    if result.failure is not None and result.failure.kind is FailureKind.CANCELLED:
        return False, "Stopped: the test was cancelled before it finished"
    cause = primary(findings)
    if cause is None and result.ok:
        if not result.plan.send:
            return True, "Works: the printer can log in with these settings (no message was sent)"
        return True, WORKS_VERDICT
    if cause is not None:
        return False, f"Fails: {cause.title}"
    assert result.failure is not None
    return False, f"Fails: {result.failure.message}"


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the engine's order is kept within a severity."""
    return sorted(findings, key=lambda f: f.severity.rank)


SEVERITY_LABEL = {Severity.ERROR: "Problem", Severity.WARNING: "Warning", Severity.INFO: "Note"}


def validity_text(not_before: datetime, not_after: datetime, now: datetime | None = None) -> tuple[bool, str]:
    """(currently valid, 'valid from … to …' with a note when outside the dates)."""
    moment = now or datetime.now(UTC)
    span = f"{not_before:%Y-%m-%d} to {not_after:%Y-%m-%d}"
    if moment < not_before:
        return False, f"{span} (not valid yet)"
    if moment > not_after:
        return False, f"{span} (expired {(moment - not_after).days} days ago)"
    return True, f"{span} ({(not_after - moment).days} days left)"
