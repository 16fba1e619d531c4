"""Every case of provider-replies-examples.yaml, diagnosed from a ProbeResult built from its context.

Token-endpoint cases (phase oauth_token) have no SMTP session: they go through ``explain``.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.diagnosis.codes import NOTE_CODES
from core.diagnosis.engine import diagnose
from core.diagnosis.explain import explain_text
from core.diagnosis.finding import Severity, primary
from tests.diagnosis.builders import NOW, YAML_PATH, case_result, load_cases

pytestmark = pytest.mark.skipif(not YAML_PATH.exists(), reason="shared knowledge file not available")

CASES = load_cases() if YAML_PATH.exists() else []
SMTP_CASES = [c for c in CASES if c["phase"] != "oauth_token"]
TOKEN_CASES = [c for c in CASES if c["phase"] == "oauth_token"]


@pytest.mark.parametrize("case", SMTP_CASES, ids=[c["id"] for c in SMTP_CASES])
def test_primary_finding_matches_the_expected_code(case: dict[str, Any]) -> None:
    findings = diagnose(case_result(case), now=NOW)
    first = primary(findings)
    assert first is not None, f"no error finding for {case['id']}"
    assert first.code == case["expected"]["category"], (first.code, first.rule_id)
    assert findings[0] is first  # errors come first
    assert first.evidence, "a cause must point at the transcript lines that show it"
    assert first.fix, "a cause must come with fix steps"


@pytest.mark.parametrize("case", SMTP_CASES, ids=[c["id"] for c in SMTP_CASES])
def test_warnings_never_become_the_primary_cause(case: dict[str, Any]) -> None:
    findings = diagnose(case_result(case), now=NOW)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    assert len(errors) == 1
    assert all(f.code in NOTE_CODES for f in findings[1:])


@pytest.mark.parametrize("case", TOKEN_CASES, ids=[c["id"] for c in TOKEN_CASES])
def test_token_endpoint_cases_through_explain(case: dict[str, Any]) -> None:
    first = primary(explain_text(str(case["reply"]), now=NOW))
    assert first is not None
    assert first.code == case["expected"]["category"]


def test_every_case_is_covered() -> None:
    assert len(SMTP_CASES) + len(TOKEN_CASES) == len(CASES) >= 39
