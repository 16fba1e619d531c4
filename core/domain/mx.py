"""The sender domain's MX records: who receives its mail, which often names the mailbox provider.

A custom server name (``mail.contoso.com``) often fronts Microsoft 365 or Google; the MX records of
the sender's domain tell which. Each way a lookup can fail is told apart in words, because "the
domain does not exist" and "this computer cannot reach a DNS server" need different fixes.
"""

from __future__ import annotations

from typing import Final

from core.domain.resolver import DEFAULT_LIFETIME, DnsServer, make_resolver
from core.probe.enrichment import SenderDomainMx

# Names that can never exist in the public DNS (RFC 2606, RFC 6761, RFC 6762, RFC 8375): a lookup
# would only cost time, and the practice server's accounts live under one of them.
RESERVED_SUFFIXES: Final = ("test", "example", "invalid", "localhost", "local", "home.arpa", "internal")
RESERVED_DOMAINS: Final = ("example.com", "example.net", "example.org")


def is_reserved(domain: str) -> bool:
    """True for special-use names that no public DNS server answers."""
    name = domain.strip(".").lower()
    if name in RESERVED_DOMAINS or any(name.endswith(f".{d}") for d in RESERVED_DOMAINS):
        return True
    return any(name == s or name.endswith(f".{s}") for s in RESERVED_SUFFIXES)


def lookup_mx(domain: str, server: DnsServer | None = None, lifetime: float = DEFAULT_LIFETIME) -> SenderDomainMx:
    """The MX hosts of ``domain``, best first, or the reason there are none (never raises)."""
    import dns.exception
    import dns.resolver

    try:
        answer = make_resolver(server, lifetime).resolve(domain, "MX")
    except dns.resolver.NXDOMAIN:
        return SenderDomainMx(domain, problem="the domain does not exist in DNS (NXDOMAIN)")
    except dns.resolver.NoAnswer:
        return SenderDomainMx(domain, problem="the domain has no MX records")
    except dns.resolver.NoNameservers:
        return SenderDomainMx(domain, problem="the DNS server could not answer (SERVFAIL or refused)")
    except dns.resolver.NoResolverConfiguration:
        return SenderDomainMx(domain, problem="this computer has no DNS server configured")
    except dns.exception.Timeout:
        return SenderDomainMx(domain, problem=f"no answer from the DNS server within {lifetime:g} s")
    except (dns.exception.DNSException, OSError) as exc:
        return SenderDomainMx(domain, problem=f"the lookup failed ({type(exc).__name__})")
    records = sorted(answer, key=lambda r: r.preference)
    hosts = tuple(str(r.exchange).rstrip(".").lower() for r in records)
    if hosts in ((), ("",)):
        return SenderDomainMx(domain, problem="the domain accepts no mail (null MX, RFC 7505)")
    return SenderDomainMx(domain, hosts=hosts)
