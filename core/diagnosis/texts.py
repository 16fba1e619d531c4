"""Turns a code and a context into a finished Finding: title, explanation, numbered fix, commands."""

from __future__ import annotations

from collections.abc import Mapping

from core.diagnosis.codes import CODES
from core.diagnosis.context import Context
from core.diagnosis.details import detail_for
from core.diagnosis.fields import fields
from core.diagnosis.finding import Finding
from core.diagnosis.texts_auth import AUTH_TEXTS
from core.diagnosis.texts_connection import CONNECTION_TEXTS
from core.diagnosis.texts_envelope import ENVELOPE_TEXTS
from core.diagnosis.texts_model import Text

TEXTS: dict[str, Text] = {**CONNECTION_TEXTS, **AUTH_TEXTS, **ENVELOPE_TEXTS}


class _Blank(dict[str, str]):
    """format_map helper: an unknown placeholder stays visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, str]) -> str:
    return " ".join(template.format_map(_Blank(values)).split())


def render(code: str, ctx: Context, rule_id: str, evidence: tuple[int, ...]) -> Finding:
    text = TEXTS[code]
    values = fields(ctx)
    detail = detail_for(code, ctx)
    generic = tuple(fill(step, values) for step in text.fix)
    fix = detail.fix if detail.replace else (*detail.fix, *generic)
    return Finding(
        code=code,
        severity=CODES[code].severity,
        title=fill(text.title, values),
        explanation=fill(text.explanation, values),
        fix=tuple(dict.fromkeys(fix)),  # keep order, drop repeats
        evidence=evidence,
        commands=tuple(dict.fromkeys(detail.commands)),
        rule_id=rule_id,
    )
