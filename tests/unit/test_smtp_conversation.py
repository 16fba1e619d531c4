"""ClientConversation: the legal sequences, the illegal ones, pipelining, STARTTLS, and fuzzing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from core.errors import LocalProtocolError, RemoteProtocolError
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
from core.smtp.conversation import ClientConversation, State
from core.smtp.events import Reply

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "smtp-doctor-hypothesis")

EHLO_PLAIN = b"250-mx.example.com\r\n250-SIZE 10000\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
EHLO_PIPELINING = b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250 AUTH PLAIN LOGIN\r\n"


def state_of(conversation: ClientConversation) -> State:
    return conversation.state  # read through a call: mypy would otherwise pin the attribute's value


def reply(conversation: ClientConversation, data: bytes) -> Reply:
    conversation.receive_data(data)
    got = conversation.next_reply()
    assert got is not None
    return got


def ready(ehlo: bytes = EHLO_PLAIN, *, tls_active: bool = False) -> ClientConversation:
    conversation = ClientConversation(tls_active=tls_active)
    reply(conversation, b"220 mx.example.com ESMTP\r\n")
    conversation.send(Ehlo("client.example"))
    reply(conversation, ehlo)
    assert state_of(conversation) is State.READY
    return conversation


def test_a_whole_session_step_by_step() -> None:
    c = ClientConversation()
    assert state_of(c) is State.CONNECTED
    with pytest.raises(LocalProtocolError):
        c.send(Ehlo("client.example"))  # the greeting comes first
    assert reply(c, b"220 hi\r\n").code == 220
    assert c.answered is None  # the greeting answers no command
    steps: list[tuple[Command, bytes, State]] = [
        (Ehlo("client.example"), EHLO_PIPELINING, State.READY),
        (Auth("PLAIN", "AGEAYg=="), b"235 2.7.0 ok\r\n", State.READY),
        (MailFrom("a@example.com", 100), b"250 ok\r\n", State.MAIL),
        (RcptTo("b@example.org"), b"250 ok\r\n", State.RCPT),
        (Data(), b"354 go\r\n", State.BODY),
        (DataBody(b"Subject: x\r\n\r\nhi\r\n"), b"250 queued\r\n", State.READY),
        (Quit(), b"221 bye\r\n", State.CLOSED),
    ]
    for command, answer, state in steps:
        c.send(command)
        reply(c, answer)
        assert state_of(c) is state, command
        assert c.answered == command
    assert c.authenticated
    assert c.capabilities_before_tls is not None
    assert c.capabilities_before_tls.auth_mechanisms == ("PLAIN", "LOGIN")


def test_partial_reply_needs_more_data() -> None:
    c = ClientConversation()
    c.receive_data(b"220 hel")
    assert c.next_reply() is None
    assert c.partial_line() == b"220 hel"
    c.receive_data(b"lo\r\n")
    assert c.next_reply() == Reply(220, ("hello",))


def test_ehlo_refused_allows_helo() -> None:
    c = ClientConversation()
    reply(c, b"220 hi\r\n")
    c.send(Ehlo("client.example"))
    reply(c, b"502 5.5.1 EHLO not implemented\r\n")
    assert state_of(c) is State.GREETED
    with pytest.raises(LocalProtocolError):
        c.send(MailFrom("a@example.com"))
    c.send(Helo("client.example"))
    reply(c, b"250 mx\r\n")
    assert state_of(c) is State.READY
    assert c.capabilities is not None
    assert c.capabilities.auth_mechanisms == ()


def test_refused_greeting_allows_only_quit() -> None:
    c = ClientConversation()
    reply(c, b"554 5.7.1 no service for you\r\n")
    assert state_of(c) is State.REFUSED
    with pytest.raises(LocalProtocolError):
        c.send(Ehlo("client.example"))
    assert c.send(Quit()) == b"QUIT\r\n"


def test_starttls_discards_bytes_after_220_and_forgets_capabilities() -> None:
    c = ready()
    c.send(StartTls())
    c.receive_data(b"220 2.0.0 Ready to start TLS\r\n250-INJECTED\r\n250 AUTH PLAIN\r\n")
    assert c.next_reply() == Reply(220, ("2.0.0 Ready to start TLS",))
    assert state_of(c) is State.TLS_PENDING
    assert c.next_reply() is None  # nothing more is read in plaintext
    with pytest.raises(LocalProtocolError):
        c.send(Ehlo("client.example"))  # the handshake must come first
    assert c.start_tls() == b"250-INJECTED\r\n250 AUTH PLAIN\r\n"
    assert c.tls_active
    assert c.capabilities is None
    assert state_of(c) is State.GREETED
    c.send(Ehlo("client.example"))
    reply(c, EHLO_PIPELINING)
    assert c.capabilities_after_tls is not None
    assert c.capabilities_after_tls.pipelining
    assert c.capabilities_before_tls is not None
    assert c.capabilities_before_tls.starttls
    with pytest.raises(LocalProtocolError, match="already active"):
        c.send(StartTls())


def test_start_tls_only_after_the_220() -> None:
    c = ready()
    with pytest.raises(LocalProtocolError, match="220 to STARTTLS"):
        c.start_tls()
    c.send(StartTls())
    reply(c, b"454 4.7.0 TLS not available\r\n")
    assert state_of(c) is State.READY
    with pytest.raises(LocalProtocolError):
        c.start_tls()


def test_auth_challenge_needs_an_answer_and_authenticates_once() -> None:
    c = ready(EHLO_PIPELINING)
    c.send(Auth("LOGIN"))
    with pytest.raises(LocalProtocolError, match="NOOP cannot be sent now"):
        c.send(Noop())
    reply(c, b"334 VXNlcm5hbWU6\r\n")
    assert state_of(c) is State.AUTH_CHALLENGE
    with pytest.raises(LocalProtocolError):
        c.send(MailFrom("a@example.com"))
    c.send(AuthResponse("YWxpY2U="))
    reply(c, b"334 UGFzc3dvcmQ6\r\n")
    c.send(AuthResponse("cHc="))
    reply(c, b"235 2.7.0 ok\r\n")
    assert c.authenticated
    with pytest.raises(LocalProtocolError, match="already authenticated"):
        c.send(Auth("PLAIN", "AGEAYg=="))


def test_failed_auth_returns_to_ready() -> None:
    c = ready(EHLO_PIPELINING)
    c.send(Auth("PLAIN", "AGEAYg=="))
    reply(c, b"535 5.7.8 bad\r\n")
    assert state_of(c) is State.READY
    assert not c.authenticated


def test_without_pipelining_each_command_waits() -> None:
    c = ready()
    c.send(MailFrom("a@example.com"))
    with pytest.raises(LocalProtocolError, match="must wait for the reply to MAIL"):
        c.send(RcptTo("b@example.org"))
    assert state_of(c) is State.MAIL  # a refused send changes nothing
    assert c.pending == (MailFrom("a@example.com"),)


def test_pipelining_queues_mail_rcpt_data_and_pairs_replies_in_order() -> None:
    c = ready(EHLO_PIPELINING)
    commands = [MailFrom("a@example.com"), RcptTo("b@example.org"), RcptTo("c@example.org"), Data()]
    wire = b"".join(c.send(command) for command in commands)
    assert wire == b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n"
    with pytest.raises(LocalProtocolError):
        c.send(Noop())  # DATA ended the group
    c.receive_data(b"250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n")
    answered = []
    while (got := c.next_reply()) is not None:
        answered.append((c.answered, got.code))
    assert answered == list(zip(commands, [250, 250, 550, 354], strict=True))
    assert state_of(c) is State.BODY


def test_pipelined_mail_refusal_ends_the_transaction() -> None:
    c = ready(EHLO_PIPELINING)
    for command in (MailFrom("a@example.com"), RcptTo("b@example.org"), Data()):
        c.send(command)
    c.receive_data(b"550 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n")
    while c.next_reply() is not None:
        pass
    assert state_of(c) is State.READY
    assert c.pending == ()


def test_size_only_when_offered() -> None:
    c = ready(b"250-mx\r\n250 8BITMIME\r\n")
    with pytest.raises(LocalProtocolError, match="SIZE"):
        c.send(MailFrom("a@example.com", 10))
    assert c.send(MailFrom("a@example.com")) == b"MAIL FROM:<a@example.com>\r\n"


def test_rset_ends_the_transaction() -> None:
    c = ready()
    c.send(MailFrom("a@example.com"))
    reply(c, b"250 ok\r\n")
    c.send(Rset())
    reply(c, b"250 flushed\r\n")
    assert state_of(c) is State.READY


def test_data_needs_a_recipient_and_body_needs_354() -> None:
    c = ready()
    c.send(MailFrom("a@example.com"))
    reply(c, b"250 ok\r\n")
    with pytest.raises(LocalProtocolError):
        c.send(Data())
    c.send(RcptTo("b@example.org"))
    reply(c, b"250 ok\r\n")
    c.send(Data())
    reply(c, b"554 5.5.1 no valid recipients\r\n")
    assert state_of(c) is State.READY
    with pytest.raises(LocalProtocolError):
        c.send(DataBody(b"x"))


def test_421_closes_whatever_it_answers() -> None:
    c = ready()
    c.send(Noop())
    reply(c, b"421 4.4.2 shutting down\r\n")
    assert state_of(c) is State.CLOSED
    assert not c.can_send(Quit())


def test_unsolicited_421_closes_and_other_unsolicited_replies_are_errors() -> None:
    c = ready()
    assert reply(c, b"421 4.4.2 idle too long\r\n").code == 421
    assert state_of(c) is State.CLOSED
    c = ready()
    c.receive_data(b"250 surprise\r\n")
    with pytest.raises(RemoteProtocolError, match="no command was waiting"):
        c.next_reply()
    assert state_of(c) is State.ERROR
    assert c.next_reply() is None
    with pytest.raises(LocalProtocolError):
        c.send(Quit())


def test_garbage_moves_to_error() -> None:
    c = ClientConversation()
    c.receive_data(b"SSH-2.0-OpenSSH_9.2\r\n")
    with pytest.raises(RemoteProtocolError, match="SSH"):
        c.next_reply()
    assert state_of(c) is State.ERROR


def test_quirks_come_from_the_reader() -> None:
    c = ClientConversation()
    reply(c, b"220 bare lf\n")
    assert c.quirks == ("bare_lf",)


_COMMANDS = st.sampled_from(
    [
        Ehlo("client.example"),
        Helo("client.example"),
        StartTls(),
        Auth("PLAIN", "AGEAYg=="),
        Auth("LOGIN"),
        AuthResponse("YWxpY2U="),
        AuthResponse(""),
        MailFrom("a@example.com"),
        MailFrom("a@example.com", 10),
        RcptTo("b@example.org"),
        Data(),
        DataBody(b"Subject: x\r\n\r\n.hi\r\n"),
        Rset(),
        Noop(),
        Quit(),
    ]
)
_REPLIES = st.sampled_from(
    [
        b"220 hi\r\n",
        b"250 ok\r\n",
        EHLO_PLAIN,
        EHLO_PIPELINING,
        b"334 \r\n",
        b"235 ok\r\n",
        b"354 go\r\n",
        b"421 bye\r\n",
        b"454 no tls\r\n",
        b"550 no\r\n",
        b"garbage\r\n",
        b"250-half",
    ]
)


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.one_of(_COMMANDS, _REPLIES), max_size=40))
def test_any_sequence_gives_bytes_replies_or_protocol_errors(steps: list[Command | bytes]) -> None:
    c = ClientConversation()
    for step in steps:
        if isinstance(step, bytes):
            c.receive_data(step)
            try:
                while (got := c.next_reply()) is not None:
                    assert isinstance(got, Reply)
            except RemoteProtocolError:
                assert state_of(c) is State.ERROR
            if c.state is State.TLS_PENDING:
                c.start_tls()
            continue
        before = (c.state, c.pending)
        try:
            wire = c.send(step)
        except LocalProtocolError:
            assert (c.state, c.pending) == before
        else:
            assert wire.endswith(b"\r\n")
            assert c.pending[-1] == step
