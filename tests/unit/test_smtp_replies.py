"""ReplyReader: bytes in, replies out, bounded, lenient where real servers need it, strict elsewhere."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from core.errors import RemoteProtocolError
from core.smtp.events import Reply
from core.smtp.replies import MAX_LINE, ReplyReader

# Hypothesis caches in ./.hypothesis by default, which pytest (norecursedirs, warnings as errors)
# then refuses to walk past; keep its files out of the source tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "smtp-doctor-hypothesis")

GOOD = [
    (b"220 mx.example.com ESMTP ready\r\n", [Reply(220, ("mx.example.com ESMTP ready",))], ()),
    (
        b"250-mx.example.com\r\n250-PIPELINING\r\n250 AUTH LOGIN PLAIN\r\n",
        [Reply(250, ("mx.example.com", "PIPELINING", "AUTH LOGIN PLAIN"))],
        (),
    ),
    (b"250\r\n", [Reply(250, ("",))], ()),
    (b"334 \r\n", [Reply(334, ("",))], ()),
    (b"235 ok\r\n221 bye\r\n", [Reply(235, ("ok",)), Reply(221, ("bye",))], ()),
    (b"220 bare\n250-a\n250 b\n", [Reply(220, ("bare",)), Reply(250, ("a", "b"))], ("bare_lf",)),
    (b"220 caf\xe9\r\n", [Reply(220, ("caf\ufffd",))], ("invalid_utf8",)),
    (b"250 caf\xc3\xa9\r\n", [Reply(250, ("café",))], ()),
    (b"535 5.7.139 Authentication unsuccessful\r\n", [Reply(535, ("5.7.139 Authentication unsuccessful",))], ()),
]


def read_all(reader: ReplyReader) -> list[Reply]:
    replies = []
    while (reply := reader.next_reply()) is not None:
        replies.append(reply)
    return replies


@pytest.mark.parametrize(("data", "expected", "quirks"), GOOD)
def test_replies_parse_whole(data: bytes, expected: list[Reply], quirks: tuple[str, ...]) -> None:
    reader = ReplyReader()
    reader.feed(data)
    assert read_all(reader) == expected
    assert reader.quirks == quirks


@pytest.mark.parametrize(("data", "expected", "quirks"), GOOD)
def test_replies_parse_byte_by_byte(data: bytes, expected: list[Reply], quirks: tuple[str, ...]) -> None:
    reader = ReplyReader()
    replies = []
    for byte in data:
        reader.feed(bytes([byte]))
        replies += read_all(reader)
    assert replies == expected
    assert reader.quirks == quirks


def test_incomplete_reply_waits_for_more() -> None:
    reader = ReplyReader()
    reader.feed(b"250-first\r\n250 sec")
    assert reader.next_reply() is None
    assert reader.partial_line() == b"250 sec"
    reader.feed(b"ond\r\n")
    assert reader.next_reply() == Reply(250, ("first", "second"))


BAD = [
    (b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n", "SSH"),
    (b"HTTP/1.1 400 Bad Request\r\n", "HTTP"),
    (b"+OK POP3 server ready\r\n", "POP3"),
    (b"* OK IMAP4rev1 ready\r\n", "IMAP"),
    (b"\x16\x03\x03\x00\x4a\x02", "TLS"),  # a ServerHello: no newline needed to tell
    (b"\x15\x03\x03\x00\x02\x02\x46", "TLS"),  # a TLS alert
    (b"100 continue\r\n", "reply code 100"),
    (b"600 what\r\n", "reply code 600"),
    (b"250-first\r\n251 second\r\n", "changed its code from 250 to 251"),
    (b"25\r\n", "not an SMTP reply: '25'"),
    (b"250x\r\n", "not an SMTP reply"),
    (b"\r\n", "empty line"),
    (b"hello there\r\n", "not an SMTP reply: 'hello there'"),
    (b"x" * 100, "not an SMTP reply"),  # text without a line end is judged after 64 bytes
]


@pytest.mark.parametrize(("data", "fragment"), BAD)
def test_not_smtp_raises_remote_protocol_error(data: bytes, fragment: str) -> None:
    reader = ReplyReader()
    reader.feed(data)
    with pytest.raises(RemoteProtocolError, match=fragment.replace("(", r"\(")):
        read_all(reader)
    with pytest.raises(RemoteProtocolError):  # the reader stays failed: the stream is out of step
        reader.next_reply()


def test_replies_before_garbage_are_delivered_first() -> None:
    reader = ReplyReader()
    reader.feed(b"220 hello\r\nSSH-2.0-x\r\n")
    assert reader.next_reply() == Reply(220, ("hello",))
    with pytest.raises(RemoteProtocolError, match="SSH"):
        reader.next_reply()


def test_endless_multiline_reply_is_refused() -> None:
    reader = ReplyReader(max_lines=1000)
    reader.feed(b"250-more\r\n" * 1001)
    with pytest.raises(RemoteProtocolError, match="endless multi-line reply"):
        reader.next_reply()


def test_a_reply_of_exactly_the_limit_is_accepted() -> None:
    reader = ReplyReader(max_lines=10)
    reader.feed(b"250-x\r\n" * 9 + b"250 end\r\n")
    reply = reader.next_reply()
    assert reply is not None
    assert len(reply.lines) == 10


def test_overlong_line_is_truncated_without_buffering_it() -> None:
    reader = ReplyReader()
    reader.feed(b"250 ")
    chunk = b"a" * 65536
    for _ in range(160):  # 10 MB in network-sized pieces
        reader.feed(chunk)
        assert len(reader.partial_line()) <= MAX_LINE
    reader.feed(b"\r\n220 next\r\n")
    reply = reader.next_reply()
    assert reply is not None
    assert reply.code == 250
    assert reply.lines[0] == "a" * (MAX_LINE - 4)
    assert reader.next_reply() == Reply(220, ("next",))
    assert reader.quirks == ("overlong_line",)


def test_drain_returns_bytes_after_the_last_reply_taken() -> None:
    reader = ReplyReader()
    reader.feed(b"220 Ready to start TLS\r\n250 injected\r\nhalf a li")
    assert reader.next_reply() == Reply(220, ("Ready to start TLS",))
    assert reader.drain() == b"250 injected\r\nhalf a li"
    assert reader.next_reply() is None
    reader.feed(b"250 fresh\r\n")
    assert reader.next_reply() == Reply(250, ("fresh",))


def test_drain_also_takes_garbage_that_would_have_failed() -> None:
    reader = ReplyReader()
    reader.feed(b"220 go ahead\r\n\x00\x01garbage")
    assert reader.next_reply() == Reply(220, ("go ahead",))
    assert reader.drain() == b"\x00\x01garbage"
    assert reader.next_reply() is None


def test_drain_keeps_quirks() -> None:
    reader = ReplyReader()
    reader.feed(b"220 x\n")
    reader.next_reply()
    reader.drain()
    assert reader.quirks == ("bare_lf",)


def test_drain_is_bounded() -> None:
    reader = ReplyReader()
    reader.feed(b"220 ok\r\n")
    reader.next_reply()
    reader.feed(b"9" * (1024 * 1024))
    assert len(reader.drain()) <= 64 * 1024


# A vocabulary of fragments that reaches the parser's deeper paths more often than random bytes.
_PIECES = st.sampled_from(
    [b"250", b"220", b"334", b"199", b"600", b"-", b" ", b"\r\n", b"\n", b"\r", b"text", b"\xff", b"\x00", b"SSH-"]
)


def _check_stream(chunks: list[bytes]) -> None:
    reader = ReplyReader(max_line=64, max_lines=20)
    try:
        for chunk in chunks:
            reader.feed(chunk)
            while (reply := reader.next_reply()) is not None:
                assert isinstance(reply, Reply)
                assert 200 <= reply.code <= 599
                assert 1 <= len(reply.lines) <= 20
                assert all(len(line) <= 64 for line in reply.lines)
    except RemoteProtocolError:
        pass


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_arbitrary_bytes_give_replies_or_remote_protocol_error(chunks: list[bytes]) -> None:
    _check_stream(chunks)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.lists(_PIECES, max_size=30).map(b"".join), max_size=10))
def test_reply_like_bytes_give_replies_or_remote_protocol_error(chunks: list[bytes]) -> None:
    _check_stream(chunks)
