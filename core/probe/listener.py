"""How a running probe reports progress to whoever watches (the GUI's controller, the CLI)."""

from __future__ import annotations

from typing import Protocol

from core.probe.phases import Phase
from core.probe.result import PhaseOutcome
from core.probe.transcript import TranscriptEvent


class ProbeListener(Protocol):
    """Called from the thread that runs the probe, in order, as things happen."""

    def on_event(self, event: TranscriptEvent) -> None:
        """A transcript line was recorded (already redacted)."""

    def on_phase_started(self, phase: Phase) -> None:
        """A phase began."""

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        """A phase ended, well or badly, with its duration."""


class NullListener:
    """A listener that ignores everything."""

    def on_event(self, event: TranscriptEvent) -> None:
        pass

    def on_phase_started(self, phase: Phase) -> None:
        pass

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        pass
