"""Which DNS server answers the sender-domain lookups, and how long a lookup may take.

By default the system's resolver configuration (``/etc/resolv.conf``, the Windows adapter
settings) is used, as every other program on the laptop does. ``SMTP_DOCTOR_DNS_SERVER`` names one
server instead (``192.0.2.53`` or ``192.0.2.53:5353``): a support engineer asks the customer's
own DNS server this way, and the tests point the app and the CLI at a DNS server on loopback.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from core.errors import InputError

if TYPE_CHECKING:
    import dns.resolver

DNS_SERVER_ENV: Final = "SMTP_DOCTOR_DNS_SERVER"
DEFAULT_LIFETIME: Final = 2.0  # seconds for one lookup, retries included: a hint must not hold a check up


@dataclass(frozen=True)
class DnsServer:
    """One DNS server by address and port."""

    address: str
    port: int = 53

    @classmethod
    def parse(cls, text: str, field: str = DNS_SERVER_ENV) -> DnsServer:
        """``192.0.2.53``, ``192.0.2.53:5353``, ``2001:db8::53`` or ``[2001:db8::53]:5353``."""
        value = text.strip()
        host, port = value, "53"
        if value.startswith("["):
            host, _, rest = value[1:].partition("]")
            port = rest.removeprefix(":") or "53"
        elif value.count(":") == 1:
            host, _, port = value.partition(":")
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            raise InputError(field, f"'{text}' is not a DNS server address (an IP address, optionally :port)") from None
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise InputError(field, f"'{text}' has no valid port (1-65535)")
        return cls(address, int(port))


def configured_server(environ: dict[str, str] | None = None) -> DnsServer | None:
    """The server named by ``SMTP_DOCTOR_DNS_SERVER``, or None for the system's resolvers."""
    value = (os.environ if environ is None else environ).get(DNS_SERVER_ENV, "").strip()
    return DnsServer.parse(value) if value else None


def make_resolver(server: DnsServer | None = None, lifetime: float = DEFAULT_LIFETIME) -> dns.resolver.Resolver:
    """A dnspython resolver asking ``server`` (or the system's resolvers), bounded by ``lifetime``."""
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=server is None)
    if server is not None:
        resolver.nameservers = [server.address]
        resolver.port = server.port
    resolver.lifetime = lifetime
    resolver.timeout = lifetime
    return resolver
