"""EHLO capability parsing (RFC 5321 §4.1.1.1 and the extensions a submission client cares about)."""

from __future__ import annotations

from dataclasses import dataclass

from core.smtp.events import Reply


@dataclass(frozen=True)
class Capabilities:
    """What a server advertised in one EHLO reply.

    ``auth_mechanisms`` merges the standard ``AUTH`` line and the pre-standard ``AUTH=`` form
    that old Exchange and some appliances still send. ``raw`` keeps the keyword lines as sent
    (after the first, which is the server's host name), for side-by-side display.
    """

    raw: tuple[str, ...] = ()
    auth_mechanisms: tuple[str, ...] = ()
    starttls: bool = False
    size: int | None = None  # None: no SIZE; 0: SIZE advertised without a limit
    pipelining: bool = False
    eightbitmime: bool = False
    smtputf8: bool = False
    enhancedstatuscodes: bool = False
    chunking: bool = False
    dsn: bool = False

    @classmethod
    def from_ehlo(cls, reply: Reply) -> Capabilities:
        """Parse a 250 EHLO reply; unknown keywords are kept in ``raw`` only."""
        keywords = tuple(line.strip() for line in reply.lines[1:] if line.strip())
        mechanisms: list[str] = []
        fields: dict[str, object] = {}
        for line in keywords:
            word, _, rest = line.partition(" ")
            upper = word.upper()
            if upper == "AUTH" or upper.startswith("AUTH="):
                args = rest.split() if upper == "AUTH" else [word[5:], *rest.split()]
                mechanisms.extend(m.upper() for m in args if m.upper() not in mechanisms)
            elif upper == "SIZE":
                value = rest.strip()
                fields["size"] = int(value) if value.isdigit() else 0
            elif upper in _FLAGS:
                fields[_FLAGS[upper]] = True
        return cls(raw=keywords, auth_mechanisms=tuple(mechanisms), **fields)  # type: ignore[arg-type]

    def offers(self, mechanism: str) -> bool:
        return mechanism.upper() in self.auth_mechanisms

    def as_dict(self) -> dict[str, object]:
        return {
            "raw": list(self.raw),
            "auth": list(self.auth_mechanisms),
            "starttls": self.starttls,
            "size": self.size,
            "pipelining": self.pipelining,
            "8bitmime": self.eightbitmime,
            "smtputf8": self.smtputf8,
            "enhancedstatuscodes": self.enhancedstatuscodes,
            "chunking": self.chunking,
            "dsn": self.dsn,
        }


_FLAGS = {
    "STARTTLS": "starttls",
    "PIPELINING": "pipelining",
    "8BITMIME": "eightbitmime",
    "SMTPUTF8": "smtputf8",
    "ENHANCEDSTATUSCODES": "enhancedstatuscodes",
    "CHUNKING": "chunking",
    "DSN": "dsn",
}
