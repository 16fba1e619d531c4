"""Runs one probe: drives the sans-I/O SMTP conversation over a socket and records everything.

``run_probe(plan, credentials)`` is blocking and never raises for anything the server or the
network does: every problem becomes ``result.failure`` (data, for diagnosis). Only a bug in this
tool becomes ``FailureKind.INTERNAL``, with the exception type and place but no message text
(which could hold a secret).

Phases, in order: connect → tls (implicit TLS) → greeting → ehlo (HELO if EHLO gets a 5xx) →
starttls → tls → ehlo (STARTTLS mode) → auth (when a user name or secret is given and the plan
asks for AUTH) → mail_from → rcpt_to → data (when the plan sends) → quit.

Round trips: with PIPELINING offered (and not switched off by the plan), MAIL, every RCPT and
DATA go in one write, and QUIT goes in the same write as the message (RFC 2920 §3.1 lets the
message content open a group and QUIT end it); the 221 is still read. AUTH uses an initial
response unless the plan says otherwise. A STARTTLS session with AUTH PLAIN and one message thus
takes the protocol minimum of 9 round trips (tests/bench/bench_round_trips.py derives it).

Transcript conventions:

* CLIENT: one event per line sent, as ``Command.display()`` (secrets described, never shown);
  the message body shows its headers, a one-line body summary and the final dot.
* SERVER: one event per reply line, exactly as received (``250-PIPELINING``).
* TLS: the negotiated version and cipher, one line per certificate, the verification result.
* INFO: the tool's notes: resolution and connect, mechanism choice, decoded SASL challenges,
  quirks, bytes discarded after STARTTLS.
* ERROR: the failure that stopped the run (``failure.event_index`` points at it).

Redaction happens before the first byte is sent: every wire form of the password and token
(plain, base64, the AUTH PLAIN and XOAUTH2 payloads) goes into the transcript's redactor.

Where the parts live: this module orders the phases and runs the connection ones (connect, TLS,
greeting, EHLO/HELO, STARTTLS, QUIT) and turns errors into the failure; ``core.probe.session``
holds the state they share and the send/read/record mechanism; ``core.probe.auth`` the AUTH
exchange; ``core.probe.transaction`` MAIL/RCPT/DATA, pipelining and the verdicts on their replies.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import ssl
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from core.cancel import CancelToken
from core.errors import (
    Cancelled,
    CertificateError,
    ConnectFailed,
    ConnectionClosed,
    ConnectRefused,
    ConnectTimeout,
    LocalProtocolError,
    ProbeError,
    ReadTimeout,
    RemoteProtocolError,
    ResolveError,
    TlsError,
)
from core.model import Credentials, ProbePlan, SecurityMode
from core.probe.auth import authenticate, wants_auth
from core.probe.listener import NullListener, ProbeListener
from core.probe.phases import Phase
from core.probe.result import FailureKind, ProbeResult, TlsInfo
from core.probe.session import (
    QUIRK_DATA_AFTER_STARTTLS,
    QUIRK_HELO_FALLBACK,
    QUIRK_HTTP_PORT,
    QUIRK_IMPLICIT_TLS_PORT,
    QUIRK_PLAINTEXT_GREETING_ON_TLS,
    GuardedListener,
    ProbeSession,
    Stop,
    preview,
)
from core.probe.tls_port_check import TlsPortCheck
from core.probe.transaction import send_message
from core.probe.transcript import EventKind
from core.smtp.commands import Ehlo, Helo, Quit, StartTls
from core.smtp.conversation import State
from core.transport.socket_transport import os_error_name
from core.transport.tls import TlsCertificateFailure, TlsHandshakeFailure, build_context, describe

_QUIT_SECONDS = 5.0
# Failures after which the connection is still in step, so a polite QUIT is possible.
_QUIT_AFTER = (FailureKind.REPLY, FailureKind.NOT_OFFERED, FailureKind.INTERNAL)


def run_probe(
    plan: ProbePlan,
    credentials: Credentials,
    *,
    listener: ProbeListener | None = None,
    cancel: CancelToken | None = None,
) -> ProbeResult:
    """Run one probe to the end (blocking) and return what it observed."""
    return _ProbeRun(plan, credentials, GuardedListener(listener or NullListener()), cancel or CancelToken()).run()


class _ProbeRun(ProbeSession):
    """The phases of one run in order, on the shared session. Only ``run`` is called from outside."""

    def __init__(
        self, plan: ProbePlan, credentials: Credentials, listener: GuardedListener, cancel: CancelToken
    ) -> None:
        super().__init__(plan, credentials, listener, cancel)
        self._context: ssl.SSLContext | None = None

    # -- the run ---------------------------------------------------------------------------------

    def run(self) -> ProbeResult:
        started_at = datetime.now(UTC)
        began = time.monotonic()
        try:
            self._session()
        except Stop as stop:
            self.fail(stop.kind, stop.phase, stop.message, reply=stop.reply)
        except ProbeError as exc:
            if self._silent_greeting(exc) and self.tls_port_version:
                self.info(
                    f"A second connection to port {self.plan.port} answered a TLS handshake ({self.tls_port_version}):"
                    " this port expects SSL/TLS from the first byte (implicit TLS)."
                )
                self.quirk(QUIRK_IMPLICIT_TLS_PORT)
            elif self._silent_greeting(exc) and self.plaintext_service == "HTTP":
                self.info(
                    f"A second connection to port {self.plan.port} was answered like a web server (HTTP) answers:"
                    " this port runs a web service, not SMTP."
                )
                self.quirk(QUIRK_HTTP_PORT)
            self._fail_from_error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in this tool must still give a result
            self.fail(FailureKind.INTERNAL, self.phase, _internal_message(exc))
        try:
            if self.failure is not None and self.failure.kind in _QUIT_AFTER:
                self._quit(after_failure=True)
        except (ProbeError, Stop):
            pass  # the run has already failed; a failed goodbye adds nothing
        finally:
            self.transport.close()
        if self.listener.failed is not None:
            self.info(f"The progress display failed ({self.listener.failed}) and was switched off for this run")
        return self._result(started_at, (time.monotonic() - began) * 1000.0)

    def _session(self) -> None:
        with self.step(Phase.CONNECT):
            self._connect()
        if self.plan.security is SecurityMode.TLS:
            with self.step(Phase.TLS):
                self._handshake()
        with self.step(Phase.GREETING):
            self._greeting()
        with self.step(Phase.EHLO):
            self._hello()
        if self.plan.security is SecurityMode.STARTTLS:
            with self.step(Phase.STARTTLS):
                self._starttls()
            with self.step(Phase.TLS):
                self._handshake()
            with self.step(Phase.EHLO):
                self._hello()
        if wants_auth(self):
            with self.step(Phase.AUTH):
                authenticate(self)
        if self.plan.send:
            send_message(self)
        self._quit(after_failure=False)

    # -- phases ----------------------------------------------------------------------------------

    def _connect(self) -> None:
        plan = self.plan
        self.info(f"Connecting to {plan.host} port {plan.port} ({plan.security.label})")
        if plan.connect_address:
            self.info(f"Connecting to {plan.connect_address} instead of looking up {plan.host} (--connect-to)")
        peer = self.transport.connect(plan.dial_address, plan.port, self.deadline(plan.timeouts.connect))
        if self.transport.resolved and not _is_ip_literal(plan.host):
            addresses = ", ".join(a.rpartition(":")[0].strip("[]") for a in self.transport.resolved)
            self.info(f"{plan.host} resolved to {addresses}")
        for attempt in self.transport.attempts:
            self.info(f"Could not connect to {attempt}")
        self.info(f"Connected to {peer}")

    def _handshake(self) -> None:
        self.info(f"Starting TLS handshake (server name {self.plan.host})", kind=EventKind.TLS)
        deadline = self.deadline(self.plan.timeouts.tls)
        try:
            info = self.transport.start_tls(self._tls_context(), self.plan.host, deadline)
        except TlsCertificateFailure as exc:
            self._record_tls(exc.info)
            raise
        except TlsHandshakeFailure as exc:
            plaintext = exc.plaintext_greeting
            if plaintext is None:
                raise
            self.info(f"Received plaintext where TLS was expected: '{plaintext}'")
            if self.plan.security is SecurityMode.TLS:
                self.quirk(QUIRK_PLAINTEXT_GREETING_ON_TLS)
                raise
            # After STARTTLS's 220 the server kept talking plaintext (arriving too late to be discarded).
            self.quirk(QUIRK_DATA_AFTER_STARTTLS)
            raise TlsHandshakeFailure(
                f"The server sent plaintext ('{plaintext}') after agreeing to STARTTLS, instead of starting TLS.",
                ssl_reason=exc.ssl_reason,
                received=exc.received,
            ) from exc
        self._record_tls(info)

    def _greeting(self) -> None:
        deadline = self.deadline(self.plan.timeouts.greeting)
        check = None
        if self.plan.security is not SecurityMode.TLS:
            check = TlsPortCheck(self.plan.dial_address, self.plan.port, deadline, self.cancel)
        try:
            reply = self.read_reply(Phase.GREETING, deadline)
        finally:
            if check is not None:
                check.stop()
                self.tls_port_version = check.tls_version
                self.plaintext_service = check.plaintext_service
        self.greeting = reply
        if not reply.is_positive:
            raise Stop(FailureKind.REPLY, Phase.GREETING, f"The server refused the session: {reply.quoted}", reply)

    def _hello(self) -> None:
        name = self.plan.helo_name or default_helo_name(self.transport.local_ip)
        reply = self.exchange(Ehlo(name), Phase.EHLO)
        if reply.code == 250:
            return
        if reply.is_permanent and self.conversation.state is State.GREETED:
            self.quirk(QUIRK_HELO_FALLBACK)
            reply = self.exchange(Helo(name), Phase.EHLO)
            if reply.code == 250:
                return
        raise Stop(FailureKind.REPLY, Phase.EHLO, f"The server refused {name!r} at EHLO: {reply.quoted}", reply)

    def _starttls(self) -> None:
        capabilities = self.conversation.capabilities
        if capabilities is None or not capabilities.starttls:
            raise Stop(
                FailureKind.NOT_OFFERED,
                Phase.STARTTLS,
                "The server does not offer STARTTLS on this port (its EHLO reply does not list it).",
            )
        reply = self.exchange(StartTls(), Phase.STARTTLS)
        if reply.code != 220:
            raise Stop(FailureKind.REPLY, Phase.STARTTLS, f"The server refused STARTTLS: {reply.quoted}", reply)
        leftover = self.conversation.start_tls()
        if leftover:
            self.quirk(QUIRK_DATA_AFTER_STARTTLS)
            self.info(
                f"Discarded {len(leftover)} bytes the server sent after its 220 to STARTTLS, before TLS "
                f"(RFC 3207 §4.2; a broken server or an injection attempt): {preview(leftover)}"
            )

    def _quit(self, *, after_failure: bool) -> None:
        pending = self.conversation.pending
        already_sent = len(pending) == 1 and isinstance(pending[0], Quit)  # pipelined after the message
        if not already_sent and (pending or not self.conversation.can_send(Quit())):
            return
        with self.step(Phase.QUIT) as step:
            deadline = self.deadline(min(self.plan.timeouts.command, _QUIT_SECONDS))
            try:
                if already_sent:
                    self.read_reply(Phase.QUIT, deadline)
                else:
                    self.exchange(Quit(), Phase.QUIT, deadline)
            except ConnectionClosed:
                self.info("The server closed the connection after QUIT")
            except ReadTimeout:
                step.ok = after_failure  # a missing goodbye never hides the real failure
                self.info("No reply to QUIT (harmless: the session was over)")

    # -- TLS -------------------------------------------------------------------------------------

    def _record_tls(self, info: TlsInfo) -> None:
        self.tls = info
        for line in describe(info, self.plan.host):
            self.info(line, kind=EventKind.TLS)

    def _tls_context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = build_context(self.plan.tls)
        return self._context

    # -- failures ----------------------------------------------------------------------------------

    def _fail_from_error(self, exc: ProbeError) -> None:
        phase = self.phase
        cause = exc.__cause__
        kind, message = _classify(exc)
        ssl_reason: str | None = None
        verify_code: int | None = None
        if isinstance(exc, ReadTimeout):
            message = self._timeout_message(exc)
        elif isinstance(exc, ConnectionClosed):
            message = f"{str(exc).rstrip('.')} during {phase.value}."
        if isinstance(exc, TlsHandshakeFailure):
            ssl_reason = exc.ssl_reason
        elif isinstance(exc, TlsCertificateFailure):
            ssl_reason, verify_code = "CERTIFICATE_VERIFY_FAILED", exc.verify_code
        elif isinstance(cause, ssl.SSLError) and isinstance(cause.reason, str):
            ssl_reason = cause.reason
        os_error = None if isinstance(cause, ssl.SSLError) else os_error_name(cause)  # SSLError's errno is not one
        self.fail(kind, phase, message, os_error=os_error, ssl_reason=ssl_reason, verify_code=verify_code)

    def _silent_greeting(self, exc: ProbeError) -> bool:
        """The server accepted TCP but said nothing at all while we waited for a plaintext greeting."""
        return (
            isinstance(exc, ReadTimeout)
            and self.phase is Phase.GREETING
            and self.plan.security is not SecurityMode.TLS
            and not self.conversation.partial_line()
        )

    def _timeout_message(self, exc: ReadTimeout) -> str:
        phase = self.phase
        if phase is Phase.GREETING:
            message = f"The server accepted the connection but sent no greeting ({exc})."
            if self.plan.security is not SecurityMode.TLS:
                message += (
                    " A port that expects SSL/TLS from the first byte (implicit TLS, usually 465) behaves exactly"
                    " like this."
                )
        elif phase is Phase.TLS:
            message = f"The TLS handshake got no answer ({exc})."
        else:
            message = f"The server stopped answering during {phase.value} ({exc})."
        partial = self.conversation.partial_line()
        if partial:
            message += f" It had sent only part of a line: {preview(partial)}"
        return message

    def _result(self, started_at: datetime, duration_ms: float) -> ProbeResult:
        conversation = self.conversation
        return ProbeResult(
            plan=self.plan,
            started_at=started_at,
            transcript=self.transcript.events,
            phases=tuple(self.phases),
            failure=self.failure,
            peer_address=self.transport.peer,
            greeting=self.greeting,
            capabilities_before_tls=self.redacted_capabilities(conversation.capabilities_before_tls),
            capabilities_after_tls=self.redacted_capabilities(conversation.capabilities_after_tls),
            tls=self.tls,
            auth_mechanism=self.auth_mechanism,
            authenticated=conversation.authenticated,
            message_accepted=self.message_accepted,
            replies=tuple(self.replies),
            quirks=tuple(self.quirks),
            xoauth2_error=self.xoauth2_error,
            duration_ms=duration_ms,
        )


_KINDS: tuple[tuple[type[ProbeError], FailureKind], ...] = (
    (Cancelled, FailureKind.CANCELLED),
    (ResolveError, FailureKind.DNS),
    (ConnectRefused, FailureKind.REFUSED),
    (ConnectTimeout, FailureKind.CONNECT_TIMEOUT),
    (ConnectFailed, FailureKind.CONNECT_FAILED),
    (ReadTimeout, FailureKind.TIMEOUT),
    (ConnectionClosed, FailureKind.DISCONNECTED),
    (CertificateError, FailureKind.TLS_CERTIFICATE),
    (TlsError, FailureKind.TLS_HANDSHAKE),
    (RemoteProtocolError, FailureKind.PROTOCOL),
    (LocalProtocolError, FailureKind.INTERNAL),
)


def _classify(exc: ProbeError) -> tuple[FailureKind, str]:
    for kind, failure_kind in _KINDS:
        if isinstance(exc, kind):
            return failure_kind, str(exc)
    return FailureKind.INTERNAL, f"Unexpected problem: {type(exc).__name__}."


def _internal_message(exc: BaseException) -> str:
    # The exception's text could hold anything (even a secret), so only its type and place are kept.
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"Internal error in SMTP Doctor: {type(exc).__name__}{where}. Please report it with this transcript."


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


_HOST_CHARS = re.compile(r"[^A-Za-z0-9.-]")


@functools.lru_cache(maxsize=1)
def _local_fqdn() -> str:
    return socket.getfqdn()


def default_helo_name(local_ip: str | None) -> str:
    """The local host name as most devices send it, cleaned; an address literal if there is none."""
    name = _HOST_CHARS.sub("", _local_fqdn()).strip(".-")
    if name:
        return name
    if local_ip:
        return f"[IPv6:{local_ip}]" if ":" in local_ip else f"[{local_ip}]"
    return "localhost"
