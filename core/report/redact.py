"""The render-time redaction pass: a second scrub of everything a report shows.

The runner already redacts each transcript line as it is made. A report is attached to tickets
and mailed around, so it gets its own pass on top, with two layers:

1. Known secrets: every value from ``Credentials`` in every form it can take on the wire or in a
   file: plain, base64 (standard, URL-safe, unpadded), the AUTH PLAIN payload ``authzid\\0user\\0pass``,
   the XOAUTH2 and OAUTHBEARER payloads, URL-encoding, HTML and JSON escaping, and the base64
   fragments that any payload containing the secret must carry whatever surrounds it.
2. Secrets nobody told us about: the argument of ``AUTH PLAIN``/``AUTH XOAUTH2``/..., the client's
   answers to ``334`` challenges, ``Bearer <token>``, JWTs, Google ``ya29.`` tokens,
   ``password=``/``access_token=`` pairs, and any base64 blob that decodes to a SASL payload.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar
from urllib.parse import quote, quote_plus

from core.model import Credentials
from core.probe.result import ProbeResult
from core.probe.transcript import EventKind, Redactor, TranscriptEvent
from core.secret import Secret, secret_forms

MASK: Final = "***"

# A base64 fragment shorter than this could match ordinary text by chance.
_MIN_FRAGMENT = 8

# Mechanisms whose argument (initial response) carries the secret or a SASL blob.
_AUTH_ARGUMENT = re.compile(
    r"(?i)\b(AUTH\s+(?:PLAIN|XOAUTH2|XOAUTH|OAUTHBEARER|LOGIN|CRAM-MD5|PLAIN-CLIENTTOKEN)\s+)(\S+)"
)
_BEARER = re.compile(r"(?i)\b(Bearer\s+)(?!\*\*\*)[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*")
_GOOGLE_TOKEN = re.compile(r"\bya29\.[A-Za-z0-9_\-.]{8,}")
_KEY_VALUE = re.compile(
    r"(?i)\b(access_token|refresh_token|id_token|client_secret|password|passwd|assertion)=(?!\*\*\*)[^\s&\"']+"
)
_JSON_KEY_VALUE = re.compile(
    r"(?i)(\"(?:access_token|refresh_token|id_token|client_secret|password|passwd)\"\s*:\s*\")(?!\*\*\*)[^\"]*\""
)
_BASE64_BLOB = re.compile(r"[A-Za-z0-9+/]{12,}={0,2}")

T = TypeVar("T")


def plain_payload_forms(secret: str, users: Iterable[str]) -> set[str]:
    """Base64 of the AUTH PLAIN payload, with an empty authzid and with authzid = user."""
    forms: set[str] = set()
    for user in users:
        for authzid in ("", user):
            forms.add(_b64(f"{authzid}\0{user}\0{secret}"))
    forms.add(_b64(f"\0\0{secret}"))
    return forms


def bearer_payload_forms(token: str, users: Iterable[str]) -> set[str]:
    """Base64 of the XOAUTH2 and OAUTHBEARER initial responses for each user name."""
    forms: set[str] = set()
    for user in users:
        forms.add(_b64(f"user={user}\x01auth=Bearer {token}\x01\x01"))
        forms.add(_b64(f"n,a={user},\x01auth=Bearer {token}\x01\x01"))
    forms.add(_b64(f"n,,\x01auth=Bearer {token}\x01\x01"))
    return forms


def base64_fragments(secret: str) -> set[str]:
    """The base64 characters that encode only ``secret``'s bytes, at each of the 3 alignments.

    Any base64 text that contains the secret somewhere in its decoded bytes contains one of these,
    whatever user name or framing surrounds it, so an unknown payload form is still caught.
    """
    raw = secret.encode("utf-8")
    fragments: set[str] = set()
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw).decode("ascii")
        first_group = -(-pad // 3)  # the first 3-byte group that holds no padding byte
        last_group = (pad + len(raw)) // 3  # groups from here on hold bytes after the secret
        fragment = encoded[4 * first_group : 4 * last_group]
        if len(fragment) >= _MIN_FRAGMENT:
            fragments.add(fragment)
    return fragments


def all_secret_forms(secret: str, users: Iterable[str]) -> set[str]:
    """Every form of one secret value that redaction removes."""
    users = [u for u in users if u]
    variants = {secret}
    if " " in secret:
        variants.add(secret.replace(" ", ""))  # app passwords are shown in groups, typed without
    forms: set[str] = set()
    for value in variants:
        forms |= secret_forms(value)
        forms |= plain_payload_forms(value, users)
        forms |= bearer_payload_forms(value, users)
        forms |= base64_fragments(value)
        forms |= {quote(value, safe=""), quote_plus(value, safe="")}
    # Escaped forms, for the final pass over HTML and JSON output.
    forms |= {html.escape(f, quote=True) for f in list(forms)}
    forms |= {json.dumps(f, ensure_ascii=True)[1:-1] for f in list(forms)}
    forms |= {json.dumps(f, ensure_ascii=False)[1:-1] for f in list(forms)}
    return forms


def secret_values(secrets: Credentials | Iterable[str | Secret | None]) -> list[str]:
    """Plain values from ``Credentials``, ``Secret`` objects or strings (empty ones dropped)."""
    if isinstance(secrets, Credentials):
        return [v for v in secrets.values() if v]
    values: list[str] = []
    for item in secrets:
        if isinstance(item, Secret):
            values.append(item.reveal())
        elif item:
            values.append(item)
    return values


class ReportRedactor:
    """Scrubs known secret forms and recognisable secret patterns from report text."""

    def __init__(self, secrets: Iterable[str] = (), users: Iterable[str | None] = ()) -> None:
        self._users = sorted({u for u in users if u})
        forms: set[str] = set()
        for value in secrets:
            forms |= all_secret_forms(value, self._users)
        self._known = Redactor(forms)
        self._user_b64 = {_b64(u) for u in self._users} | {_b64(u).rstrip("=") for u in self._users}

    def __call__(self, text: str) -> str:
        """Redact any text: known forms first, then the patterns."""
        text = self._known(text)
        text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
        text = _JWT.sub(MASK, text)
        text = _GOOGLE_TOKEN.sub(MASK, text)
        text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}={MASK}", text)
        text = _JSON_KEY_VALUE.sub(lambda m: f'{m.group(1)}{MASK}"', text)
        text = _BASE64_BLOB.sub(lambda m: MASK if _is_sasl_payload(m.group(0)) else m.group(0), text)
        # A short payload after AUTH (e.g. a 2-letter password) is below the blob length above.
        return _AUTH_ARGUMENT.sub(lambda m: m.group(1) + MASK if _is_sasl_payload(m.group(2)) else m.group(0), text)

    def client_line(self, text: str, *, answers_challenge: bool) -> str:
        """Redact a line the client sent: AUTH arguments and SASL answers go whole."""
        text = self(text)
        text = _AUTH_ARGUMENT.sub(self._auth_argument, text)
        if answers_challenge:
            stripped = text.strip()
            # One bare token answering a 334 is a SASL response; only a known user name may stay.
            if stripped and " " not in stripped and MASK not in stripped and stripped not in self._user_b64:
                return MASK
        return text

    def _auth_argument(self, match: re.Match[str]) -> str:
        argument = match.group(2)
        if argument in self._user_b64 or argument in ("=", MASK) or argument.startswith(MASK):
            return match.group(0)  # AUTH LOGIN <b64 user name>, or an empty initial response
        return match.group(1) + MASK

    def event(self, event: TranscriptEvent, *, answers_challenge: bool) -> TranscriptEvent:
        if event.kind is EventKind.CLIENT:
            text = self.client_line(event.text, answers_challenge=answers_challenge)
        else:
            text = self(event.text)
        return event if text == event.text else dataclasses.replace(event, text=text)

    def transcript(self, events: Iterable[TranscriptEvent]) -> tuple[TranscriptEvent, ...]:
        """Redact a transcript; a client line right after a server ``334`` is a SASL answer."""
        out: list[TranscriptEvent] = []
        last_server = ""
        for event in events:
            answers = event.kind is EventKind.CLIENT and last_server.startswith("334")
            out.append(self.event(event, answers_challenge=answers))
            if event.kind is EventKind.SERVER:
                last_server = _without_marker(event.text)
            elif event.kind is EventKind.CLIENT:
                last_server = ""
        return tuple(out)

    def deep(self, value: T) -> T:
        """Redact every string inside ``value`` (dataclasses, dicts, lists, tuples)."""
        return _deep(value, self)  # type: ignore[no-any-return]

    def result(self, result: ProbeResult) -> ProbeResult:
        """A copy of ``result`` with every string redacted (the transcript with its context rules)."""
        rest = self.deep(dataclasses.replace(result, transcript=()))
        return dataclasses.replace(rest, transcript=self.transcript(result.transcript))


def redactor_for(result: ProbeResult, secrets: Credentials | Iterable[str | Secret | None]) -> ReportRedactor:
    """A redactor for one result: its secrets, and the user names they may be paired with."""
    plan = result.plan
    users = [plan.username, plan.message.mail_from, *plan.message.rcpt_to]
    return ReportRedactor(secret_values(secrets), users)


def _deep(value: Any, redact: ReportRedactor) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, tuple):
        return tuple(_deep(v, redact) for v in value)
    if isinstance(value, list):
        return [_deep(v, redact) for v in value]
    if isinstance(value, Mapping):  # dicts, and the read-only views frozen values keep
        return {_deep(k, redact): _deep(v, redact) for k, v in value.items()}
    if isinstance(value, TranscriptEvent):
        return redact.event(value, answers_challenge=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _deep(getattr(value, f.name), redact) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value  # numbers, enums, datetimes, None: nothing to hide


def _is_sasl_payload(blob: str) -> bool:
    """True for base64 that decodes to a SASL payload: it holds a credential.

    PLAIN is ``authzid NUL user NUL password`` in UTF-8, XOAUTH2/OAUTHBEARER carry ``^Aauth=``. Any
    other text that merely looks like base64 (a server's hex queue ID) decodes to noise, which may hold
    a stray NUL byte; it is kept, or random IDs would be masked in some runs and not in others.
    """
    try:
        decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    if b"\x01auth=" in decoded.lower():
        return True
    parts = decoded.split(b"\0")
    if len(parts) != 3 or not parts[2]:
        return False
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch == "\0" for ch in text)


def _without_marker(text: str) -> str:
    """Server text without a leading ``S:`` marker, should the runner have put one in."""
    stripped = text.lstrip()
    return stripped[2:].lstrip() if stripped.startswith("S:") else stripped


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
