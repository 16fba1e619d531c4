"""What the practice server decides: who may sign in, who may send, and which reply each gets.

One ``LabState`` is shared by all listeners (accounts, accepted tokens, received messages); each
listener has its own ``PracticeHandler`` that knows its role. aiosmtpd calls the handler from the
listener's event-loop thread, so the state is guarded by a lock.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from core.lab import replies
from core.lab.accounts import DOMAIN, UNKNOWN_RECIPIENTS, Account, account_map
from core.lab.listeners import ListenerRole
from core.lab.replies import Style

log = logging.getLogger(__name__)

# (token, user from the XOAUTH2 string) -> accepted?
TokenCheck = Callable[[str, str], bool]

# The order Exchange Online lists its EHLO extensions in; others follow in aiosmtpd's order.
_EHLO_ORDER = ("SIZE", "PIPELINING", "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH", "8BITMIME", "SMTPUTF8")


@dataclass(frozen=True)
class ReceivedMessage:
    """A message the practice server accepted (kept in memory for the tests and the demo)."""

    listener: ListenerRole
    peer: str
    authenticated_as: str | None
    encrypted: bool
    mail_from: str
    rcpt_to: tuple[str, ...]
    content: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class LabState:
    """Everything the listeners share. Thread-safe."""

    def __init__(
        self,
        accounts: Iterable[Account],
        *,
        valid_tokens: Mapping[str, str] | None = None,
        accept_token: TokenCheck | None = None,
        max_messages: int = 200,
    ) -> None:
        self.accounts = account_map(tuple(accounts))
        self._lock = threading.Lock()
        self._tokens = {a.token: a.login.lower() for a in self.accounts.values()}
        self._tokens.update({t: u.lower() for t, u in (valid_tokens or {}).items()})
        self._accept_token = accept_token
        self._messages: deque[ReceivedMessage] = deque(maxlen=max_messages)
        self._errors: deque[str] = deque(maxlen=100)

    def add_token(self, token: str, user: str) -> None:
        with self._lock:
            self._tokens[token] = user.lower()

    def token_accepted(self, token: str, user: str) -> bool:
        """True when ``token`` is one of the valid tokens for ``user`` or the hook accepts it."""
        with self._lock:
            owner = self._tokens.get(token)
        if owner is not None and owner == user.lower():
            return True
        if self._accept_token is None:
            return False
        try:
            return bool(self._accept_token(token, user))
        except Exception as exc:  # noqa: BLE001 - a broken hook must not kill the listener
            self.note_error(f"accept_token hook failed: {type(exc).__name__}")
            return False

    def record(self, message: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def clear_messages(self) -> None:
        with self._lock:
            self._messages.clear()

    def note_error(self, text: str) -> None:
        log.debug("practice server: %s", text)
        with self._lock:
            self._errors.append(text)

    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)


def parse_xoauth2(blob: bytes) -> tuple[str, str] | None:
    """``user=U\\x01auth=Bearer T\\x01\\x01`` -> (U, T); None when it is not that shape."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
    user, auth = fields.get("user", ""), fields.get("auth", "")
    scheme, _, token = auth.partition(" ")
    if not user or scheme.lower() != "bearer" or not token.strip():
        return None
    return user, token.strip()


def _success(login: str) -> AuthResult:
    # auth_data carries only the login: the session never keeps the password or token.
    return AuthResult(success=True, auth_data=login.lower())


def _refusal(message: str) -> AuthResult:
    return AuthResult(success=False, handled=False, message=message)


def _same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def header_senders(content: bytes) -> list[str]:
    """The addresses in the message's From header(s)."""
    headers = BytesHeaderParser().parsebytes(content)
    values = [str(v) for v in headers.get_all("From", [])]
    return [addr for _, addr in getaddresses(values) if addr]


class PracticeHandler:
    """aiosmtpd handler for one listener: EHLO shape, AUTH decisions, envelope and DATA rules."""

    def __init__(self, state: LabState, role: ListenerRole) -> None:
        self.state = state
        self.role = role

    def _encrypted(self, session: Session) -> bool:
        return self.role is ListenerRole.IMPLICIT or session.ssl is not None

    def _account(self, session: Session) -> Account | None:
        login = session.auth_data if session.authenticated else None
        return self.state.accounts.get(login) if isinstance(login, str) else None

    async def handle_exception(self, error: Exception) -> str:
        """Note what went wrong instead of logging a traceback (a failed STARTTLS handshake is
        part of the practice). The reply is sent only when the connection is still usable."""
        cause = error.__cause__ or error
        self.state.note_error(f"{self.role.value}: {type(cause).__name__}: {cause}")
        return "421 4.3.2 Service not available, closing transmission channel"

    # --- EHLO ----------------------------------------------------------------------------------

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        """Exchange-like EHLO: ``Hello [ip]``, PIPELINING and ENHANCEDSTATUSCODES, no HELP line."""
        session.host_name = hostname
        extensions = [r[4:] for r in responses[1:] if r[4:] != "HELP"]
        extensions += ["PIPELINING", "ENHANCEDSTATUSCODES"]
        rank = {name: i for i, name in enumerate(_EHLO_ORDER)}
        extensions.sort(key=lambda ext: rank.get(ext.split()[0], len(rank)))
        peer_ip = session.peer[0] if isinstance(session.peer, tuple) else "unknown"
        lines = [f"{server.hostname} Hello [{peer_ip}]", *extensions]
        return [f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"]

    # --- AUTH ----------------------------------------------------------------------------------

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """aiosmtpd's authenticator for the built-in PLAIN and LOGIN mechanisms."""
        if not isinstance(auth_data, LoginPassword):
            return _refusal(replies.microsoft_auth_unsuccessful())
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        account = self.state.accounts.get(login.lower())
        if account is None:
            return _refusal(replies.microsoft_auth_unsuccessful())
        if account.accepts_app_password(password):
            return _success(account.login)
        if account.password is not None and _same_secret(password, account.password):
            if account.password_reply is not None:
                return _refusal(account.password_reply())
            return _success(account.login)
        return _refusal(replies.bad_credentials(account.style))

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """SASL XOAUTH2: the initial response, or a bare ``334`` challenge when it is missing."""
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:  # '*' or bad base64: aiosmtpd has answered already
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except (binascii.Error, ValueError):
                await server.push(replies.XOAUTH2_MALFORMED)
                return AuthResult(success=False, handled=True)
        assert isinstance(blob, bytes)
        parsed = parse_xoauth2(blob)
        if parsed is None:
            await server.push(replies.XOAUTH2_MALFORMED)
            return AuthResult(success=False, handled=True)
        user, token = parsed
        account = self.state.accounts.get(user.lower())
        if not self.state.token_accepted(token, user):
            return await self._token_refused(server, account)
        if account is not None and account.token_reply is not None:
            return _refusal(account.token_reply())
        return _success(user)

    async def _token_refused(self, server: SMTP, account: Account | None) -> AuthResult:
        if account is not None and account.style is Style.GMAIL:
            # Google first sends its error as a base64 JSON challenge; the client answers with an
            # empty line and only then gets the 535.
            answer = await server.challenge_auth(replies.GMAIL_XOAUTH2_ERROR)
            if answer is MISSING:
                return AuthResult(success=False, handled=True)
            return _refusal(replies.gmail_bad_credentials())
        return _refusal(replies.microsoft_auth_unsuccessful())

    # --- Envelope ------------------------------------------------------------------------------

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        # Submission listeners demand AUTH; the plain relay decides per recipient instead.
        if self.role is not ListenerRole.PLAIN and not session.authenticated:
            return replies.microsoft_not_authenticated()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return replies.SENDER_OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in UNKNOWN_RECIPIENTS:
            return replies.recipient_not_found(address)
        internal = address.lower().endswith("@" + DOMAIN)
        if not session.authenticated and not internal:
            return replies.relay_denied(address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return replies.RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        account = self._account(session)
        refusal = self._send_as_refusal(account, envelope.mail_from or "", content)
        if refusal is not None:
            return refusal
        self.state.record(
            ReceivedMessage(
                listener=self.role,
                peer=str(session.peer),
                authenticated_as=account.login if account else _login_of(session),
                encrypted=self._encrypted(session),
                mail_from=envelope.mail_from or "",
                rcpt_to=tuple(envelope.rcpt_tos),
                content=content,
            )
        )
        return replies.queued()

    @staticmethod
    def _send_as_refusal(account: Account | None, mail_from: str, content: bytes) -> str | None:
        """Exchange checks after DATA that the envelope and header From are the mailbox's own."""
        if account is None or account.style is not Style.MICROSOFT:
            return None
        for sender in [mail_from, *header_senders(content)]:
            if sender and sender.lower() != account.login.lower():
                return replies.send_as_denied(account.login, sender)
        return None


def _login_of(session: Session) -> str | None:
    login = session.auth_data if session.authenticated else None
    return login if isinstance(login, str) else None
