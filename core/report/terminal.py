"""Terminal rendering for the CLI: a live, colour-coded transcript and the findings.

Every line carries a text prefix (``C:``, ``S:``, ``T:``, ``*``, ``!``) so it reads the same without
colour (NO_COLOR, pipes, screen readers). Colour is used only on a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from core.diagnosis.finding import Finding, Severity
from core.probe.phases import Phase
from core.probe.result import PhaseOutcome
from core.probe.transcript import EventKind, TranscriptEvent

_RESET = "\x1b[0m"
_KIND_COLOUR = {
    EventKind.CLIENT: "\x1b[36m",  # cyan
    EventKind.SERVER: "\x1b[32m",  # green (error replies are re-coloured below)
    EventKind.TLS: "\x1b[35m",  # magenta
    EventKind.INFO: "\x1b[2m",  # dim
    EventKind.ERROR: "\x1b[1;31m",  # bold red
}
_SEVERITY_MARK = {Severity.ERROR: "[FAIL]", Severity.WARNING: "[WARN]", Severity.INFO: "[INFO]"}
_SEVERITY_COLOUR = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[34m"}


def want_colour(stream: TextIO, choice: str = "auto") -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


class TerminalPrinter:
    """A ProbeListener that prints each transcript line as it happens."""

    def __init__(self, stream: TextIO = sys.stdout, colour: bool = False) -> None:
        self._out = stream
        self._colour = colour

    def _paint(self, colour: str, text: str) -> str:
        return f"{colour}{text}{_RESET}" if self._colour else text

    def on_event(self, event: TranscriptEvent) -> None:
        colour = _KIND_COLOUR[event.kind]
        if event.kind is EventKind.SERVER and event.text[:1] in ("4", "5"):
            colour = "\x1b[31m"  # a 4xx/5xx reply line stands out
        stamp = f"{event.offset_ms / 1000:7.3f}"
        line = f"{stamp} {event.kind.prefix:<2} {event.text}"
        print(self._paint(colour, line), file=self._out, flush=True)

    def on_phase_started(self, phase: Phase) -> None:
        pass

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        pass


def print_findings(findings: Sequence[Finding], stream: TextIO = sys.stdout, colour: bool = False) -> None:
    """The verdict line, then each finding with its explanation, fix steps and commands."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    print(file=stream)
    print(verdict(findings), file=stream)
    for finding in findings:
        mark = paint(_SEVERITY_COLOUR[finding.severity], _SEVERITY_MARK[finding.severity])
        print(f"\n{mark} {finding.title}  ({finding.code})", file=stream)
        print(f"    {finding.explanation}", file=stream)
        for number, step in enumerate(finding.fix, 1):
            print(f"    {number}. {step}", file=stream)
        for command in finding.commands:
            print(f"       $ {command}", file=stream)


def verdict(findings: Sequence[Finding]) -> str:
    """One line a technician can read aloud: works, or the primary cause."""
    first_error = next((f for f in findings if f.severity is Severity.ERROR), None)
    if first_error is None:
        return "Works: the printer can use these settings."
    return f"Fails: {first_error.title}"
