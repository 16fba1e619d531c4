"""Which one setting to type into the device, and why it beats the other working combinations.

Ranking, most important first (each criterion only breaks ties of the ones before it):

1. encrypted (STARTTLS or SSL/TLS) before no encryption: without TLS the password and the scans
   cross the network readable;
2. offers a login (AUTH) on the connection the device would use;
3. a certificate that verifies (a device that checks certificates would otherwise refuse it);
4. the standard pairing: 587 with STARTTLS (the submission port of RFC 6409 that practically every
   scan-to-email firmware offers; Microsoft 365 does not accept 465), then 465 with SSL/TLS, then
   2525 and 25 with STARTTLS, then any other port (STARTTLS before SSL/TLS there);
5. the newer TLS version;
6. the faster answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.detect.matrix import MatrixRow
from core.model import TLS_VERSIONS, SecurityMode

_PAIRING_RANK = {
    (587, SecurityMode.STARTTLS): 0,
    (465, SecurityMode.TLS): 1,
    (2525, SecurityMode.STARTTLS): 2,
    (25, SecurityMode.STARTTLS): 3,
}
# Other ports: STARTTLS first, as nearly every device offers it; then SSL/TLS; then none.
_OTHER_PAIRING = {SecurityMode.STARTTLS: 4, SecurityMode.TLS: 5, SecurityMode.NONE: 6}


@dataclass(frozen=True)
class Recommendation:
    """The combination to type into the device, with the reason in plain words."""

    port: int
    security: SecurityMode
    reason: str
    row: MatrixRow = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"port {self.port}, {self.security.label}"

    def as_dict(self) -> dict[str, object]:
        return {"port": self.port, "security": self.security.value, "reason": self.reason}


def rank_key(row: MatrixRow) -> tuple[int, int, int, int, int, float]:
    """Sort key: the best row sorts first (see the module docstring for the order)."""
    return (
        0 if row.encrypted else 1,
        0 if row.login_mechanisms else 1,
        1 if row.certificate_valid is False else 0,
        _pairing(row),
        -_tls_rank(row.tls_version),
        row.milliseconds,
    )


def recommend(rows: Sequence[MatrixRow]) -> Recommendation | None:
    """The best usable combination, or None when no combination gets as far as EHLO."""
    usable = sorted((row for row in rows if row.session_ok), key=rank_key)
    if not usable:
        return None
    best, others = usable[0], usable[1:]
    failed = sum(1 for row in rows if not row.session_ok and not row.skipped)
    return Recommendation(best.port, best.security, _reason(best, others, failed), best)


def _pairing(row: MatrixRow) -> int:
    return _PAIRING_RANK.get((row.port, row.security), _OTHER_PAIRING[row.security])


def _tls_rank(version: str | None) -> int:
    number = (version or "").removeprefix("TLSv")
    return TLS_VERSIONS.index(number) if number in TLS_VERSIONS else -1


def _reason(best: MatrixRow, others: Sequence[MatrixRow], failed: int) -> str:
    sentences = [f"Use port {best.port} with {best.security.label}: {_facts(best)}."]
    beaten = [f"{_name(row)}: {_why_worse(row, best)}" for row in others]
    if beaten:
        sentences.append("It beats " + "; ".join(beaten) + ".")
    if failed:
        sentences.append(f"{failed} other combination{'s' if failed != 1 else ''} did not work (see the matrix).")
    return " ".join(sentences)


def _facts(row: MatrixRow) -> str:
    parts: list[str] = []
    if row.encrypted:
        parts.append(f"the connection is encrypted ({row.tls_version})")
    else:
        parts.append("no encrypted combination works, so the password and the scans cross the network readable")
    if row.certificate_valid is True:
        parts.append("the certificate is valid")
    elif row.certificate_valid is False:
        parts.append("the certificate is NOT trusted (the device must not check it, or must trust the issuing CA)")
    if row.login_mechanisms:
        parts.append(f"the server offers login (AUTH {' '.join(row.login_mechanisms)})")
    else:
        parts.append("the server offers no login here: turn SMTP authentication off on the device (relay)")
    return ", ".join(parts)


def _name(row: MatrixRow) -> str:
    return f"port {row.port} {row.security.label}"


def _why_worse(row: MatrixRow, best: MatrixRow) -> str:
    """The first ranking criterion on which ``row`` loses to ``best``, in plain words."""
    mine, theirs = rank_key(row), rank_key(best)
    if mine[0] > theirs[0]:
        return "no encryption (the password and the scans would cross the network readable)"
    if mine[1] > theirs[1]:
        return "offers no login"
    if mine[2] > theirs[2]:
        return "its certificate is not trusted"
    if mine[3] > theirs[3]:
        return _pairing_words(best)
    if mine[4] > theirs[4]:
        return f"older TLS ({row.tls_version})"
    return "works as well, but answered more slowly"


def _pairing_words(best: MatrixRow) -> str:
    if (best.port, best.security) == (587, SecurityMode.STARTTLS):
        return (
            "works too, but 587 with STARTTLS is the standard submission setting every scan-to-email firmware "
            "offers (and some providers, such as Microsoft 365, do not accept 465)"
        )
    if best.security is SecurityMode.STARTTLS:
        return "works too, but STARTTLS is the encryption setting nearly every device offers"
    return f"works too, but port {best.port} with {best.security.label} is the more standard pairing"
