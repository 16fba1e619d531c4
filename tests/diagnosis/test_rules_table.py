"""Sanity of the rule table: unique ids, known codes, texts for every code, every rule reachable."""

from __future__ import annotations

import re

import pytest

from core.diagnosis.codes import CODES, NOTE_CODES
from core.diagnosis.engine import diagnose
from core.diagnosis.finding import Severity, primary
from core.diagnosis.rules import ALL_RULES, CAUSE_RULES, NOTE_RULES
from core.diagnosis.texts import TEXTS
from tests.diagnosis.builders import NOW
from tests.diagnosis.scenarios import SCENARIOS

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z]\d\d", rule_id) for rule_id in ids)


def test_every_rule_concludes_a_documented_code() -> None:
    assert {rule.code for rule in ALL_RULES} <= set(CODES)
    assert all(rule.code not in NOTE_CODES for rule in CAUSE_RULES)
    assert all(rule.code in NOTE_CODES for rule in NOTE_RULES)


def test_every_code_has_a_text_and_a_meaning() -> None:
    assert set(TEXTS) == set(CODES)
    for code, info in CODES.items():
        assert info.meaning
        assert info.category
        assert TEXTS[code].title
        assert TEXTS[code].explanation


def test_every_code_but_the_explain_fallback_is_produced_by_a_rule() -> None:
    produced = {rule.code for rule in ALL_RULES}
    # explain's fallback, and the pre-flight password check (core.preflight, rule P02).
    assert set(CODES) - produced == {"input_not_recognised", "password_characters_risky"}


def test_every_rule_has_a_scenario() -> None:
    assert set(SCENARIOS) == {rule.id for rule in ALL_RULES}


@pytest.mark.parametrize("rule", CAUSE_RULES, ids=[r.id for r in CAUSE_RULES])
def test_every_cause_rule_is_reachable(rule) -> None:  # type: ignore[no-untyped-def]
    findings = diagnose(SCENARIOS[rule.id](), now=NOW)
    first = primary(findings)
    assert first is not None
    assert (first.rule_id, first.code) == (rule.id, rule.code)


@pytest.mark.parametrize("rule", NOTE_RULES, ids=[r.id for r in NOTE_RULES])
def test_every_note_rule_is_reachable_and_never_primary(rule) -> None:  # type: ignore[no-untyped-def]
    findings = diagnose(SCENARIOS[rule.id](), now=NOW)
    assert rule.id in [f.rule_id for f in findings]
    assert all(f.severity is not Severity.ERROR for f in findings if f.code in NOTE_CODES)


@pytest.mark.parametrize("rule_id", sorted(SCENARIOS))
def test_rendered_texts_have_no_unfilled_placeholders(rule_id: str) -> None:
    for finding in diagnose(SCENARIOS[rule_id](), now=NOW):
        for text in (finding.title, finding.explanation, *finding.fix):
            assert not PLACEHOLDER.search(text), (finding.code, text)


def test_diagnosis_is_deterministic() -> None:
    for make in SCENARIOS.values():
        result = make()
        assert diagnose(result, now=NOW) == diagnose(result, now=NOW)


def test_findings_are_ordered_errors_then_warnings_then_notes() -> None:
    for make in SCENARIOS.values():
        ranks = [f.severity.rank for f in diagnose(make(), now=NOW)]
        assert ranks == sorted(ranks)
