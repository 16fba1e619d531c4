"""Each format's rendering of three realistic runs, compared byte for byte with tests/golden/.

Deterministic: fixed start time, fixed environment (clock offset measured from the sample's own
greeting), fixed tool version. Regenerate with ``UPDATE_GOLDEN=1 pytest tests/report`` and review.
"""

from __future__ import annotations

import json

import pytest

import core.report.json_report as json_report
from core.report.html import render_html
from core.report.json_document import render_json
from core.report.prepared import prepare
from core.report.text import render_text, render_ticket_summary
from tests.report.golden import check_golden
from tests.report.samples import Sample, all_samples, environment_for

SAMPLES = {s.name: s for s in all_samples()}
RENDERERS = {"html": render_html, "json": render_json, "txt": render_text, "ticket.txt": render_ticket_summary}


@pytest.fixture(autouse=True)
def _fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    # The JSON names the tool version; a release bump must not break these files.
    monkeypatch.setattr(json_report, "__version__", "0.1.0")


def _prepared(sample: Sample):  # type: ignore[no-untyped-def]
    return prepare(sample.result, sample.findings, secrets=sample.credentials, environment=environment_for(sample))


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("ext", sorted(RENDERERS))
def test_rendering_matches_golden(name: str, ext: str) -> None:
    rendered = RENDERERS[ext](_prepared(SAMPLES[name]))
    check_golden(f"{name}.{ext}", rendered)


def test_json_report_is_the_cli_schema_plus_additive_fields() -> None:
    sample = SAMPLES["m365-535-5.7.139"]
    data = json.loads(render_json(_prepared(sample)))
    cli = json_report.result_to_dict(sample.result, sample.findings)
    assert data["schema_version"] == json_report.SCHEMA_VERSION
    assert list(data)[: len(cli)] == list(cli)  # same keys, same order; extras only at the end
    assert set(data) - set(cli) == {"report", "environment"}
    assert data["findings"][0]["code"] == "smtp_auth_disabled_tenant"
    assert data["environment"]["clock_offset_seconds"] == pytest.approx(3.3, abs=0.1)
    assert data["environment"]["utc_offset"] == "+01:00"


def test_golden_files_are_deterministic() -> None:
    sample = SAMPLES["xoauth2-wrong-audience"]
    first = render_html(_prepared(sample))
    second = render_html(_prepared(sample))
    assert first == second
