"""The built-in practice server: three aiosmtpd listeners on 127.0.0.1 with scenario accounts.

``PracticeServer`` is a product feature (``smtp-doctor lab``, ``smtp-doctor gui --demo``) and the
test fixture for the whole suite. Each start makes a fresh practice CA and server certificate
(trustme, RSA so that emulated old devices with RSA-only cipher lists can connect); the CA is
written to a private temporary folder as ``ca_file`` and removed again at ``stop()``.

Listeners (see ``ListenerRole``): STARTTLS submission (no AUTH or MAIL before STARTTLS, as
Microsoft 365 and Gmail behave), implicit TLS, and a plain relay-style listener where AUTH is
allowed unencrypted (to practise the "password sent in the clear" warning and the relay rules).
"""

from __future__ import annotations

import asyncio
import collections
import shutil
import socket
import ssl
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, AnyStr, Self

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session

from core.lab import replies
from core.lab.accounts import ACCOUNTS, Account
from core.lab.handler import LabState, PracticeHandler, ReceivedMessage, TokenCheck
from core.lab.listeners import Listener, ListenerRole

HOST = "127.0.0.1"
SERVER_NAME = "mail.practice.test"  # the name in the greeting and EHLO, like a provider's host
DEFAULT_SIZE_LIMIT = 2 * 1024 * 1024  # advertised as SIZE; small so "too large" is quick to show
TLS_HANDSHAKE_TIMEOUT = 15.0
IDLE_TIMEOUT = 120.0
AUTH_LINE_LIMIT = 12288  # octets in one AUTH command or SASL response line (RFC 4954 §4)


class _QuietSession(Session):
    """aiosmtpd logs a deprecation warning on every successful AUTH through ``login_data``."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class _PracticeSMTP(SMTP):
    """aiosmtpd's SMTP with realistic wording where aiosmtpd answers by itself."""

    # Real servers prompt "Username:" / "Password:" (base64 VXNlcm5hbWU6 / UGFzc3dvcmQ6).
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"
    # RFC 4954 §4 allows AUTH lines of 12288 octets; real OAuth tokens make 1.5-3 KB XOAUTH2 lines,
    # which aiosmtpd's defaults (512 per command, 1001 per line) would refuse as "too long".
    line_length_limit = AUTH_LINE_LIMIT + 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An instance dict: aiosmtpd's class-level default is shared by every SMTP instance.
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit, {"AUTH": AUTH_LINE_LIMIT})

    def _create_session(self) -> Session:
        return _QuietSession(self.loop)

    async def push(self, status: AnyStr) -> None:
        if isinstance(status, str):
            await super().push(replies.STOCK_REPLACEMENTS.get(status, status))
        else:
            await super().push(status)


class _PracticeController(Controller):
    """A Controller that binds port 0 itself (no race for a free port) and uses ``_PracticeSMTP``."""

    def factory(self) -> SMTP:
        return _PracticeSMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        extra: dict[str, Any] = {}
        if self.ssl_context is not None:
            extra["ssl_handshake_timeout"] = TLS_HANDSHAKE_TIMEOUT
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context, **extra
        )
        # Learn the port the kernel chose before the base class connects to it to warm up.
        self.port = server.sockets[0].getsockname()[1]
        return server


def _check_port_free(port: int) -> None:
    """Fail fast with a clear reason (aiosmtpd would wait for its ready timeout first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise OSError(exc.errno, f"port {port} on {HOST} is not free ({exc.strerror})") from None


class PracticeServer:
    """The practice SMTP server. Use as a context manager, or call ``start()`` and ``stop()``.

    ``ports`` fixes the port of some listeners (others get free ones); ``valid_tokens`` maps extra
    XOAUTH2 access tokens to the user they belong to; ``accept_token(token, user)`` may accept
    more (e.g. tokens a test's fake OAuth authority issued). Every account also accepts its
    practice token (``Account.token``). ``size_limit`` is advertised as SIZE and enforced;
    ``max_messages`` bounds ``messages``; ``offer_plain=False`` advertises ``AUTH LOGIN XOAUTH2``
    only, as Exchange Online does. ``certificate_names`` adds names to the server certificate (a
    test reaching it under a custom name with ``--connect-to``).
    """

    def __init__(
        self,
        *,
        ports: Mapping[ListenerRole, int] | None = None,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        valid_tokens: Mapping[str, str] | None = None,
        accept_token: TokenCheck | None = None,
        accounts: Iterable[Account] = ACCOUNTS,
        max_messages: int = 200,
        idle_timeout: float = IDLE_TIMEOUT,
        offer_plain: bool = True,
        certificate_names: Iterable[str] = (),
    ) -> None:
        self.host = HOST
        # Exchange Online offers only "AUTH LOGIN XOAUTH2"; offer_plain=False copies that exactly
        # (AUTH PLAIN then gets Microsoft's "504 5.7.4 Unrecognized authentication type").
        self.offer_plain = offer_plain
        self.size_limit = size_limit
        self.idle_timeout = idle_timeout
        self._fixed_ports = dict(ports or {})
        self._certificate_names = tuple(certificate_names)
        self._state = LabState(
            accounts, valid_tokens=valid_tokens, accept_token=accept_token, max_messages=max_messages
        )
        self._controllers: dict[ListenerRole, _PracticeController] = {}
        self._ca_dir: Path | None = None
        self._ca_file: str | None = None
        self._ca: trustme.CA | None = None

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Create the certificates and start all listeners. Raises OSError if a fixed port is taken."""
        if self.running:
            raise RuntimeError("the practice server is already running")
        for port in self._fixed_ports.values():
            _check_port_free(port)
        try:
            tls = self._make_certificates()
            for role in ListenerRole:
                self._start_listener(role, tls)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every listener, join their threads and delete the CA folder. Safe to call twice."""
        controllers, self._controllers = self._controllers, {}
        for controller in controllers.values():
            controller.stop(no_assert=True)
        if self._ca_dir is not None:
            shutil.rmtree(self._ca_dir, ignore_errors=True)
        self._ca_dir = self._ca_file = self._ca = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self._controllers)

    def _make_certificates(self) -> ssl.SSLContext:
        self._ca = trustme.CA(key_type=trustme.KeyType.RSA, organization_name="SMTP Doctor practice CA")
        names = ("localhost", HOST, SERVER_NAME, *self._certificate_names)
        cert = self._ca.issue_cert(*names, key_type=trustme.KeyType.RSA)
        self._ca_dir = Path(tempfile.mkdtemp(prefix="smtp-doctor-lab-"))  # mode 0700
        ca_path = self._ca_dir / "practice-ca.pem"
        self._ca.cert_pem.write_to_path(str(ca_path))
        self._ca_file = str(ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        return context

    def _start_listener(self, role: ListenerRole, tls: ssl.SSLContext) -> None:
        handler = PracticeHandler(self._state, role)
        options: dict[str, Any] = {}
        if role is ListenerRole.SUBMISSION:
            options = {"tls_context": tls, "require_starttls": True, "auth_require_tls": True}
        elif role is ListenerRole.IMPLICIT:
            # aiosmtpd#281: an implicit-TLS listener does not count as TLS, so AUTH would be hidden.
            options = {"ssl_context": tls, "auth_require_tls": False}
        else:
            options = {"auth_require_tls": False}
        controller = _PracticeController(
            handler,
            hostname=HOST,
            port=self._fixed_ports.get(role, 0),
            server_hostname=SERVER_NAME,
            ident=replies.GREETING_IDENT,
            data_size_limit=self.size_limit,
            authenticator=handler.authenticate,
            auth_exclude_mechanism=[] if self.offer_plain else ["PLAIN"],
            timeout=self.idle_timeout,
            **options,
        )
        controller.loop.set_exception_handler(self._loop_exception)
        controller.start()
        self._controllers[role] = controller

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # Failed TLS handshakes (a client with the wrong mode, an untrusted CA) are part of the
        # practice: note them instead of printing tracebacks on the technician's terminal.
        exc = context.get("exception")
        reason = f"{type(exc).__name__}: {exc}" if exc else str(context.get("message"))
        self._state.note_error(reason)

    # --- what clients need to know -------------------------------------------------------------

    def port(self, role: ListenerRole) -> int:
        if role not in self._controllers:
            raise RuntimeError("the practice server is not running")
        return int(self._controllers[role].port)

    @property
    def ports(self) -> dict[ListenerRole, int]:
        return {role: self.port(role) for role in self._controllers}

    @property
    def submission_port(self) -> int:
        return self.port(ListenerRole.SUBMISSION)

    @property
    def implicit_port(self) -> int:
        return self.port(ListenerRole.IMPLICIT)

    @property
    def plain_port(self) -> int:
        return self.port(ListenerRole.PLAIN)

    @property
    def listeners(self) -> tuple[Listener, ...]:
        return tuple(Listener(role, self.host, self.port(role)) for role in self._controllers)

    @property
    def ca_file(self) -> str:
        """PEM file of the practice CA (trust it to verify the server); gone after ``stop()``."""
        if self._ca_file is None:
            raise RuntimeError("the practice server is not running")
        return self._ca_file

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only the practice CA (handy for tests and tools)."""
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def accounts(self) -> tuple[Account, ...]:
        return tuple(self._state.accounts.values())

    # --- what happened -------------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Messages accepted so far, oldest first (at most ``max_messages``)."""
        return self._state.messages()

    def clear_messages(self) -> None:
        self._state.clear_messages()

    @property
    def errors(self) -> list[str]:
        """Recent connection-level errors (failed TLS handshakes and the like), for diagnostics."""
        return self._state.errors()

    def add_token(self, token: str, user: str) -> None:
        """Accept ``token`` for XOAUTH2 as ``user`` from now on."""
        self._state.add_token(token, user)
