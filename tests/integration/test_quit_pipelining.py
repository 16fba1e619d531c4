"""QUIT rides with the message when the server offers PIPELINING (RFC 2920 §3.1), saving a round trip.

The message content may open a pipelined group and QUIT may end it, so the engine writes
``<message> . QUIT`` at once and then reads the message's reply and the ``221``. Without
PIPELINING (or with pipelining switched off, as some printers do) QUIT waits for the reply.
The conversation-level rules are checked here as well.
"""

from __future__ import annotations

import pytest

from core.errors import LocalProtocolError
from core.model import ClientBehaviour, Credentials, MessageSpec, SecurityMode
from core.probe.phases import Phase
from core.probe.result import FailureKind, ProbeResult
from core.smtp.commands import Data, DataBody, Ehlo, MailFrom, Noop, Quit, RcptTo
from core.smtp.conversation import ClientConversation, State
from tests.integration.scripted import Peer, ScriptedServer
from tests.integration.support import plan, run_checked

pytestmark = pytest.mark.network

END_OF_DATA = b"\r\n.\r\n"
SPEC = MessageSpec("scanner@example.com", ("bob@example.org",))


def _until_end_of_data(peer: Peer) -> bytes:
    """Everything the client sent up to and including the final dot (and what came in the same reads)."""
    data = b""
    while END_OF_DATA not in data:
        chunk = peer.chunk()
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _serve_transaction(peer: Peer, keywords: tuple[bytes, ...], seen: list[bytes], final: bytes) -> None:
    peer.send(b"220 mx.scripted.test ESMTP\r\n")
    peer.ehlo(*keywords)
    for command, reply in ((b"MAIL", b"250 2.1.0 ok"), (b"RCPT", b"250 2.1.5 ok"), (b"DATA", b"354 go ahead")):
        peer.expect(command)
        peer.send(reply + b"\r\n")
    with_dot = _until_end_of_data(peer)
    seen.append(with_dot)
    if with_dot.endswith(b"QUIT\r\n"):
        peer.send(final + b"221 2.0.0 Bye\r\n")  # both replies in one write, as Postfix sends them
        return
    peer.send(final)
    peer.quit()


def _run(keywords: tuple[bytes, ...], final: bytes, *, pipelining: bool = True) -> tuple[ProbeResult, bytes]:
    seen: list[bytes] = []
    with ScriptedServer(lambda peer: _serve_transaction(peer, keywords, seen, final)) as server:
        probe_plan = plan(
            server.port,
            SecurityMode.NONE,
            username=None,
            message=SPEC,
            behaviour=ClientBehaviour(pipelining=pipelining),
        )
        result = run_checked(probe_plan, Credentials())
    assert not server.errors
    return result, seen[0]


def _quit_reply_code(result: ProbeResult) -> int | None:
    return next((reply.code for phase, reply in result.replies if phase is Phase.QUIT), None)


def test_quit_goes_in_the_same_write_as_the_message_when_pipelining() -> None:
    result, sent = _run((b"PIPELINING",), b"250 2.0.0 queued\r\n")
    assert sent.endswith(END_OF_DATA + b"QUIT\r\n")
    assert result.ok, result.failure
    assert result.message_accepted
    assert _quit_reply_code(result) == 221
    assert [p.phase for p in result.phases][-1] is Phase.QUIT
    assert all(p.ok for p in result.phases)


def test_quit_waits_for_the_reply_without_pipelining() -> None:
    for keywords, pipelining in (((b"SIZE 100000",), True), ((b"PIPELINING",), False)):
        result, sent = _run(keywords, b"250 2.0.0 queued\r\n", pipelining=pipelining)
        assert sent.endswith(END_OF_DATA), keywords
        assert result.ok, result.failure
        assert _quit_reply_code(result) == 221


def test_a_refused_message_with_quit_pipelined_still_reads_the_221() -> None:
    result, sent = _run((b"PIPELINING",), b"554 5.7.1 Message rejected as spam\r\n")
    assert sent.endswith(b"QUIT\r\n")
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.DATA)
    assert result.failure.reply is not None
    assert result.failure.reply.code == 554
    assert _quit_reply_code(result) == 221
    assert not result.message_accepted


def _in_body(pipelining: bool) -> ClientConversation:
    conversation = ClientConversation()
    conversation.receive_data(b"220 hi\r\n")
    assert conversation.next_reply() is not None
    conversation.send(Ehlo("client.example"))
    conversation.receive_data(b"250-mx\r\n250 PIPELINING\r\n" if pipelining else b"250 mx\r\n")
    assert conversation.next_reply() is not None
    for command, answer in ((MailFrom("a@example.com"), b"250 ok\r\n"), (RcptTo("b@example.org"), b"250 ok\r\n")):
        conversation.send(command)
        conversation.receive_data(answer)
        assert conversation.next_reply() is not None
    conversation.send(Data())
    conversation.receive_data(b"354 go\r\n")
    assert conversation.next_reply() is not None
    conversation.send(DataBody(b"Subject: x\r\n\r\nhi\r\n"))
    return conversation


def test_conversation_lets_quit_or_noop_follow_the_message_only_with_pipelining() -> None:
    conversation = _in_body(pipelining=True)
    assert conversation.can_send(Noop())
    assert not conversation.can_send(Ehlo("client.example"))  # EHLO may only end a group after a reply
    assert conversation.send(Quit()) == b"QUIT\r\n"
    conversation.receive_data(b"250 queued\r\n221 bye\r\n")
    assert conversation.next_reply() is not None
    assert conversation.next_reply() is not None
    assert conversation.state is State.CLOSED
    assert conversation.pending == ()

    conversation = _in_body(pipelining=False)
    with pytest.raises(LocalProtocolError, match="must wait for the reply"):
        conversation.send(Quit())
