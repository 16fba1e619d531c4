"""A finding: one diagnosis code with a plain explanation, numbered fix steps and evidence."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from core.probe.transcript import TranscriptEvent


class Severity(enum.Enum):
    ERROR = "error"  # stopped the test (the first one is the primary cause)
    WARNING = "warning"  # the test may pass but something will bite (no TLS, retirement dates)
    INFO = "info"  # worth knowing

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """One conclusion. ``code`` is from the public list in ``core.diagnosis.codes``."""

    code: str
    severity: Severity
    title: str
    explanation: str
    fix: tuple[str, ...] = ()  # numbered steps, in order
    evidence: tuple[int, ...] = ()  # transcript event indices that led to it
    commands: tuple[str, ...] = ()  # admin commands ready to paste (also quoted inside fix steps)
    rule_id: str = ""

    def as_dict(self, transcript: Sequence[TranscriptEvent] = ()) -> dict[str, object]:
        by_index = {e.index: e for e in transcript}
        return {
            "code": self.code,
            "severity": self.severity.value,
            "title": self.title,
            "explanation": self.explanation,
            "fix": list(self.fix),
            "commands": list(self.commands),
            "evidence": [{"event": i, "text": by_index[i].text if i in by_index else None} for i in self.evidence],
            "rule": self.rule_id,
        }


def primary(findings: Sequence[Finding]) -> Finding | None:
    """The first error finding: the cause that stopped the test."""
    return next((f for f in findings if f.severity is Severity.ERROR), None)
