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
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re
import socket
import ssl
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

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
from core.model import AuthMethod, Credentials, ProbePlan, SecurityMode
from core.probe.listener import NullListener, ProbeListener
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, PhaseOutcome, ProbeResult, TlsInfo
from core.probe.tls_port_check import TlsPortCheck
from core.probe.transcript import EventKind, Redactor, Transcript, TranscriptEvent
from core.smtp.capabilities import Capabilities
from core.smtp.commands import AuthResponse, Command, Data, DataBody, Ehlo, Helo, MailFrom, Quit, RcptTo, StartTls
from core.smtp.conversation import ClientConversation, State
from core.smtp.events import Reply
from core.smtp.message import build_message
from core.smtp.sasl import CANCEL, decode_challenge_text, decode_xoauth2_challenge, exchange_for, secret_wire_forms
from core.transport.deadline import Deadline
from core.transport.socket_transport import SocketTransport, os_error_name
from core.transport.tls import TlsCertificateFailure, TlsHandshakeFailure, build_context, describe

# Quirk names recorded in ProbeResult.quirks (the reply parser adds bare_lf, overlong_line,
# invalid_utf8).
QUIRK_DATA_AFTER_STARTTLS = "data_after_starttls"
QUIRK_PLAINTEXT_GREETING_ON_TLS = "plaintext_greeting_on_tls"
# The greeting never came, and a second connection to the same port answered a TLS handshake.
QUIRK_IMPLICIT_TLS_PORT = "implicit_tls_port"
# The greeting never came, and a second connection's TLS hello was answered like a web server does.
QUIRK_HTTP_PORT = "http_port"
QUIRK_HELO_FALLBACK = "helo_fallback"

QUIRK_NOTES = {
    "bare_lf": "The server ends lines with a bare LF instead of CRLF (accepted, but not standard SMTP).",
    "overlong_line": "The server sent a line longer than 4096 bytes; the rest of that line was ignored.",
    "invalid_utf8": "The server sent text that is not valid UTF-8 (shown with replacement characters).",
    QUIRK_HELO_FALLBACK: "The server refused EHLO; the test continued with HELO (no extensions, no AUTH).",
}

_T = TypeVar("_T")
_AUTO_ORDER = ("PLAIN", "LOGIN", "CRAM-MD5")
_EXPLICIT = {
    AuthMethod.PLAIN: "PLAIN",
    AuthMethod.LOGIN: "LOGIN",
    AuthMethod.CRAM_MD5: "CRAM-MD5",
    AuthMethod.XOAUTH2: "XOAUTH2",
}
_MAX_SASL_ROUNDS = 5
_QUIT_SECONDS = 5.0
# Failures after which the connection is still in step, so a polite QUIT is possible.
_QUIT_AFTER = (FailureKind.REPLY, FailureKind.NOT_OFFERED, FailureKind.INTERNAL)
_PREVIEW_BYTES = 300


def run_probe(
    plan: ProbePlan,
    credentials: Credentials,
    *,
    listener: ProbeListener | None = None,
    cancel: CancelToken | None = None,
) -> ProbeResult:
    """Run one probe to the end (blocking) and return what it observed."""
    return _ProbeRun(plan, credentials, _GuardedListener(listener or NullListener()), cancel or CancelToken()).run()


class _GuardedListener:
    """Passes calls on, but a listener's own bug (say in the GUI) must not break the probe."""

    def __init__(self, inner: ProbeListener) -> None:
        self._inner = inner
        self.failed: str | None = None  # the exception type of the first failure, if any

    def on_event(self, event: TranscriptEvent) -> None:
        self._call(self._inner.on_event, event)

    def on_phase_started(self, phase: Phase) -> None:
        self._call(self._inner.on_phase_started, phase)

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        self._call(self._inner.on_phase_finished, outcome)

    def _call(self, method: Callable[[_T], None], argument: _T) -> None:
        if self.failed is not None:
            return  # a broken listener is not called again
        try:
            method(argument)
        except Exception as exc:  # noqa: BLE001 - the watcher's failure is reported, not propagated
            self.failed = type(exc).__name__


class _Stop(Exception):
    """Ends the session with a failure the runner has already understood."""

    def __init__(self, kind: FailureKind, phase: Phase, message: str, reply: Reply | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.phase = phase
        self.message = message
        self.reply = reply


@dataclass
class _Step:
    """A running phase; ``ok`` may be cleared by a phase that carries on after a problem."""

    ok: bool = True


class _ProbeRun:
    """The state of one run. Only ``run`` is called from outside."""

    def __init__(
        self, plan: ProbePlan, credentials: Credentials, listener: _GuardedListener, cancel: CancelToken
    ) -> None:
        self.plan = plan
        self.credentials = credentials
        self.listener = listener
        password = credentials.password.reveal() if credentials.password else None
        token = credentials.token.reveal() if credentials.token else None
        self.redactor = Redactor(secret_wire_forms(plan.username, password, token))
        self.transcript = Transcript(self.redactor, listener=listener.on_event)
        self.cancel = cancel
        self.transport = SocketTransport(cancel=cancel)
        self.conversation = ClientConversation(tls_active=plan.security is SecurityMode.TLS)
        self.total = Deadline(plan.timeouts.total)
        self.phase = Phase.CONNECT
        self.phases: list[PhaseOutcome] = []
        self.replies: list[tuple[Phase, Reply]] = []
        self.quirks: list[str] = []
        self.failure: Failure | None = None
        self.greeting: Reply | None = None
        self.tls: TlsInfo | None = None
        self.auth_mechanism: str | None = None
        self.message_accepted = False
        self.xoauth2_error: dict[str, object] | None = None
        self._context: ssl.SSLContext | None = None
        self.tls_port_version: str | None = None  # set when a silent port answered TLS on a second connection
        self.plaintext_service: str | None = None  # set when it answered our TLS hello in plaintext ("HTTP")

    # -- the run ---------------------------------------------------------------------------------

    def run(self) -> ProbeResult:
        started_at = datetime.now(UTC)
        began = time.monotonic()
        try:
            self._session()
        except _Stop as stop:
            self._fail(stop.kind, stop.phase, stop.message, reply=stop.reply)
        except ProbeError as exc:
            if self._silent_greeting(exc) and self.tls_port_version:
                self._info(
                    f"A second connection to port {self.plan.port} answered a TLS handshake ({self.tls_port_version}):"
                    " this port expects SSL/TLS from the first byte (implicit TLS)."
                )
                self._quirk(QUIRK_IMPLICIT_TLS_PORT)
            elif self._silent_greeting(exc) and self.plaintext_service == "HTTP":
                self._info(
                    f"A second connection to port {self.plan.port} was answered like a web server (HTTP) answers:"
                    " this port runs a web service, not SMTP."
                )
                self._quirk(QUIRK_HTTP_PORT)
            self._fail_from_error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in this tool must still give a result
            self._fail(FailureKind.INTERNAL, self.phase, _internal_message(exc))
        try:
            if self.failure is not None and self.failure.kind in _QUIT_AFTER:
                self._quit(after_failure=True)
        except (ProbeError, _Stop):
            pass  # the run has already failed; a failed goodbye adds nothing
        finally:
            self.transport.close()
        if self.listener.failed is not None:
            self._info(f"The progress display failed ({self.listener.failed}) and was switched off for this run")
        return self._result(started_at, (time.monotonic() - began) * 1000.0)

    def _session(self) -> None:
        with self._phase(Phase.CONNECT):
            self._connect()
        if self.plan.security is SecurityMode.TLS:
            with self._phase(Phase.TLS):
                self._handshake()
        with self._phase(Phase.GREETING):
            self._greeting()
        with self._phase(Phase.EHLO):
            self._hello()
        if self.plan.security is SecurityMode.STARTTLS:
            with self._phase(Phase.STARTTLS):
                self._starttls()
            with self._phase(Phase.TLS):
                self._handshake()
            with self._phase(Phase.EHLO):
                self._hello()
        if self._wants_auth():
            with self._phase(Phase.AUTH):
                self._authenticate()
        if self.plan.send:
            self._send_message()
        self._quit(after_failure=False)

    # -- phases ----------------------------------------------------------------------------------

    def _connect(self) -> None:
        plan = self.plan
        self._info(f"Connecting to {plan.host} port {plan.port} ({plan.security.label})")
        peer = self.transport.connect(plan.host, plan.port, self._deadline(plan.timeouts.connect))
        if self.transport.resolved and not _is_ip_literal(plan.host):
            addresses = ", ".join(a.rpartition(":")[0].strip("[]") for a in self.transport.resolved)
            self._info(f"{plan.host} resolved to {addresses}")
        for attempt in self.transport.attempts:
            self._info(f"Could not connect to {attempt}")
        self._info(f"Connected to {peer}")

    def _handshake(self) -> None:
        self._info(f"Starting TLS handshake (server name {self.plan.host})", kind=EventKind.TLS)
        deadline = self._deadline(self.plan.timeouts.tls)
        try:
            info = self.transport.start_tls(self._tls_context(), self.plan.host, deadline)
        except TlsCertificateFailure as exc:
            self._record_tls(exc.info)
            raise
        except TlsHandshakeFailure as exc:
            plaintext = exc.plaintext_greeting
            if plaintext is None:
                raise
            self._info(f"Received plaintext where TLS was expected: '{plaintext}'")
            if self.plan.security is SecurityMode.TLS:
                self._quirk(QUIRK_PLAINTEXT_GREETING_ON_TLS)
                raise
            # After STARTTLS's 220 the server kept talking plaintext (arriving too late to be discarded).
            self._quirk(QUIRK_DATA_AFTER_STARTTLS)
            raise TlsHandshakeFailure(
                f"The server sent plaintext ('{plaintext}') after agreeing to STARTTLS, instead of starting TLS.",
                ssl_reason=exc.ssl_reason,
                received=exc.received,
            ) from exc
        self._record_tls(info)

    def _greeting(self) -> None:
        deadline = self._deadline(self.plan.timeouts.greeting)
        check = None
        if self.plan.security is not SecurityMode.TLS:
            check = TlsPortCheck(self.plan.host, self.plan.port, deadline, self.cancel)
        try:
            reply = self._read_reply(Phase.GREETING, deadline)
        finally:
            if check is not None:
                check.stop()
                self.tls_port_version = check.tls_version
                self.plaintext_service = check.plaintext_service
        self.greeting = reply
        if not reply.is_positive:
            raise _Stop(FailureKind.REPLY, Phase.GREETING, f"The server refused the session: {_said(reply)}", reply)

    def _hello(self) -> None:
        name = self.plan.helo_name or default_helo_name(self.transport.local_ip)
        reply = self._exchange(Ehlo(name), Phase.EHLO)
        if reply.code == 250:
            return
        if reply.is_permanent and self.conversation.state is State.GREETED:
            self._quirk(QUIRK_HELO_FALLBACK)
            reply = self._exchange(Helo(name), Phase.EHLO)
            if reply.code == 250:
                return
        raise _Stop(FailureKind.REPLY, Phase.EHLO, f"The server refused {name!r} at EHLO: {_said(reply)}", reply)

    def _starttls(self) -> None:
        capabilities = self.conversation.capabilities
        if capabilities is None or not capabilities.starttls:
            raise _Stop(
                FailureKind.NOT_OFFERED,
                Phase.STARTTLS,
                "The server does not offer STARTTLS on this port (its EHLO reply does not list it).",
            )
        reply = self._exchange(StartTls(), Phase.STARTTLS)
        if reply.code != 220:
            raise _Stop(FailureKind.REPLY, Phase.STARTTLS, f"The server refused STARTTLS: {_said(reply)}", reply)
        leftover = self.conversation.start_tls()
        if leftover:
            self._quirk(QUIRK_DATA_AFTER_STARTTLS)
            self._info(
                f"Discarded {len(leftover)} bytes the server sent after its 220 to STARTTLS, before TLS "
                f"(RFC 3207 §4.2; a broken server or an injection attempt): {_preview(leftover)}"
            )

    def _wants_auth(self) -> bool:
        if self.plan.auth is AuthMethod.NONE:
            return False
        return bool(self.plan.username or self.credentials.password or self.credentials.token)

    def _authenticate(self) -> None:
        mechanism = self._choose_mechanism(self.conversation.capabilities)
        secret = self._secret_for(mechanism)
        exchange = exchange_for(
            mechanism, self.plan.username or "", secret, initial_response=self.plan.behaviour.initial_response
        )
        self.auth_mechanism = mechanism
        reply = self._exchange(exchange.start(), Phase.AUTH)
        rounds = 0
        while reply.code == 334 and self.conversation.state is State.AUTH_CHALLENGE:
            rounds += 1
            challenge = reply.lines[0].strip() if reply.lines else ""
            self._explain_challenge(mechanism, challenge)
            response = exchange.respond(challenge) if rounds <= _MAX_SASL_ROUNDS else AuthResponse(CANCEL)
            if exchange.xoauth2_error is not None and self.xoauth2_error is None:
                self.xoauth2_error = exchange.xoauth2_error
            reply = self._exchange(response, Phase.AUTH)
        if not self.conversation.authenticated:
            raise _Stop(FailureKind.REPLY, Phase.AUTH, f"AUTH {mechanism} was refused: {_said(reply)}", reply)
        self._info(f"Authenticated with AUTH {mechanism}")

    def _send_message(self) -> None:
        if not self.plan.message.rcpt_to:
            self._info("No recipient given: the test stops before sending a message")
            return
        if self.plan.behaviour.pipelining and self.conversation.pipelining:
            self._info("The server offers PIPELINING: MAIL FROM, RCPT TO and DATA go in one write")
            self._pipelined_transaction()
        else:
            self._transaction()

    def _prepare(self) -> tuple[MailFrom, list[RcptTo], DataBody]:
        """The envelope and the message; SIZE= only when the server offered SIZE."""
        spec = self.plan.message
        body = DataBody(
            build_message(
                spec,
                now=datetime.now().astimezone(),
                profile_name=self.plan.profile_name,
                fallback_from=self.plan.username,
            )
        )
        capabilities = self.conversation.capabilities
        size = len(body.to_wire()) if capabilities is not None and capabilities.size is not None else None
        return MailFrom(spec.mail_from, size), [RcptTo(address) for address in spec.rcpt_to], body

    def _transaction(self) -> None:
        """MAIL, each RCPT and DATA, each waiting for its reply (no PIPELINING)."""
        with self._phase(Phase.MAIL_FROM):
            mail, recipients, body = self._prepare()
            mail_reply = self._exchange(mail, Phase.MAIL_FROM)
            self._judge_sender(mail_reply)
        with self._phase(Phase.RCPT_TO) as step:
            replies = [self._exchange(rcpt, Phase.RCPT_TO) for rcpt in recipients]
            step.ok = self._judge_recipients(replies)
        with self._phase(Phase.DATA):
            data_reply = self._exchange(Data(), Phase.DATA)
            self._judge_data(data_reply)
            self._send_body(body)

    def _pipelined_transaction(self) -> None:
        """MAIL, every RCPT and DATA in one write (RFC 2920), then their replies in order."""
        deadline = self._deadline(self.plan.timeouts.command)
        with self._phase(Phase.MAIL_FROM) as step:
            mail, recipients, body = self._prepare()
            wire = self._queue(mail, Phase.MAIL_FROM)
            wire += b"".join(self._queue(rcpt, Phase.RCPT_TO) for rcpt in recipients)
            wire += self._queue(Data(), Phase.DATA)
            self.transport.send(wire, deadline)
            mail_reply = self._read_reply(Phase.MAIL_FROM, deadline)
            step.ok = mail_reply.is_positive
        with self._phase(Phase.RCPT_TO) as step:
            replies = [self._read_reply(Phase.RCPT_TO, deadline) for _ in recipients]
            step.ok = mail_reply.is_positive and all(r.is_positive for r in replies)
        with self._phase(Phase.DATA):
            data_reply = self._read_reply(Phase.DATA, deadline)
            nobody = not (mail_reply.is_positive and any(r.is_positive for r in replies))
            if data_reply.code == 354 and nobody:
                # RFC 2920 §3.1: the server should have refused DATA; end the empty message at once.
                self._exchange(DataBody(b""), Phase.DATA)
            self._judge_sender(mail_reply)
            self._judge_recipients(replies)
            self._judge_data(data_reply)
            self._send_body(body)

    def _judge_sender(self, reply: Reply) -> None:
        if not reply.is_positive:
            raise _Stop(FailureKind.REPLY, Phase.MAIL_FROM, f"The sender was refused: {_said(reply)}", reply)

    def _judge_recipients(self, replies: list[Reply]) -> bool:
        """True when every recipient was accepted; stops when none was; notes a partial refusal."""
        refused = [r for r in replies if not r.is_positive]
        if not refused:
            return True
        message = f"A recipient was refused: {_said(refused[0])}"
        if len(refused) == len(replies):
            raise _Stop(FailureKind.REPLY, Phase.RCPT_TO, message, refused[0])
        # Some recipients were accepted: the message still goes to them, and the refusal is the finding.
        self._fail(FailureKind.REPLY, Phase.RCPT_TO, message, reply=refused[0])
        return False

    def _judge_data(self, reply: Reply) -> None:
        if reply.code != 354:
            raise _Stop(FailureKind.REPLY, Phase.DATA, f"The server refused DATA: {_said(reply)}", reply)

    def _send_body(self, body: DataBody) -> None:
        deadline = self._deadline(self.plan.timeouts.data_end)
        wire = self._queue(body, Phase.DATA)
        if self.plan.behaviour.pipelining and self.conversation.can_send(Quit()):
            # RFC 2920 §3.1: the message may open a pipelined group and QUIT may end it, so the 221
            # comes back with the message's reply instead of costing one more round trip.
            wire += self._queue(Quit(), Phase.QUIT)
        self.transport.send(wire, deadline)
        reply = self._read_reply(Phase.DATA, deadline)
        if not reply.is_positive:
            raise _Stop(FailureKind.REPLY, Phase.DATA, f"The message was refused: {_said(reply)}", reply)
        self.message_accepted = True
        self._info(f"The server accepted the message ({len(body.content)} bytes)")

    def _quit(self, *, after_failure: bool) -> None:
        pending = self.conversation.pending
        already_sent = len(pending) == 1 and isinstance(pending[0], Quit)  # pipelined after the message
        if not already_sent and (pending or not self.conversation.can_send(Quit())):
            return
        with self._phase(Phase.QUIT) as step:
            deadline = self._deadline(min(self.plan.timeouts.command, _QUIT_SECONDS))
            try:
                if already_sent:
                    self._read_reply(Phase.QUIT, deadline)
                else:
                    self._exchange(Quit(), Phase.QUIT, deadline)
            except ConnectionClosed:
                self._info("The server closed the connection after QUIT")
            except ReadTimeout:
                step.ok = after_failure  # a missing goodbye never hides the real failure
                self._info("No reply to QUIT (harmless: the session was over)")

    # -- mechanism choice --------------------------------------------------------------------------

    def _choose_mechanism(self, capabilities: Capabilities | None) -> str:
        offered = capabilities.auth_mechanisms if capabilities else ()
        if not offered:
            raise _Stop(FailureKind.NOT_OFFERED, Phase.AUTH, self._no_auth_message(capabilities))
        if self.plan.auth is AuthMethod.AUTO:
            if self.credentials.token:
                wanted = "XOAUTH2"
            else:
                wanted = next((m for m in _AUTO_ORDER if m in offered), "")
                if not wanted:
                    raise _Stop(
                        FailureKind.NOT_OFFERED,
                        Phase.AUTH,
                        f"The server offers no password mechanism ({', '.join(_AUTO_ORDER)}); "
                        f"it offers {' '.join(offered)}.",
                    )
        else:
            wanted = _EXPLICIT[self.plan.auth]
        if wanted not in offered:
            raise _Stop(
                FailureKind.NOT_OFFERED,
                Phase.AUTH,
                f"The server does not offer AUTH {wanted}; it offers {' '.join(offered)}.",
            )
        self._info(f"Using AUTH {wanted} (the server offers {' '.join(offered)})")
        return wanted

    def _no_auth_message(self, capabilities: Capabilities | None) -> str:
        message = "The server's EHLO reply lists no AUTH: it accepts no login on this connection."
        if capabilities is not None and capabilities.starttls and not self.conversation.tls_active:
            message += " It offers STARTTLS, and servers often offer AUTH only after STARTTLS."
        return message

    def _secret_for(self, mechanism: str) -> str:
        password, token = self.credentials.password, self.credentials.token
        first, second = (token, password) if mechanism == "XOAUTH2" else (password, token)
        chosen = first or second
        return chosen.reveal() if chosen else ""

    def _explain_challenge(self, mechanism: str, challenge: str) -> None:
        if mechanism == "XOAUTH2":
            error = decode_xoauth2_challenge(challenge)
            if error is not None:
                fields = ", ".join(f"{key}={value}" for key, value in error.items())
                self._info(f"The server rejected the token; its XOAUTH2 error says: {fields}")
                return
        text = decode_challenge_text(challenge)
        if text is not None:
            self._info(f"The 334 challenge decodes to '{text}'")

    # -- bytes and events --------------------------------------------------------------------------

    def _exchange(self, command: Command, phase: Phase, deadline: Deadline | None = None) -> Reply:
        deadline = deadline or self._deadline(self.plan.timeouts.command)
        self.transport.send(self._queue(command, phase), deadline)
        return self._read_reply(phase, deadline)

    def _queue(self, command: Command, phase: Phase) -> bytes:
        """Let the conversation accept ``command``, record it, and return its bytes."""
        wire = self.conversation.send(command)
        lines = command.display_lines() if isinstance(command, DataBody) else (command.display(),)
        for line in lines:
            self.transcript.add(EventKind.CLIENT, line, phase)
        return wire

    def _read_reply(self, phase: Phase, deadline: Deadline) -> Reply:
        while True:
            reply = self.conversation.next_reply()
            if reply is not None:
                reply = self._redacted(reply)
                self.replies.append((phase, reply))
                for line in reply.wire_lines():
                    self.transcript.add(EventKind.SERVER, line, phase)
                return reply
            data = self.transport.recv(deadline)
            self.conversation.receive_data(data)
            for quirk in self.conversation.quirks:
                self._quirk(quirk)

    def _redacted(self, reply: Reply) -> Reply:
        """The reply as kept in the result: a server that echoes a secret must not put it there."""
        lines = tuple(self.redactor(line) for line in reply.lines)
        return reply if lines == reply.lines else Reply(reply.code, lines)

    def _redacted_capabilities(self, capabilities: Capabilities | None) -> Capabilities | None:
        if capabilities is None:
            return None
        return dataclasses.replace(capabilities, raw=tuple(self.redactor(line) for line in capabilities.raw))

    def _record_tls(self, info: TlsInfo) -> None:
        self.tls = info
        for line in describe(info, self.plan.host):
            self._info(line, kind=EventKind.TLS)

    def _tls_context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = build_context(self.plan.tls)
        return self._context

    def _quirk(self, name: str) -> None:
        if name in self.quirks:
            return
        self.quirks.append(name)
        if name in QUIRK_NOTES:
            self._info(QUIRK_NOTES[name])

    def _info(self, text: str, *, kind: EventKind = EventKind.INFO) -> None:
        self.transcript.add(kind, text, self.phase)

    def _deadline(self, seconds: float) -> Deadline:
        return self.total.child(seconds)

    @contextmanager
    def _phase(self, phase: Phase) -> Iterator[_Step]:
        self.phase = phase
        self.listener.on_phase_started(phase)
        began = time.monotonic()
        step = _Step()
        try:
            yield step
        except BaseException:
            step.ok = False
            raise
        finally:
            outcome = PhaseOutcome(phase, step.ok, (time.monotonic() - began) * 1000.0)
            self.phases.append(outcome)
            self.listener.on_phase_finished(outcome)

    # -- failures ----------------------------------------------------------------------------------

    def _fail(
        self,
        kind: FailureKind,
        phase: Phase,
        message: str,
        *,
        reply: Reply | None = None,
        os_error: str | None = None,
        ssl_reason: str | None = None,
        verify_code: int | None = None,
    ) -> None:
        """Record the failure (the first one wins) and its ERROR event."""
        if self.failure is not None:
            return
        event = self.transcript.add(EventKind.ERROR, message, phase)
        self.failure = Failure(kind, phase, event.text, reply, os_error, ssl_reason, verify_code, event.index)

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
        self._fail(kind, phase, message, os_error=os_error, ssl_reason=ssl_reason, verify_code=verify_code)

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
            message += f" It had sent only part of a line: {_preview(partial)}"
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
            capabilities_before_tls=self._redacted_capabilities(conversation.capabilities_before_tls),
            capabilities_after_tls=self._redacted_capabilities(conversation.capabilities_after_tls),
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


def _said(reply: Reply) -> str:
    """A reply on one line, code first, as people quote it: ``535 5.7.8 Authentication failed``."""
    return f"{reply.code} {reply.text}".strip()


def _preview(data: bytes) -> str:
    shown = data[:_PREVIEW_BYTES].decode("utf-8", errors="backslashreplace")
    escaped = shown.encode("unicode_escape").decode("ascii")
    return f"'{escaped}'" + (f" … ({len(data)} bytes in all)" if len(data) > _PREVIEW_BYTES else "")


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
