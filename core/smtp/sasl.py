"""SASL exchanges for SMTP AUTH (RFC 4954): PLAIN, LOGIN, CRAM-MD5 and XOAUTH2.

An exchange produces the ``AUTH`` command (:meth:`SaslExchange.start`) and then one answer per
``334`` challenge (:meth:`SaslExchange.respond`). All payloads are built here; every command
carries a redacted ``shown`` text, and :func:`secret_wire_forms` lists every base64 form a secret
takes on the wire so the transcript's redactor knows them *before* anything is sent (base64 of
the password alone is not a substring of the PLAIN payload, so each form must be listed).

XOAUTH2 errors: a server that rejects the token answers ``334 <base64 JSON>`` (Gmail style,
``{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}``); the client must send
an empty line to receive the final ``535``. :func:`decode_xoauth2_challenge` reads that JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from core.errors import LocalProtocolError, RemoteProtocolError
from core.secret import secret_forms
from core.smtp.commands import Auth, AuthResponse

CANCEL = "*"  # RFC 4954 §4: the client gives up the exchange


def b64(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def decode_b64(text: str) -> bytes | None:
    """Decode a base64 challenge leniently (missing padding is common); None if it is not base64."""
    cleaned = text.strip()
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_challenge_text(text: str) -> str | None:
    """A ``334`` challenge as readable text (``VXNlcm5hbWU6`` → ``Username:``), or None."""
    raw = decode_b64(text)
    if not raw:
        return None
    try:
        decoded = raw.decode("utf-8").rstrip("\x00")  # some servers NUL-terminate ("User Name\0")
    except UnicodeDecodeError:
        return None
    return decoded if decoded and decoded.isprintable() else None


def plain_initial_response(username: str, password: str, authzid: str = "") -> str:
    """RFC 4616 ``authzid NUL authcid NUL passwd``, base64."""
    for what, value in (("user name", username), ("password", password), ("authorisation id", authzid)):
        if "\x00" in value:
            raise LocalProtocolError(f"The {what} contains a NUL character, which AUTH PLAIN cannot carry.")
    return b64(f"{authzid}\x00{username}\x00{password}")


def xoauth2_initial_response(username: str, token: str) -> str:
    """``user=<u>^Aauth=Bearer <token>^A^A``, base64 (Google and Microsoft XOAUTH2)."""
    if "\x01" in username or "\x01" in token:
        raise LocalProtocolError("The user name or token contains a control character XOAUTH2 cannot carry.")
    return b64(f"user={username}\x01auth=Bearer {token}\x01\x01")


def cram_md5_response(username: str, password: str, challenge_b64: str) -> str:
    """RFC 2195: base64 of ``user SP hex(HMAC-MD5(password, challenge))``."""
    challenge = decode_b64(challenge_b64)
    if challenge is None:
        raise RemoteProtocolError("The server's CRAM-MD5 challenge is not valid base64.")
    digest = hmac.new(password.encode("utf-8"), challenge, hashlib.md5).hexdigest()
    return b64(f"{username} {digest}")


def decode_xoauth2_challenge(text: str) -> dict[str, object] | None:
    """The JSON object a server sends in a ``334`` after a rejected XOAUTH2 token, or None."""
    raw = decode_b64(text)
    if not raw:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def secret_wire_forms(username: str | None, password: str | None, token: str | None) -> set[str]:
    """Every form the password or token takes in an SMTP session, for the redactor.

    The plain value, its base64 (LOGIN sends exactly this), URL-safe and unpadded base64, the
    whole AUTH PLAIN payload and the whole XOAUTH2 payload.
    """
    user = username or ""
    forms: set[str] = set()
    if password:
        forms |= secret_forms(password)
        if "\x00" not in user + password:
            forms |= _with_unpadded(plain_initial_response(user, password))
    if token:
        forms |= secret_forms(token)
        if "\x01" not in user + token:
            forms |= _with_unpadded(xoauth2_initial_response(user, token))
    return forms


def _with_unpadded(form: str) -> set[str]:
    return {form, form.rstrip("=")}


class SaslExchange:
    """One AUTH exchange: the command, then an answer for each ``334`` challenge."""

    mechanism = ""

    def __init__(self, username: str, secret: str, *, initial_response: bool = True) -> None:
        self._username = username
        self._secret = secret
        self._initial = initial_response
        self._step = 0
        self.xoauth2_error: dict[str, object] | None = None  # set when a 334 carried an error JSON

    def start(self) -> Auth:
        """The AUTH command, with the initial response when the plan asks for one and there is one."""
        payload = self._payload() if self._initial else None
        if payload is None:
            return Auth(self.mechanism)
        return Auth(self.mechanism, *payload)

    def _payload(self) -> tuple[str, str] | None:
        """The first answer as (wire text, transcript text); None for a mechanism where the server speaks first."""
        return None

    def respond(self, challenge: str) -> AuthResponse:
        """The answer to the next ``334 <challenge>``; ``*`` (cancel) once nothing is left to say."""
        self._step += 1
        return AuthResponse(CANCEL)


class PlainExchange(SaslExchange):
    mechanism = "PLAIN"

    def _payload(self) -> tuple[str, str]:
        payload = plain_initial_response(self._username, self._secret)
        size = len(f"\x00{self._username}\x00{self._secret}".encode())
        return payload, f"<credentials for {self._username or '(no user name)'}: {size} bytes, redacted>"

    def respond(self, challenge: str) -> AuthResponse:
        self._step += 1
        if self._initial or self._step > 1:
            return AuthResponse(CANCEL)
        payload, shown = self._payload()
        return AuthResponse(payload, shown)


class LoginExchange(SaslExchange):
    """LOGIN: the user name (shown, it is not secret), then the password (never shown)."""

    mechanism = "LOGIN"

    def _payload(self) -> tuple[str, str]:
        return b64(self._username), f"{b64(self._username)}  <user name: {self._username}>"

    def _answers(self) -> list[AuthResponse]:
        user = AuthResponse(*self._payload())
        password = AuthResponse(b64(self._secret), "<password, redacted>")
        return [password] if self._initial else [user, password]

    def respond(self, challenge: str) -> AuthResponse:
        answers = self._answers()
        step = self._step
        self._step += 1
        return answers[step] if step < len(answers) else AuthResponse(CANCEL)


class CramMd5Exchange(SaslExchange):
    mechanism = "CRAM-MD5"

    def __init__(self, username: str, secret: str, *, initial_response: bool = True) -> None:
        # CRAM-MD5 has no initial response: the server speaks first.
        super().__init__(username, secret, initial_response=False)

    def respond(self, challenge: str) -> AuthResponse:
        self._step += 1
        if self._step > 1:
            return AuthResponse(CANCEL)
        return AuthResponse(
            cram_md5_response(self._username, self._secret, challenge),
            f"<CRAM-MD5 response for {self._username}, redacted>",
        )


class XOAuth2Exchange(SaslExchange):
    """XOAUTH2 with an access token; a JSON error challenge is recorded and acknowledged."""

    mechanism = "XOAUTH2"

    def _payload(self) -> tuple[str, str]:
        shown = f"<user={self._username} auth=Bearer ***, base64, redacted>"
        return xoauth2_initial_response(self._username, self._secret), shown

    def respond(self, challenge: str) -> AuthResponse:
        self._step += 1
        if not self._initial and self._step == 1:  # the server's (normally empty) go-ahead
            payload, shown = self._payload()
            return AuthResponse(payload, shown)
        error = decode_xoauth2_challenge(challenge)
        if error is not None and self.xoauth2_error is None:
            self.xoauth2_error = error
            return AuthResponse("")  # acknowledge: the server then sends its final 535
        return AuthResponse(CANCEL)


EXCHANGES: dict[str, type[SaslExchange]] = {
    cls.mechanism: cls for cls in (PlainExchange, LoginExchange, CramMd5Exchange, XOAuth2Exchange)
}


def exchange_for(mechanism: str, username: str, secret: str, *, initial_response: bool = True) -> SaslExchange:
    """The exchange for a mechanism name; LocalProtocolError for one this tool does not speak."""
    cls = EXCHANGES.get(mechanism.upper())
    if cls is None:
        raise LocalProtocolError(f"AUTH {mechanism} is not supported by this tool.")
    return cls(username, secret, initial_response=initial_response)
