"""The diagnosis engine: a probe result in, ordered findings out (pure and deterministic).

The first matching cause rule gives the primary finding (an error); every matching note rule adds
a warning or note after it. Provider detection uses the provider the check already found
(``result.enrichment.provider_id``), else the host name, greeting and EHLO, then the sender domain's
MX records: from ``result.enrichment`` or, only when a lookup function is passed as ``resolver``,
from DNS.
"""

from __future__ import annotations

from datetime import datetime

from core.diagnosis.codes import NOTE_CODES
from core.diagnosis.context import Context, build_context
from core.diagnosis.finding import Finding, Severity
from core.diagnosis.providers import MxLookup, Provider, detect_provider, provider_by_id
from core.diagnosis.rules import CAUSE_RULES, NOTE_RULES, Rule
from core.diagnosis.texts import render
from core.probe.phases import Phase
from core.probe.result import FailureKind, ProbeResult


def sender_domain(result: ProbeResult) -> str | None:
    """The domain whose MX records may reveal the provider: the sender's, else the login's."""
    address = result.plan.message.mail_from or result.plan.username or ""
    _, at, domain = address.rpartition("@")
    return domain.strip().lower() or None if at else None


def _mx_hosts(result: ProbeResult, resolver: MxLookup | None) -> list[str]:
    if result.enrichment.sender_mx is not None:
        return list(result.enrichment.sender_mx.hosts)
    domain = sender_domain(result)
    if resolver is None or domain is None:
        return []
    try:
        return list(resolver(domain))
    except Exception:  # noqa: BLE001 - an MX lookup is a hint only and must never break diagnosis
        return []


def find_provider(result: ProbeResult, resolver: MxLookup | None = None) -> Provider | None:
    """The provider the check found, else from host/greeting/EHLO, else from the sender's MX."""
    named = result.enrichment.provider_id
    if named is not None and provider_by_id(named) is not None:
        return provider_by_id(named)
    greeting = result.greeting.text if result.greeting else None
    ehlo = [reply.lines[0] for reply in result.replies_in(Phase.EHLO) if reply.lines][:1]
    found = detect_provider(result.plan.host, greeting, ehlo)
    if found is not None:
        return found
    mx = _mx_hosts(result, resolver)
    return detect_provider(None, mx=mx) if mx else None


def _first_cause(ctx: Context) -> Rule | None:
    if ctx.failure is None or ctx.kind is FailureKind.CANCELLED:
        return None
    return next((rule for rule in CAUSE_RULES if rule.when(ctx)), None)


def diagnose(
    result: ProbeResult, *, now: datetime | None = None, resolver: MxLookup | None = None
) -> tuple[Finding, ...]:
    """Ordered findings for ``result``: the primary cause (if it failed) first, then warnings, then notes."""
    moment = now or datetime.now().astimezone()
    ctx = build_context(result, moment, find_provider(result, resolver))
    findings: list[Finding] = []
    cause = _first_cause(ctx)
    if cause is not None:
        findings.append(render(cause.code, ctx, cause.id, cause.evidence(ctx)))
    for rule in NOTE_RULES:
        if rule.code in NOTE_CODES and rule.when(ctx):
            findings.append(render(rule.code, ctx, rule.id, rule.evidence(ctx)))
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return tuple(sorted(findings, key=lambda f: order[f.severity]))  # stable: table order within a severity
