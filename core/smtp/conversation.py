"""The client side of an SMTP session as a sans-I/O state machine (in the style of h11).

Theory of operation
-------------------
The conversation never touches a socket or a clock. The caller moves bytes:

* ``send(command) -> bytes`` checks that the command is legal now, records that a reply is
  owed, and returns the bytes to write;
* ``receive_data(bytes)`` hands over whatever the socket produced;
* ``next_reply() -> Reply | None`` gives the next complete reply (None: read more bytes),
  applies its effect on the state, and says which command it answered (``answered``);
* ``start_tls() -> bytes`` is called after the ``220`` to STARTTLS, before the handshake.

Two things determine what may be sent:

1. The *state* (:class:`State`) — where the session is: greeted, EHLO accepted, in a mail
   transaction, ... It moves on ``send`` for the commands that open a step (MAIL, RCPT, DATA,
   AUTH, QUIT) and on replies for the rest (250 to EHLO, 334/235 to AUTH, 354 to DATA, 220 to
   STARTTLS). The legal commands per state are the table ``ALLOWED``.
2. The *queue of commands waiting for a reply*. Replies come back strictly in order, so each
   reply is paired with the oldest waiting command. With nothing waiting, any command legal in
   the state may go. With replies still owed, another command may go only when the server
   offered PIPELINING, every waiting command is one RFC 2920 lets be followed (MAIL, RCPT, RSET,
   and the message content after 354), and the new one may be in a group (MAIL, RCPT, RSET) or
   end it (DATA, NOOP, QUIT).

Pipelined sends are optimistic: after MAIL the state is MAIL at once so that RCPT can follow;
a negative reply to MAIL then takes the state back to READY, and the server's own refusals of
the RCPT and DATA that followed keep it there.

Failures: an illegal ``send`` raises :class:`LocalProtocolError` and changes nothing (it is the
caller's bug). Bytes that are not SMTP raise :class:`RemoteProtocolError` from ``next_reply`` and
move the conversation to ``ERROR``, where nothing more may be sent. A ``421`` (the server is
closing the channel) moves it to ``CLOSED``, whatever it answered.

STARTTLS (RFC 3207 §4.2): after the ``220``, ``next_reply`` stops reading; ``start_tls`` returns
every byte the server sent after that ``220`` (which must be discarded, and which the caller
reports), forgets the capabilities, and the session starts over from GREETED (EHLO again).
"""

from __future__ import annotations

import enum
from collections import deque

from core.errors import LocalProtocolError, RemoteProtocolError
from core.smtp.capabilities import Capabilities
from core.smtp.commands import (
    Auth,
    AuthResponse,
    Command,
    Data,
    DataBody,
    Ehlo,
    Helo,
    MailFrom,
    Noop,
    Quit,
    RcptTo,
    Rset,
    StartTls,
)
from core.smtp.events import Reply
from core.smtp.replies import ReplyReader


class State(enum.Enum):
    CONNECTED = "connected"  # waiting for the greeting
    GREETED = "greeted"  # 220 greeting (or TLS just started): EHLO or HELO next
    REFUSED = "refused"  # the greeting was a refusal (554): only QUIT makes sense
    READY = "ready"  # EHLO/HELO accepted: STARTTLS, AUTH or MAIL may follow
    TLS_PENDING = "tls_pending"  # 220 to STARTTLS: the TLS handshake must come next
    AUTH = "auth"  # AUTH (or an answer to its challenge) sent, reply owed
    AUTH_CHALLENGE = "auth_challenge"  # 334 received: an AuthResponse must follow
    MAIL = "mail"  # MAIL sent: the transaction is open
    RCPT = "rcpt"  # at least one RCPT sent
    DATA = "data"  # DATA sent, waiting for 354
    BODY = "body"  # 354 received: the message goes next (and then its reply)
    QUIT = "quit"  # QUIT sent
    CLOSED = "closed"  # the server is closing (221 to QUIT, or 421)
    ERROR = "error"  # the server broke the protocol


_SESSION = {Noop, Rset, Quit}
ALLOWED: dict[State, frozenset[type[Command]]] = {
    State.CONNECTED: frozenset(),
    State.GREETED: frozenset({Ehlo, Helo, *_SESSION}),
    State.REFUSED: frozenset({Quit}),
    State.READY: frozenset({Ehlo, Helo, StartTls, Auth, MailFrom, *_SESSION}),
    State.TLS_PENDING: frozenset(),
    State.AUTH: frozenset(),
    State.AUTH_CHALLENGE: frozenset({AuthResponse}),
    State.MAIL: frozenset({RcptTo, *_SESSION}),
    State.RCPT: frozenset({RcptTo, Data, *_SESSION}),
    State.DATA: frozenset(),
    State.BODY: frozenset({DataBody}),
    State.QUIT: frozenset(),
    State.CLOSED: frozenset(),
    State.ERROR: frozenset(),
}

# The state a command moves to as soon as it is sent (the others wait for their reply).
_ON_SEND: dict[type[Command], State] = {
    Auth: State.AUTH,
    AuthResponse: State.AUTH,
    MailFrom: State.MAIL,
    RcptTo: State.RCPT,
    Data: State.DATA,
    # The transaction is over once the message is sent (a refusal changes nothing): QUIT, RSET or
    # MAIL may follow it in the same pipelined group (RFC 2920 §3.1).
    DataBody: State.READY,
    Quit: State.QUIT,
}

# RFC 2920 §3.1: commands that may end a pipelined group.
_GROUP_ENDERS = frozenset({Data, Noop, Quit})


class ClientConversation:
    """One SMTP session seen from the client, from the greeting to QUIT."""

    def __init__(self, *, tls_active: bool = False) -> None:
        self.state = State.CONNECTED
        self.tls_active = tls_active
        self.authenticated = False
        self.capabilities: Capabilities | None = None
        self.capabilities_before_tls: Capabilities | None = None
        self.capabilities_after_tls: Capabilities | None = None
        self.answered: Command | None = None  # what the last reply from next_reply() answered
        self._reader = ReplyReader()
        self._waiting: deque[Command] = deque()

    # -- what the caller may ask -----------------------------------------------------------------

    @property
    def pending(self) -> tuple[Command, ...]:
        """Commands sent whose replies have not been read yet, oldest first."""
        return tuple(self._waiting)

    @property
    def pipelining(self) -> bool:
        return bool(self.capabilities and self.capabilities.pipelining)

    @property
    def quirks(self) -> tuple[str, ...]:
        return self._reader.quirks

    def partial_line(self) -> bytes:
        """Bytes of a reply line that has started but not ended (shown when the server stalls)."""
        return self._reader.partial_line()

    def can_send(self, command: Command) -> bool:
        return self._refusal(command) is None

    # -- moving bytes ------------------------------------------------------------------------------

    def send(self, command: Command) -> bytes:
        """The bytes for ``command``; LocalProtocolError (state unchanged) if it is not allowed now."""
        refusal = self._refusal(command)
        if refusal is not None:
            raise LocalProtocolError(refusal)
        wire = command.to_wire()
        self._waiting.append(command)
        self.state = _ON_SEND.get(type(command), self.state)
        return wire

    def receive_data(self, data: bytes) -> None:
        self._reader.feed(data)

    def next_reply(self) -> Reply | None:
        """The next reply, with its effect applied; None when more bytes are needed."""
        if self.state in (State.TLS_PENDING, State.ERROR):
            return None  # after STARTTLS's 220 nothing more is read in plaintext
        try:
            reply = self._reader.next_reply()
        except RemoteProtocolError:
            self.state = State.ERROR
            raise
        if reply is None:
            return None
        if self.state is State.CONNECTED:
            self.answered = None
            self.state = State.GREETED if reply.is_positive else State.REFUSED
        elif self._waiting:
            self.answered = self._waiting.popleft()
            self._apply(self.answered, reply)
        elif reply.code == 421:
            self.answered = None  # RFC 5321 §3.8: a server may announce shutdown at any time
        else:
            self.state = State.ERROR
            raise RemoteProtocolError(
                f"The server sent a reply no command was waiting for: {' / '.join(reply.wire_lines())[:120]}"
            )
        if reply.code == 421:
            self.state = State.CLOSED
        return reply

    def start_tls(self) -> bytes:
        """Begin the TLS layer after STARTTLS's 220; returns (and discards) bytes sent after it."""
        if self.state is not State.TLS_PENDING:
            raise LocalProtocolError(f"TLS can start only after the server's 220 to STARTTLS (now {self.state.value}).")
        leftover = self._reader.drain()
        self.tls_active = True
        self.capabilities = None  # RFC 3207 §4.2: forget everything learned before TLS
        self.state = State.GREETED
        return leftover

    # -- rules -----------------------------------------------------------------------------------

    def _refusal(self, command: Command) -> str | None:
        kind = type(command)
        if kind not in ALLOWED[self.state]:
            return f"{command.verb} cannot be sent now (state {self.state.value})."
        if self._waiting and not self._may_pipeline(kind):
            return f"{command.verb} must wait for the reply to {self._waiting[-1].verb}."
        if kind is StartTls and self.tls_active:
            return "TLS is already active on this connection."
        if kind is Auth and self.authenticated:
            return "The session is already authenticated."
        if isinstance(command, MailFrom) and command.size is not None and not self._offers_size():
            return "SIZE= can be sent only when the server's EHLO offered SIZE."
        return None

    def _may_pipeline(self, kind: type[Command]) -> bool:
        # RFC 2920 §3.1: "The actual transfer of message content is explicitly allowed to be the
        # first 'command' in a group", so a message awaiting its reply may be followed too.
        if not self.pipelining or not all(c.pipelinable or isinstance(c, DataBody) for c in self._waiting):
            return False
        return kind.pipelinable or kind in _GROUP_ENDERS

    def _offers_size(self) -> bool:
        return self.capabilities is not None and self.capabilities.size is not None

    def _apply(self, command: Command, reply: Reply) -> None:
        """The state change a reply to ``command`` causes."""
        if isinstance(command, Ehlo):
            if reply.code == 250:
                self._learn(Capabilities.from_ehlo(reply))
        elif isinstance(command, Helo):
            if reply.code == 250:
                self._learn(Capabilities())
        elif isinstance(command, StartTls):
            if reply.code == 220:
                self.state = State.TLS_PENDING
        elif isinstance(command, (Auth, AuthResponse)):
            self._after_auth(reply)
        elif isinstance(command, MailFrom):
            if not reply.is_positive and self.state in (State.MAIL, State.RCPT):
                self.state = State.READY
        elif isinstance(command, Data):
            self.state = State.BODY if reply.code == 354 else State.READY
        elif isinstance(command, DataBody):
            self.state = State.READY
        elif isinstance(command, Rset):
            if reply.is_positive and self.state in (State.MAIL, State.RCPT):
                self.state = State.READY
        elif isinstance(command, Quit):
            self.state = State.CLOSED

    def _learn(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities
        if self.tls_active:
            self.capabilities_after_tls = capabilities
        else:
            self.capabilities_before_tls = capabilities
        if self.state is State.GREETED:
            self.state = State.READY

    def _after_auth(self, reply: Reply) -> None:
        if reply.code == 334:
            self.state = State.AUTH_CHALLENGE
            return
        self.state = State.READY
        if reply.code == 235:
            self.authenticated = True
