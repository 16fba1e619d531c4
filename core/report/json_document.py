"""The JSON report: the CLI's ``--json`` object (schema 1) plus additive report-only fields.

It is built by :func:`core.report.json_report.result_to_dict` (never a fork of it) from the
redacted result, then redacted again as a whole. Added top-level keys, which schema-1 readers
may ignore: ``report`` {kind, redacted} and ``environment`` (see ``Environment.as_dict``).
"""

from __future__ import annotations

import json

from core.report.json_report import result_to_dict
from core.report.prepared import PreparedReport


def report_to_dict(report: PreparedReport) -> dict[str, object]:
    data = result_to_dict(report.result, report.findings)
    data["report"] = {"kind": "smtp-doctor-report", "redacted": True}
    data["environment"] = report.environment.as_dict()
    return report.redactor.deep(data)


def render_json(report: PreparedReport) -> str:
    text = json.dumps(report_to_dict(report), indent=2, ensure_ascii=False, default=str)
    return report.finish(text + "\n")
