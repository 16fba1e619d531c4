"""The practice server's three listeners: what each one is for and how a client must connect."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.model import SecurityMode


class ListenerRole(enum.Enum):
    """Which real-world port a listener plays."""

    SUBMISSION = "submission"  # like 587: plaintext greeting, STARTTLS required before AUTH or MAIL
    IMPLICIT = "implicit"  # like 465: TLS from the first byte ("SSL/TLS", "SMTPS")
    PLAIN = "plain"  # like 25 on an internal relay: no TLS at all; AUTH allowed in the clear

    @property
    def security(self) -> SecurityMode:
        """The security mode a client must choose for this listener."""
        return _SECURITY[self]

    @property
    def like_port(self) -> int:
        """The well-known port this listener stands in for."""
        return _LIKE_PORT[self]

    @property
    def description(self) -> str:
        return _DESCRIPTION[self]


_SECURITY = {
    ListenerRole.SUBMISSION: SecurityMode.STARTTLS,
    ListenerRole.IMPLICIT: SecurityMode.TLS,
    ListenerRole.PLAIN: SecurityMode.NONE,
}
_LIKE_PORT = {ListenerRole.SUBMISSION: 587, ListenerRole.IMPLICIT: 465, ListenerRole.PLAIN: 25}
_DESCRIPTION = {
    ListenerRole.SUBMISSION: "STARTTLS submission (like 587): AUTH and MAIL only after STARTTLS",
    ListenerRole.IMPLICIT: "implicit TLS (like 465): TLS from the first byte",
    ListenerRole.PLAIN: (
        "plain relay (like 25): no TLS; AUTH allowed unencrypted; without AUTH only mail to @practice.test is relayed"
    ),
}

# Port offsets from --port-base: submission N, implicit TLS N+1, plain N+2.
PORT_OFFSETS = {ListenerRole.SUBMISSION: 0, ListenerRole.IMPLICIT: 1, ListenerRole.PLAIN: 2}


def ports_from_base(base: int) -> dict[ListenerRole, int]:
    """Fixed ports for every listener, counting up from ``base``."""
    return {role: base + offset for role, offset in PORT_OFFSETS.items()}


@dataclass(frozen=True)
class Listener:
    """One running listener, as a client needs to know it."""

    role: ListenerRole
    host: str
    port: int

    @property
    def security(self) -> SecurityMode:
        return self.role.security

    def as_dict(self) -> dict[str, object]:
        return {
            "role": self.role.value,
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "encryption": self.security.label,
            "like_port": self.role.like_port,
            "description": self.role.description,
        }
