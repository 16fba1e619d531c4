"""The shape of a finding's text before it is filled in for one probe."""

from __future__ import annotations

from typing import NamedTuple


class Text(NamedTuple):
    title: str
    explanation: str
    fix: tuple[str, ...]
