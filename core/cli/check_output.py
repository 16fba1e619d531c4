"""How ``smtp-doctor probe`` shows a check: the live transcript, the sign-in prompts, then the findings.

The transcript goes to stdout as it happens (not with ``--json``, whose stdout is one object); what
a sign-in needs the person to do (the device code, the browser page) goes to stderr, so it shows
with ``--json`` too.
"""

from __future__ import annotations

import sys
from typing import TextIO

from core.oauth.tokens import DeviceCodePrompt
from core.probe.listener import NullListener, ProbeListener
from core.probe.phases import Phase
from core.probe.result import PhaseOutcome
from core.probe.transcript import TranscriptEvent
from core.report.terminal import TerminalPrinter, print_findings, want_colour
from core.usecase.check import CheckOutcome


class CliCheckListener:
    """The check's listener for the terminal: transcript lines on ``out``, sign-in prompts on ``prompts``."""

    def __init__(self, out: TextIO, color: str = "auto", *, live: bool = True, prompts: TextIO | None = None) -> None:
        self._printer: ProbeListener = TerminalPrinter(out, want_colour(out, color)) if live else NullListener()
        self._prompts = prompts or sys.stderr

    def on_event(self, event: TranscriptEvent) -> None:
        self._printer.on_event(event)

    def on_phase_started(self, phase: Phase) -> None:
        self._printer.on_phase_started(phase)

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        self._printer.on_phase_finished(outcome)

    def device_code(self, prompt: DeviceCodePrompt) -> None:
        print_device_code(prompt, self._prompts)

    def browser_url(self, url: str) -> None:
        import webbrowser

        print(f"Sign in in the browser. If none opened, visit:\n  {url}", file=self._prompts)
        self._prompts.flush()
        webbrowser.open(url)

    def signed_in(self, account: str) -> None:
        pass


def print_device_code(prompt: DeviceCodePrompt, out: TextIO) -> None:
    """Show the code and the link on their own lines, easy to read aloud or copy."""
    minutes = max(1, round(prompt.seconds_left() / 60))
    print(prompt.message, file=out)
    print(f"  Link: {prompt.verification_uri}", file=out)
    print(f"  Code: {prompt.user_code}", file=out)
    print(f"Waiting for the sign-in (the code expires in {minutes} min; Ctrl+C cancels)...", file=out)
    out.flush()


def print_outcome(outcome: CheckOutcome, out: TextIO, color: str = "auto", *, as_json: bool = False) -> None:
    """The findings after the transcript, or the whole outcome as the JSON document."""
    if as_json:
        from core.report.json_report import result_to_json

        print(result_to_json(outcome.result, outcome.findings), file=out)
    else:
        print_findings(outcome.findings, out, want_colour(out, color))
