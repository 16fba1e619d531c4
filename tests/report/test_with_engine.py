"""Reports of the real diagnosis engine's findings: whatever it says appears, and nothing secret does."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core.diagnosis.engine import diagnose
from core.diagnosis.finding import primary
from core.report.save import render_report
from tests.report.samples import FIXED_ENVIRONMENT, Sample, all_samples
from tests.report.test_redaction import forbidden_forms, hostile

NOW = datetime(2025, 11, 22, 17, 6, tzinfo=UTC)


@pytest.mark.parametrize("sample", [hostile(s) for s in all_samples()], ids=lambda s: s.name)
def test_engine_findings_are_rendered_and_redacted(sample: Sample) -> None:
    findings = diagnose(sample.result, now=NOW)
    assert findings, "the engine said nothing about a run with a failure or a note"
    outputs = {
        fmt: render_report(
            fmt, sample.result, findings, secrets=sample.credentials, environment=FIXED_ENVIRONMENT
        ).decode("utf-8")
        for fmt in ("html", "json", "text")
    }
    for finding in findings:
        assert f"({finding.code})" in outputs["text"]
        assert finding.code in outputs["html"]
    data = json.loads(outputs["json"])
    assert [f["code"] for f in data["findings"]] == [f.code for f in findings]
    cause = primary(findings)
    if cause is not None:
        assert data["ok"] is False
        assert f"PROBLEM FOUND: {cause.title}" in outputs["text"]
    for fmt, output in outputs.items():
        leaked = [form for form in forbidden_forms(sample.secret, sample.user) if form in output]
        assert leaked == [], fmt
