"""Typed server replies: the reply code, the RFC 3463 enhanced status code and the text lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

# class.subject.detail, e.g. 5.7.139; RFC 3463 allows up to three digits in subject and detail.
_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")


@dataclass(frozen=True)
class EnhancedStatus:
    """An RFC 3463 enhanced status code such as ``5.7.139``."""

    klass: int
    subject: int
    detail: int

    def __str__(self) -> str:
        return f"{self.klass}.{self.subject}.{self.detail}"

    @classmethod
    def parse(cls, text: str) -> EnhancedStatus | None:
        """The enhanced code at the start of ``text`` (after the reply code), if any."""
        m = _ENHANCED.match(text.lstrip())
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


@dataclass(frozen=True)
class Reply:
    """One complete (possibly multi-line) SMTP reply.

    ``lines`` hold the text after ``NNN-``/``NNN `` with the enhanced code left in place, exactly
    as the server sent it (decoded leniently), so the transcript shows the real thing.
    """

    code: int
    lines: tuple[str, ...]

    @property
    def enhanced(self) -> EnhancedStatus | None:
        return EnhancedStatus.parse(self.lines[0]) if self.lines else None

    @property
    def text(self) -> str:
        """All lines joined with spaces (for matching and one-line display)."""
        return " ".join(line.strip() for line in self.lines)

    @property
    def quoted(self) -> str:
        """The reply on one line, code first, as people quote it: ``535 5.7.8 Authentication failed``."""
        return f"{self.code} {self.text}".strip()

    @property
    def is_positive(self) -> bool:
        return 200 <= self.code < 400

    @property
    def is_transient(self) -> bool:
        return 400 <= self.code < 500

    @property
    def is_permanent(self) -> bool:
        return self.code >= 500

    def wire_lines(self) -> list[str]:
        """The reply as the server sent it, one ``NNN-text`` string per line."""
        if not self.lines:
            return [str(self.code)]
        last = len(self.lines) - 1
        return [f"{self.code}{'-' if i < last else ' '}{line}".rstrip() for i, line in enumerate(self.lines)]
