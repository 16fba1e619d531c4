"""The versioned JSON object printed by ``--json`` and saved by JSON reports (a public contract).

Schema (version 1)::

    schema_version, tool {name, version}, ok, started_at, duration_ms,
    settings (no secrets), peer, phases [{name, ok, milliseconds}],
    tls {version, cipher, chain[...], verification {enabled, ok, reason, code}} | null,
    capabilities {before_tls, after_tls}, greeting, failure, quirks,
    findings [{code, severity, title, explanation, fix[], commands[], evidence[], rule}],
    transcript [{offset_ms, kind, text, phase}]
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from core import __version__
from core.diagnosis.finding import Finding, Severity
from core.probe.result import ProbeResult, reply_dict

SCHEMA_VERSION = 1


def result_ok(result: ProbeResult, findings: Sequence[Finding]) -> bool:
    """The test passed: every phase ran and no finding is an error."""
    return result.ok and not any(f.severity is Severity.ERROR for f in findings)


def result_to_dict(result: ProbeResult, findings: Sequence[Finding]) -> dict[str, object]:
    before, after = result.capabilities_before_tls, result.capabilities_after_tls
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "smtp-doctor", "version": __version__},
        "ok": result_ok(result, findings),
        "started_at": result.started_at.isoformat(),
        "duration_ms": round(result.duration_ms, 1),
        "settings": result.plan.settings_dict(),
        "peer": result.peer_address,
        "phases": [p.as_dict() for p in result.phases],
        "tls": result.tls.as_dict() if result.tls else None,
        "capabilities": {
            "before_tls": before.as_dict() if before else None,
            "after_tls": after.as_dict() if after else None,
        },
        "greeting": reply_dict(result.greeting),
        "auth_mechanism": result.auth_mechanism,
        "authenticated": result.authenticated,
        "message_accepted": result.message_accepted,
        "failure": result.failure.as_dict() if result.failure else None,
        "quirks": list(result.quirks),
        "extra": result.enrichment.as_dict(),
        "findings": [f.as_dict(result.transcript) for f in findings],
        "transcript": [e.as_dict() for e in result.transcript],
    }


def result_to_json(result: ProbeResult, findings: Sequence[Finding], *, indent: int | None = 2) -> str:
    return json.dumps(result_to_dict(result, findings), indent=indent, ensure_ascii=False, default=str)
