"""The typed, timestamped transcript of a session, redacted at the moment each event is made.

Events are immutable and carry only text that is safe to show: the runner builds client events
from each command's redacted form, so a password, a token or their base64 AUTH payloads are never
put into an event in the first place. :class:`Transcript` additionally scrubs every known secret
form from every event's text as it is appended (belt and braces).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.probe.phases import Phase

# A transcript line is for display; anything longer is cut with a note of the original length.
MAX_EVENT_TEXT = 2000


class EventKind(enum.Enum):
    """Who or what produced a transcript line."""

    CLIENT = "client"  # we sent it
    SERVER = "server"  # the server sent it
    TLS = "tls"  # TLS negotiation and certificate details
    INFO = "info"  # the tool's own notes (resolved address, timings, quirks)
    ERROR = "error"  # what stopped the run

    @property
    def prefix(self) -> str:
        """A text marker so the transcript reads without colour (swaks-like)."""
        return {"client": "C:", "server": "S:", "tls": "T:", "info": "*", "error": "!"}[self.value]


@dataclass(frozen=True)
class TranscriptEvent:
    """One line of the transcript."""

    index: int
    offset_ms: float  # since the run started
    kind: EventKind
    text: str
    phase: Phase | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "offset_ms": round(self.offset_ms, 1),
            "kind": self.kind.value,
            "text": self.text,
            "phase": self.phase.value if self.phase else None,
        }


class Redactor:
    """Replaces every known secret form in a text with ``***``.

    Forms are matched longest first, so a base64 payload that contains the base64 of the bare
    password is removed whole.
    """

    def __init__(self, forms: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        self.add(forms)

    def add(self, forms: Iterable[str]) -> None:
        # Very short forms would blank out ordinary text; a 1-2 character password is not worth it.
        merged = {f for f in (*self._forms, *forms) if len(f) >= 3}
        self._forms = sorted(merged, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, "***")
        return text


class Transcript:
    """Append-only list of events with a live listener (the GUI or the CLI's printer)."""

    def __init__(
        self,
        redactor: Redactor | None = None,
        listener: Callable[[TranscriptEvent], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._events: list[TranscriptEvent] = []
        self._redact = redactor or Redactor()
        self._listener = listener
        self._clock = clock
        self._start = clock()

    def add(self, kind: EventKind, text: str, phase: Phase | None = None) -> TranscriptEvent:
        text = self._redact(text)
        if len(text) > MAX_EVENT_TEXT:
            text = f"{text[:MAX_EVENT_TEXT]}… [{len(text) - MAX_EVENT_TEXT} more characters not shown]"
        event = TranscriptEvent(len(self._events), self.elapsed_ms(), kind, text, phase)
        self._events.append(event)
        if self._listener is not None:
            self._listener(event)
        return event

    def elapsed_ms(self) -> float:
        return (self._clock() - self._start) * 1000.0

    @property
    def events(self) -> tuple[TranscriptEvent, ...]:
        return tuple(self._events)

    def __len__(self) -> int:
        return len(self._events)
