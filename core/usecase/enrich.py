"""What a check adds to a finished probe: the token's claims, the sender domain's MX, the provider.

Custom server names (``mail.contoso.com``) often front Microsoft 365 or Google; the MX records of
the sender's domain tell which, and with them the diagnosis can give the provider's own fix
steps. The lookup is skipped when it cannot help: the server already names its provider, there is
no sender domain, the domain is a reserved name no DNS server answers, or the server is this
computer (``localhost``) or an IP address (a lab relay says nothing about the mailbox's provider).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace

from core.diagnosis.engine import find_provider, sender_domain
from core.domain.mx import is_reserved
from core.oauth.claims import inspect_token
from core.probe.enrichment import SenderDomainMx, TokenClaims
from core.probe.result import ProbeResult
from core.secret import Secret

SenderMxLookup = Callable[[str], SenderDomainMx]


def mx_domain_to_look_up(result: ProbeResult) -> str | None:
    """The sender domain whose MX may reveal the provider, or None when a lookup cannot help."""
    domain = sender_domain(result)
    host = result.plan.host
    if not domain or is_reserved(domain) or host.lower() == "localhost" or _is_ip_literal(host):
        return None
    return None if find_provider(result) is not None else domain


def enrich(result: ProbeResult, *, token: Secret | None, lookup_mx: SenderMxLookup | None) -> ProbeResult:
    """``result`` with its enrichment filled in: token claims, the sender MX (when useful), the provider."""
    enrichment = result.enrichment
    if token is not None:
        enrichment = replace(enrichment, token_claims=TokenClaims.from_mapping(inspect_token(token)))
    domain = mx_domain_to_look_up(result) if lookup_mx is not None else None
    if lookup_mx is not None and domain is not None:
        enrichment = replace(enrichment, sender_mx=lookup_mx(domain))
    enriched = replace(result, enrichment=enrichment)
    provider = find_provider(enriched)
    return replace(enriched, enrichment=replace(enrichment, provider_id=provider.id if provider else None))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
