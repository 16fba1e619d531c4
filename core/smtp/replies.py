"""Incremental, bounded parser for SMTP server replies (RFC 5321 §4.2).

Bytes go in with :meth:`ReplyReader.feed` as they arrive from the network, complete
:class:`~core.smtp.events.Reply` objects come out of :meth:`ReplyReader.next_reply`.

Everything the server controls is bounded, because a tester meets broken and hostile servers:

* a line keeps at most ``max_line`` bytes; the rest of an overlong line is thrown away as it
  arrives (never buffered), and the quirk ``overlong_line`` is recorded;
* a multi-line reply may have at most ``max_lines`` lines ("endless multi-line reply");
* the raw bytes kept for :meth:`drain` (STARTTLS, RFC 3207 §4.2) are capped too.

Leniency that real servers need is recorded as a quirk instead of failing: a bare LF line end
(``bare_lf``) and text that is not UTF-8 (``invalid_utf8``, decoded with replacement characters).
Anything else that is not an SMTP reply line becomes :class:`RemoteProtocolError` with a message
that says what the bytes look like instead (SSH, HTTP, POP3, IMAP, a TLS record).

Errors are queued in stream order rather than raised by :meth:`feed`: replies that arrived before
the bad bytes are still handed out first, and bytes after a STARTTLS ``220`` can be discarded
with :meth:`drain` even when they are garbage.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from core.errors import RemoteProtocolError
from core.smtp.events import Reply

MAX_LINE: Final = 4096  # bytes kept per line; RFC 5321 allows 512 for a reply line
MAX_LINES: Final = 1000  # lines per reply; a big EHLO reply has about 20
MAX_RAW: Final = 64 * 1024  # raw bytes kept for drain() after the last reply handed out
_PREVIEW: Final = 60  # characters of an offending line quoted in an error message

QUIRK_BARE_LF: Final = "bare_lf"
QUIRK_OVERLONG_LINE: Final = "overlong_line"
QUIRK_INVALID_UTF8: Final = "invalid_utf8"

_DIGITS = frozenset(b"0123456789")
_SEPARATORS = frozenset(b" -\r\n")
# Bytes that never occur in a line of text; seeing one settles "not SMTP" without waiting for LF.
_BINARY = frozenset(range(0x20)) - frozenset(b"\t\r\n")


class ReplyReader:
    """Turns a byte stream from an SMTP server into :class:`Reply` objects."""

    def __init__(self, max_line: int = MAX_LINE, max_lines: int = MAX_LINES) -> None:
        self._max_line = max_line
        self._max_lines = max_lines
        self._quirks: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self._line = bytearray()  # the kept part of the current line
        self._line_overflowed = False
        self._last_byte = -1  # the last byte of the current line seen, kept or not (for CR)
        self._code: int | None = None  # code of the multi-line reply being assembled
        self._lines: list[str] = []
        self._queue: deque[tuple[Reply | RemoteProtocolError, int]] = deque()
        self._failed = False
        self._position = 0  # stream offset of the next byte fed
        self._raw = bytearray()  # bytes fed since the last reply handed out (capped)
        self._raw_start = 0  # stream offset of _raw[0]

    @property
    def quirks(self) -> tuple[str, ...]:
        """Leniencies needed so far, each named once, in the order first seen."""
        return tuple(self._quirks)

    def partial_line(self) -> bytes:
        """The kept bytes of a line that has not ended yet (evidence when the server goes silent)."""
        return bytes(self._line)

    def feed(self, data: bytes) -> None:
        """Add bytes from the server. Never raises: problems are queued for :meth:`next_reply`."""
        chunk_start = self._position
        self._position += len(data)
        self._keep_raw(data)
        start = 0
        while start < len(data) and not self._failed:
            newline = data.find(b"\n", start)
            end = newline if newline >= 0 else len(data)
            self._extend_line(data[start:end])
            if newline < 0 or self._failed:
                return
            self._finish_line(chunk_start + newline + 1)
            start = newline + 1

    def next_reply(self) -> Reply | None:
        """The next complete reply, or None if more bytes are needed.

        Raises :class:`RemoteProtocolError` when the next thing in the stream is not a reply;
        the reader stays failed after that.
        """
        if not self._queue:
            return None
        item, end = self._queue.popleft()
        self._forget_raw_before(end)
        if isinstance(item, RemoteProtocolError):
            self._queue.appendleft((item, end))  # keep failing: the stream is out of step
            raise item
        return item

    def drain(self) -> bytes:
        """Return the raw bytes not yet handed out as replies, and start afresh.

        Used after the ``220`` to STARTTLS: anything the server sent after it was sent in
        plaintext before the handshake and must not be trusted (RFC 3207 §4.2). Quirks are kept.
        """
        leftover = bytes(self._raw)
        self._reset()
        return leftover

    # -- line assembly -------------------------------------------------------------------------

    def _extend_line(self, segment: bytes) -> None:
        if not segment:
            return
        self._last_byte = segment[-1]
        if self._line_overflowed:
            return  # the rest of an overlong line is dropped as it arrives
        room = self._max_line - len(self._line)
        self._line += segment[:room]
        if len(segment) > room:
            self._line_overflowed = True
            self._note(QUIRK_OVERLONG_LINE)
        self._check_early()

    def _check_early(self) -> None:
        """Fail before the line ends when its start can already not be an SMTP reply.

        Waiting for a LF would turn a binary answer (a TLS alert, say) into a timeout. A line
        that is clearly text waits for its end (or 64 bytes) so the message can quote it.
        """
        if self._prefix_ok():
            return
        line = bytes(self._line)
        if len(line) >= 64 or _BINARY.intersection(line) or _looks_like_tls_record(line):
            self._fail(not_smtp_message(line), self._position)

    def _prefix_ok(self) -> bool:
        head = self._line[:4]
        if any(b not in _DIGITS for b in head[:3]):
            return False
        return len(head) < 4 or head[3] in _SEPARATORS

    def _finish_line(self, end_position: int) -> None:
        line = bytes(self._line)
        if self._last_byte == 0x0D:
            if not self._line_overflowed:
                line = line[:-1]
        else:
            self._note(QUIRK_BARE_LF)
        self._line.clear()
        self._line_overflowed = False
        self._last_byte = -1
        self._take_line(line, end_position)

    def _take_line(self, line: bytes, end_position: int) -> None:
        if len(line) < 3 or any(b not in _DIGITS for b in line[:3]) or (len(line) > 3 and line[3] not in b" -"):
            self._fail(not_smtp_message(line), end_position)
            return
        code = int(line[:3])
        if not 200 <= code <= 599:
            self._fail(f"The server sent reply code {code}, which SMTP does not use: {_quote(line)}.", end_position)
            return
        if self._code is not None and code != self._code:
            self._fail(
                f"A multi-line reply changed its code from {self._code} to {code}: {_quote(line)}.", end_position
            )
            return
        if len(self._lines) >= self._max_lines:
            self._fail(
                f"The server sent an endless multi-line reply (more than {self._max_lines} lines).", end_position
            )
            return
        self._code = code
        self._lines.append(self._decode(line[4:]))
        if len(line) <= 3 or line[3] == 0x20:  # "250" alone or "250 text": the last line
            self._queue.append((Reply(code, tuple(self._lines)), end_position))
            self._code = None
            self._lines = []

    def _decode(self, text: bytes) -> str:
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            self._note(QUIRK_INVALID_UTF8)
            return text.decode("utf-8", errors="replace")

    def _fail(self, message: str, end_position: int) -> None:
        self._failed = True
        self._line.clear()
        self._queue.append((RemoteProtocolError(message), end_position))

    def _note(self, quirk: str) -> None:
        if quirk not in self._quirks:
            self._quirks.append(quirk)

    # -- raw bytes for drain() -----------------------------------------------------------------

    def _keep_raw(self, data: bytes) -> None:
        room = MAX_RAW - len(self._raw)
        if room > 0:
            self._raw += data[:room]

    def _forget_raw_before(self, position: int) -> None:
        drop = position - self._raw_start
        if drop >= len(self._raw):
            # Bytes beyond the cap were never kept; restart the record at the current offset.
            self._raw.clear()
            self._raw_start = self._position
        else:
            del self._raw[:drop]
            self._raw_start = position


def not_smtp_message(line: bytes) -> str:
    """A clear sentence saying what a non-SMTP answer looks like."""
    if _looks_like_tls_record(line):
        return (
            "The server answered with TLS data instead of a plaintext SMTP reply: "
            "this port expects TLS from the first byte (implicit TLS, usually port 465)."
        )
    if line.startswith(b"SSH-"):
        return f"The server sent an SSH banner ({_quote(line)}): this port runs SSH, not SMTP."
    if line.startswith(b"HTTP/"):
        return f"The server answered like a web server ({_quote(line)}): this port runs HTTP, not SMTP."
    if line.startswith(b"+OK"):
        return f"The server sent a POP3 greeting ({_quote(line)}): this port runs POP3, not SMTP."
    if line.startswith(b"* OK"):
        return f"The server sent an IMAP greeting ({_quote(line)}): this port runs IMAP, not SMTP."
    if not line.strip():
        return "The server sent an empty line where an SMTP reply was expected."
    return f"The server sent a line that is not an SMTP reply: {_quote(line)}."


def _looks_like_tls_record(line: bytes) -> bool:
    # A TLS record starts with its content type (0x15 alert, 0x16 handshake) and major version 3.
    return len(line) >= 2 and line[0] in (0x15, 0x16) and line[1] == 0x03


def _quote(line: bytes) -> str:
    text = line[:_PREVIEW].decode("ascii", errors="backslashreplace")
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f"'{shown}…'" if len(line) > _PREVIEW else f"'{shown}'"
