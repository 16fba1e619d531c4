"""The shared mechanism of one probe run: bytes out, replies in, and everything recorded on the way.

``ProbeSession`` holds the state the phases share (plan, transport, sans-I/O conversation,
transcript, replies, quirks, the first failure) and the few operations every phase uses: queue
and send a command, read one reply, note a quirk or an INFO line, open a phase for the step bar,
record a failure. The phases themselves live beside it: the connection ones in ``runner``, the
AUTH exchange in ``auth``, the message transaction in ``transaction``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from core.cancel import CancelToken
from core.model import Credentials, ProbePlan, SecurityMode
from core.probe.listener import ProbeListener
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, PhaseOutcome, TlsInfo
from core.probe.transcript import EventKind, Redactor, Transcript, TranscriptEvent
from core.smtp.capabilities import Capabilities
from core.smtp.commands import Command, DataBody
from core.smtp.conversation import ClientConversation
from core.smtp.events import Reply
from core.smtp.sasl import secret_wire_forms
from core.transport.deadline import Deadline
from core.transport.socket_transport import SocketTransport

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
_PREVIEW_BYTES = 300


class GuardedListener:
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


class Stop(Exception):
    """Ends the session with a failure the runner has already understood."""

    def __init__(self, kind: FailureKind, phase: Phase, message: str, reply: Reply | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.phase = phase
        self.message = message
        self.reply = reply


@dataclass
class StepState:
    """A running phase; ``ok`` may be cleared by a phase that carries on after a problem."""

    ok: bool = True


class ProbeSession:
    """The state one run's phases share, and the operations they all use."""

    def __init__(
        self, plan: ProbePlan, credentials: Credentials, listener: GuardedListener, cancel: CancelToken
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
        self.tls_port_version: str | None = None  # set when a silent port answered TLS on a second connection
        self.plaintext_service: str | None = None  # set when it answered our TLS hello in plaintext ("HTTP")

    # -- bytes and events --------------------------------------------------------------------------

    def exchange(self, command: Command, phase: Phase, deadline: Deadline | None = None) -> Reply:
        deadline = deadline or self.deadline(self.plan.timeouts.command)
        self.transport.send(self.queue(command, phase), deadline)
        return self.read_reply(phase, deadline)

    def queue(self, command: Command, phase: Phase) -> bytes:
        """Let the conversation accept ``command``, record it, and return its bytes."""
        wire = self.conversation.send(command)
        lines = command.display_lines() if isinstance(command, DataBody) else (command.display(),)
        for line in lines:
            self.transcript.add(EventKind.CLIENT, line, phase)
        return wire

    def read_reply(self, phase: Phase, deadline: Deadline) -> Reply:
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
                self.quirk(quirk)

    def _redacted(self, reply: Reply) -> Reply:
        """The reply as kept in the result: a server that echoes a secret must not put it there."""
        lines = tuple(self.redactor(line) for line in reply.lines)
        return reply if lines == reply.lines else Reply(reply.code, lines)

    def redacted_capabilities(self, capabilities: Capabilities | None) -> Capabilities | None:
        if capabilities is None:
            return None
        return dataclasses.replace(capabilities, raw=tuple(self.redactor(line) for line in capabilities.raw))

    def quirk(self, name: str) -> None:
        if name in self.quirks:
            return
        self.quirks.append(name)
        if name in QUIRK_NOTES:
            self.info(QUIRK_NOTES[name])

    def info(self, text: str, *, kind: EventKind = EventKind.INFO) -> None:
        self.transcript.add(kind, text, self.phase)

    def deadline(self, seconds: float) -> Deadline:
        return self.total.child(seconds)

    @contextmanager
    def step(self, phase: Phase) -> Iterator[StepState]:
        """Run one phase: it becomes the current phase, and the step bar hears its start and outcome."""
        self.phase = phase
        self.listener.on_phase_started(phase)
        began = time.monotonic()
        state = StepState()
        try:
            yield state
        except BaseException:
            state.ok = False
            raise
        finally:
            outcome = PhaseOutcome(phase, state.ok, (time.monotonic() - began) * 1000.0)
            self.phases.append(outcome)
            self.listener.on_phase_finished(outcome)

    # -- failures ----------------------------------------------------------------------------------

    def fail(
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


def preview(data: bytes) -> str:
    shown = data[:_PREVIEW_BYTES].decode("utf-8", errors="backslashreplace")
    escaped = shown.encode("unicode_escape").decode("ascii")
    return f"'{escaped}'" + (f" … ({len(data)} bytes in all)" if len(data) > _PREVIEW_BYTES else "")
