"""Errors of the token providers, with the identity platform's own codes kept for diagnosis.

A failed token request from Microsoft Entra ID carries ``error`` (OAuth's word, e.g.
``invalid_grant``), ``error_description`` ("AADSTS65001: The user or administrator has not
consented ... Trace ID: ... Correlation ID: ... Timestamp: ..."), ``error_codes`` and
``correlation_id``. ``TokenError`` keeps those (with every secret scrubbed from the text) so the
diagnosis can map the AADSTS code to an ``oauth_*`` finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from core.errors import ProbeError
from core.probe.enrichment import TokenErrorInfo
from core.secret import Secret, secret_forms

_AADSTS = re.compile(r"\bAADSTS(\d{1,9})\b")
_SCRUBBED = "***"
MAX_DESCRIPTION = 2000  # a runaway HTML error page must not fill a report


class TokenError(ProbeError):
    """The token could not be obtained. ``str()`` is one readable line without secrets."""

    def __init__(
        self,
        error: str,
        description: str = "",
        *,
        aadsts: Iterable[int] = (),
        correlation_id: str | None = None,
    ) -> None:
        self.error = error
        self.description = description
        self.aadsts = tuple(dict.fromkeys(aadsts))  # ordered, without repeats
        self.correlation_id = correlation_id
        super().__init__(self.summary())

    def summary(self) -> str:
        first_line = self.description.strip().splitlines()[0] if self.description.strip() else ""
        return f"{self.error}: {first_line}" if first_line else self.error

    @classmethod
    def from_reply(cls, reply: Mapping[str, object], secrets: Iterable[Secret | None] = ()) -> TokenError:
        """Build from a token endpoint (or MSAL) error dict, scrubbing ``secrets`` from the text."""
        error = _scrub(str(reply.get("error") or "token_request_failed"), secrets)
        description = _scrub(str(reply.get("error_description") or ""), secrets)[:MAX_DESCRIPTION]
        codes = [int(c) for c in _AADSTS.findall(description)]
        codes += [c for c in _int_list(reply.get("error_codes")) if c not in codes]
        correlation = reply.get("correlation_id")
        return cls(
            error,
            description,
            aadsts=codes,
            correlation_id=str(correlation) if correlation else None,
        )


def token_error_info(err: TokenError) -> TokenErrorInfo:
    """What a result keeps of a refused token request (``ProbeResult.enrichment.token_error``)."""
    return TokenErrorInfo(err.error, err.description, err.aadsts, err.correlation_id)


def _int_list(value: object) -> list[int]:
    if not isinstance(value, list | tuple):
        return []
    out: list[int] = []
    for item in value:
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            continue
    return out


def _scrub(text: str, secrets: Iterable[Secret | None]) -> str:
    # Longest forms first, so a base64 form is not half-replaced by a shorter raw form.
    forms = sorted({f for s in secrets if s for f in secret_forms(s.reveal())}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, _SCRUBBED)
    return text
