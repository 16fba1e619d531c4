"""A raw-socket SMTP test server that misbehaves on cue, for diagnosis and robustness tests.

Two ways to use it:

1. A normal-looking SMTP server that goes wrong only at the phases you name::

       with ScriptedServer.smtp(replies={"auth": "535 5.7.139 Authentication unsuccessful, ..."},
                                tls_context=server_ssl_context) as srv:
           plan = ProbePlan(host=srv.host, port=srv.port, ...)

   Phase keys (``Phase`` members are accepted too): ``greeting``, ``ehlo`` (every EHLO, or only
   the one before STARTTLS when ``ehlo_tls`` is given), ``ehlo_tls``, ``helo``, ``starttls``,
   ``auth`` (sent after the normal SASL exchange: ``334`` prompts for LOGIN, PLAIN or XOAUTH2
   without an initial response), ``auth_command`` (sent straight after the ``AUTH`` line instead of
   any SASL exchange, e.g. ``["334 eyJ...", Expect(), "535 5.7.8 ..."]``), ``mail_from``,
   ``rcpt_to``, ``data`` (the reply to ``DATA``), ``data_end`` (after the final dot), ``rset``,
   ``noop``, ``quit`` and ``unknown``. Each value is an *action*:

   * ``str``: one reply; ``"\\n"`` separates the lines of a multi-line reply (CRLF is added);
   * ``bytes``: sent exactly as given (no CRLF added);
   * a ``Step`` (``Close()``, ``Sleep(30)``, ``Drip(...)``, ``Flood()``, ``StallHandshake()``...);
   * a list or tuple of the above, played in order.

   Unnamed phases behave normally: a ``220`` greeting, an EHLO offering STARTTLS before TLS (when
   a ``tls_context`` is given and ``implicit_tls`` is False) and ``AUTH LOGIN PLAIN XOAUTH2`` after
   it (or at once without TLS or with implicit TLS), ``235`` for any credentials, ``250`` for the
   envelope and the message, ``221`` for QUIT. The default EHLO does not offer PIPELINING, so a
   client sends one command at a time. After a ``starttls`` action that is a ``str`` starting with
   ``220`` the TLS handshake follows; after any other action exactly what you scripted happens (add
   ``StartTls()`` yourself, e.g. ``["220 Ready to start TLS", b"junk\\r\\n", StartTls()]``).
   Unless you override that phase: an unknown AUTH mechanism gets ``504 5.7.4``, DATA without an
   accepted sender and recipient gets ``503 5.5.1``, and STARTTLS without a context gets ``454``.

2. A low-level script of steps played on every connection::

       ScriptedServer([Reply("220 hello"), Expect("EHLO"), Sleep(30)])

   Steps: ``Reply``, ``Send``, ``Expect``, ``Respond`` (reply-to-command map), ``Sleep``, ``Drip``,
   ``Flood`` (endless multi-line reply), ``Close`` (optionally with a TCP reset), ``StartTls``,
   ``StallHandshake`` (take the ClientHello and never answer) and ``SmtpDialogue`` (what
   ``ScriptedServer.smtp`` plays). A plain ``str``/``bytes`` in a script is a ``Reply``/``Send``.
   The connection is closed when the script ends. A step of your own is any object with
   ``run(conn: Connection)``; raise ``ConnectionEnded`` from it to end the connection.

Bounded: the server listens on 127.0.0.1 on a free port, plays each connection in its own thread
for at most ``connection_time_limit`` seconds, stops accepting after ``total_time_limit`` seconds,
and ``close()`` (or leaving the ``with`` block) stops everything and joins the threads. What each
connection received is kept in ``connections`` (``ConnectionLog``: lines, DATA bodies, TLS, how it
ended) for assertions; ``wait_idle()`` waits until every connection so far has ended.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self, cast

from core.probe.phases import Phase

HOST = "127.0.0.1"
_POLL = 0.1  # how often blocking waits look at the stop flag
_MAX_LINE = 65536  # a "line" longer than this is handed over as is


class ConnectionEnded(Exception):
    """Ends the current connection (peer closed, time limit, a Close step, a failed Expect)."""


@dataclass
class ConnectionLog:
    """What one connection saw; safe to read after ``wait_idle()``."""

    peer: tuple[str, int]
    lines: list[str] = field(default_factory=list)  # every line the client sent (commands, SASL)
    messages: list[bytes] = field(default_factory=list)  # DATA bodies (SmtpDialogue)
    tls: bool = False  # a TLS handshake completed
    plaintext_after_starttls: bytes = b""  # bytes the client sent before its TLS handshake
    mismatches: list[str] = field(default_factory=list)  # failed Expect steps
    ended_by: str = ""  # "script end", "client closed", "time limit", "server closed", "error: ..."
    finished: threading.Event = field(default_factory=threading.Event, repr=False)


class Connection:
    """One accepted client socket, with a deadline and a line reader. Steps act through it."""

    def __init__(
        self,
        sock: socket.socket,
        log: ConnectionLog,
        deadline: float,
        stop: threading.Event,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.sock = sock
        self.log = log
        self.deadline = deadline
        self.tls_context = tls_context  # the server's; StartTls() without a context uses it
        self._stop = stop
        self._buffer = b""

    # --- time ------------------------------------------------------------------------------------

    def remaining(self) -> float:
        """Seconds left for this connection; ends it when none are left or the server stops."""
        if self._stop.is_set():
            raise ConnectionEnded("server closed")
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ConnectionEnded("time limit")
        return left

    def pause(self, seconds: float) -> None:
        """Wait without reading (the socket stays open) for ``seconds`` or until the limit."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._stop.wait(min(left, self.remaining(), _POLL))
        self.remaining()

    # --- writing ---------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self.remaining())
        try:
            self.sock.sendall(data)
        except (TimeoutError, OSError) as exc:
            raise ConnectionEnded(f"send failed: {type(exc).__name__}") from None

    def reply(self, text: str) -> None:
        """Send ``text`` as reply lines: ``\\n`` separates lines, each gets CRLF."""
        lines = text.replace("\r\n", "\n").split("\n")
        self.send("".join(f"{line}\r\n" for line in lines).encode("utf-8"))

    # --- reading ---------------------------------------------------------------------------------

    def _recv(self) -> bytes:
        """Some bytes, or b"" at a poll tick; raises ConnectionEnded when the peer closed."""
        self.sock.settimeout(min(self.remaining(), _POLL))
        try:
            chunk = self.sock.recv(4096)
        except TimeoutError:
            return b""
        except (ssl.SSLError, OSError) as exc:
            raise ConnectionEnded(f"error: {type(exc).__name__}: {exc}") from None
        if not chunk:
            raise ConnectionEnded("client closed")
        return chunk

    def read_raw_line(self, timeout: float | None = None) -> bytes:
        """The next line's bytes without CR LF (not recorded)."""
        end = time.monotonic() + timeout if timeout is not None else None
        while b"\n" not in self._buffer and len(self._buffer) < _MAX_LINE:
            if end is not None and time.monotonic() > end:
                raise ConnectionEnded("time limit")
            self._buffer += self._recv()
        raw, sep, self._buffer = self._buffer.partition(b"\n")
        if not sep:  # an overlong line: hand over what there is
            raw, self._buffer = raw[:_MAX_LINE], raw[_MAX_LINE:]
        return raw.rstrip(b"\r")

    def readline(self, timeout: float | None = None) -> str:
        """The next line, decoded, without its line ending (recorded in ``log.lines``)."""
        line = self.read_raw_line(timeout).decode("utf-8", "replace")
        self.log.lines.append(line)
        return line

    def discard_for(self, seconds: float) -> None:
        """Read and drop whatever arrives for ``seconds`` (or until the peer closes)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._recv()
        self._buffer = b""

    # --- TLS and closing ---------------------------------------------------------------------------

    def start_tls(self, context: ssl.SSLContext) -> None:
        """Server-side TLS handshake; bytes the client sent before it are noted and dropped."""
        self.log.plaintext_after_starttls += self._buffer
        self._buffer = b""
        tls = context.wrap_socket(self.sock, server_side=True, do_handshake_on_connect=False)
        self.sock = tls
        while True:
            tls.settimeout(min(self.remaining(), _POLL))
            try:
                tls.do_handshake()
                break
            except TimeoutError:
                continue
            except (ssl.SSLError, OSError) as exc:
                raise ConnectionEnded(f"error: TLS handshake: {exc}") from None
        self.log.tls = True

    def close(self, *, reset: bool = False) -> None:
        with contextlib.suppress(OSError):
            if reset:  # SO_LINGER 0: close() sends RST instead of FIN
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()


# --- steps -------------------------------------------------------------------------------------------


class Step(Protocol):
    """Anything with ``run(conn)``; raise ConnectionEnded to end the connection."""

    def run(self, conn: Connection) -> None: ...


# str = reply lines, bytes = raw bytes, a Step, or a sequence of these. Sequences are typed loosely
# (a list mixing str and steps is a list[object] to mypy); ``check_action`` validates them.
Action = str | bytes | Step | Sequence[object]


def check_action(action: object) -> Action:
    """``action`` if it is a valid action, else TypeError (found at construction, not mid-test)."""
    if isinstance(action, str | bytes):
        return action
    if isinstance(action, Sequence):
        for item in action:
            check_action(item)
        return action
    if callable(getattr(action, "run", None)):
        return cast(Step, action)
    raise TypeError(f"not a script action: {action!r} (use str, bytes, a Step or a list of them)")


def play(conn: Connection, action: object) -> None:
    """Play one action: str = reply lines, bytes = raw bytes, a Step, or a sequence of these."""
    if isinstance(action, str):
        conn.reply(action)
    elif isinstance(action, bytes):
        conn.send(action)
    elif isinstance(action, Sequence):
        for item in action:
            play(conn, item)
    else:
        check_action(action)
        cast(Step, action).run(conn)


@dataclass(frozen=True)
class Reply:
    """Send reply lines (``\\n`` separates the lines of a multi-line reply)."""

    text: str

    def run(self, conn: Connection) -> None:
        conn.reply(self.text)


@dataclass(frozen=True)
class Send:
    """Send raw bytes, exactly."""

    data: bytes

    def run(self, conn: Connection) -> None:
        conn.send(self.data)


@dataclass(frozen=True)
class Expect:
    """Read one line; with ``prefix`` (case-insensitive) a different line ends the connection."""

    prefix: str | None = None
    timeout: float | None = None

    def run(self, conn: Connection) -> None:
        line = conn.readline(self.timeout)
        if self.prefix is not None and not line.upper().startswith(self.prefix.upper()):
            conn.log.mismatches.append(f"expected {self.prefix!r}, got {line[:80]!r}")
            raise ConnectionEnded(f"unexpected line {line[:40]!r}")


@dataclass(frozen=True)
class Respond:
    """Answer commands by their verb until one of ``until`` has been answered.

    ``replies`` maps a verb (``EHLO``, ``AUTH``, ``MAIL``...) to an action; other verbs get
    ``default``. Line-oriented: it does not read DATA bodies (use ``SmtpDialogue`` for that).
    """

    replies: Mapping[str, Action]
    until: tuple[str, ...] = ("QUIT",)
    default: Action = "250 2.0.0 OK"

    def run(self, conn: Connection) -> None:
        table = {verb.upper(): action for verb, action in self.replies.items()}
        while True:
            verb = conn.readline().split(" ", 1)[0].upper()
            play(conn, table.get(verb, self.default))
            if verb in self.until:
                return


@dataclass(frozen=True)
class Sleep:
    """Stay silent (without reading) for ``seconds``; the connection stays open."""

    seconds: float

    def run(self, conn: Connection) -> None:
        conn.pause(self.seconds)


@dataclass(frozen=True)
class Drip:
    """Send ``data`` ``chunk`` bytes at a time, ``interval`` seconds apart."""

    data: bytes
    chunk: int = 1
    interval: float = 0.05

    def run(self, conn: Connection) -> None:
        for start in range(0, len(self.data), self.chunk):
            conn.send(self.data[start : start + self.chunk])
            conn.pause(self.interval)


@dataclass(frozen=True)
class Flood:
    """An endless multi-line reply (``250-xxx`` lines, never a last line) until the peer gives up.

    Ends at ``max_bytes`` (if given), when the client closes, or at the connection's time limit.
    """

    prefix: str = "250-"
    text: str = "FLOOD " + "x" * 60
    interval: float = 0.0
    max_bytes: int | None = None

    def run(self, conn: Connection) -> None:
        line = f"{self.prefix}{self.text}\r\n".encode()
        sent = 0
        while self.max_bytes is None or sent < self.max_bytes:
            conn.send(line)
            sent += len(line)
            if self.interval:
                conn.pause(self.interval)
            else:
                conn.remaining()


@dataclass(frozen=True)
class Close:
    """Close the connection now: a normal FIN, or a TCP reset with ``reset=True``."""

    reset: bool = False

    def run(self, conn: Connection) -> None:
        conn.close(reset=self.reset)
        raise ConnectionEnded("reset by script" if self.reset else "closed by script")


@dataclass(frozen=True)
class StartTls:
    """Start TLS server-side now, with ``context`` or the server's ``tls_context``."""

    context: ssl.SSLContext | None = None

    def run(self, conn: Connection) -> None:
        context = self.context or _server_tls_context(conn)
        conn.start_tls(context)


@dataclass(frozen=True)
class StallHandshake:
    """Take whatever the client sends (its ClientHello) and never answer, for ``seconds``."""

    seconds: float = 30.0

    def run(self, conn: Connection) -> None:
        conn.discard_for(self.seconds)


def _server_tls_context(conn: Connection) -> ssl.SSLContext:
    if conn.tls_context is None:
        raise ConnectionEnded("error: StartTls needs a context (none given to the server)")
    return conn.tls_context


# --- the SMTP dialogue -----------------------------------------------------------------------------

PHASE_KEYS = frozenset(
    {
        "greeting",
        "ehlo",
        "ehlo_tls",
        "helo",
        "starttls",
        "auth",
        "auth_command",
        "mail_from",
        "rcpt_to",
        "data",
        "data_end",
        "rset",
        "noop",
        "quit",
        "unknown",
    }
)
_VERB_PHASE = {"MAIL": "mail_from", "RCPT": "rcpt_to", "RSET": "rset", "NOOP": "noop", "HELO": "helo"}
_DEFAULTS = {
    "mail_from": "250 2.1.0 Sender OK",
    "rcpt_to": "250 2.1.5 Recipient OK",
    "data": "354 Start mail input; end with <CRLF>.<CRLF>",
    "data_end": "250 2.0.0 OK queued as SCRIPTED",
    "rset": "250 2.0.0 OK",
    "noop": "250 2.0.0 OK",
    "quit": "221 2.0.0 Bye",
    "unknown": "500 5.5.2 Command not recognized",
    "auth": "235 2.7.0 Authentication successful",
}


def _first_line(action: Action) -> str:
    """The first reply line ``action`` sends, if it starts with one ("" otherwise)."""
    first: object = action
    while isinstance(first, Sequence) and not isinstance(first, str | bytes):
        if not first:
            return ""
        first = first[0]
    return first if isinstance(first, str) else ""


def _positive(action: Action) -> bool:
    """Whether ``action`` answers with a 2xx or 3xx reply (for the envelope state)."""
    return _first_line(action)[:1] in ("2", "3")


@dataclass(frozen=True)
class SmtpDialogue:
    """A plain SMTP server conversation with per-phase overrides (see the module docstring)."""

    replies: Mapping[str, object] = field(default_factory=dict)  # phase key -> action
    tls_context: ssl.SSLContext | None = None
    implicit_tls: bool = False
    hostname: str = "scripted.test"

    def __post_init__(self) -> None:
        unknown = set(self.replies) - PHASE_KEYS
        if unknown:
            raise ValueError(f"unknown phase keys {sorted(unknown)}; use {sorted(PHASE_KEYS)}")
        for action in self.replies.values():
            check_action(action)

    def _action(self, phase: str, default: Action) -> Action:
        return check_action(self.replies.get(phase, default))

    def _ehlo_default(self, tls_active: bool) -> str:
        lines = [f"{self.hostname} Hello", "SIZE 35882577", "8BITMIME"]
        starttls_possible = self.tls_context is not None and not self.implicit_tls
        if starttls_possible and not tls_active:
            lines.append("STARTTLS")
        else:
            lines.append("AUTH LOGIN PLAIN XOAUTH2")
        lines += ["ENHANCEDSTATUSCODES", "SMTPUTF8"]
        return "\n".join([f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"])

    def run(self, conn: Connection) -> None:
        play(conn, self._action("greeting", f"220 {self.hostname} ESMTP scripted server ready"))
        envelope = _Envelope()
        after_starttls = False
        while True:
            line = conn.readline()
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                key = "ehlo_tls" if after_starttls and "ehlo_tls" in self.replies else "ehlo"
                play(conn, self._action(key, self._ehlo_default(conn.log.tls)))
            elif verb == "STARTTLS":
                self._starttls(conn)
                after_starttls, envelope = True, _Envelope()
            elif verb == "AUTH":
                self._auth(conn, arg)
            elif verb == "DATA":
                self._data(conn, envelope)
            elif verb == "QUIT":
                play(conn, self._action("quit", _DEFAULTS["quit"]))
                raise ConnectionEnded("client quit")
            else:
                phase = _VERB_PHASE.get(verb, "unknown")
                default = f"250 {self.hostname}" if phase == "helo" else _DEFAULTS[phase]
                action = self._action(phase, default)
                play(conn, action)
                envelope.note(phase, _positive(action))

    def _starttls(self, conn: Connection) -> None:
        if "starttls" in self.replies:
            action = self.replies["starttls"]
            play(conn, action)
            if isinstance(action, str) and action.startswith("220") and self.tls_context is not None:
                conn.start_tls(self.tls_context)
        elif self.tls_context is None or conn.log.tls:
            conn.reply("454 4.7.0 TLS not available")
        else:
            conn.reply("220 2.0.0 Ready to start TLS")
            conn.start_tls(self.tls_context)

    def _auth(self, conn: Connection, arg: str) -> None:
        if "auth_command" in self.replies:
            play(conn, self.replies["auth_command"])
            return
        mechanism, _, initial = arg.partition(" ")
        mechanism = mechanism.upper()
        if mechanism == "LOGIN":
            if not initial:
                conn.reply("334 VXNlcm5hbWU6")
                conn.readline()
            conn.reply("334 UGFzc3dvcmQ6")
            conn.readline()
        elif mechanism in ("PLAIN", "XOAUTH2"):
            if not initial:
                conn.reply("334 ")
                conn.readline()
        elif "auth" not in self.replies:
            conn.reply("504 5.7.4 Unrecognized authentication type")
            return
        play(conn, self._action("auth", _DEFAULTS["auth"]))

    def _data(self, conn: Connection, envelope: _Envelope) -> None:
        if "data" not in self.replies and not envelope.rcpt_ok:
            conn.reply("503 5.5.1 Error: need RCPT command")
            return
        action = self._action("data", _DEFAULTS["data"])
        play(conn, action)
        if not _first_line(action).startswith("3"):
            return  # DATA was refused: no body follows
        body: list[bytes] = []
        while (line := conn.read_raw_line()) != b".":
            body.append(line[1:] if line.startswith(b".") else line)  # undo dot-stuffing
        conn.log.messages.append(b"".join(part + b"\r\n" for part in body))
        play(conn, self._action("data_end", _DEFAULTS["data_end"]))


@dataclass
class _Envelope:
    mail_ok: bool = False
    rcpt_ok: bool = False

    def note(self, phase: str, positive: bool) -> None:
        if phase == "mail_from":
            self.mail_ok, self.rcpt_ok = positive, False
        elif phase == "rcpt_to":
            self.rcpt_ok = self.rcpt_ok or (positive and self.mail_ok)
        elif phase in ("rset", "helo"):
            self.mail_ok = self.rcpt_ok = False


def _phase_key(key: object) -> str:
    return key.value if isinstance(key, Phase) else str(key)


# --- the server ------------------------------------------------------------------------------------


class ScriptedServer:
    """Plays ``script`` on every connection to 127.0.0.1:``port``, in background threads."""

    def __init__(
        self,
        script: Action,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        connection_time_limit: float = 10.0,
        total_time_limit: float = 60.0,
        max_connections: int = 20,
    ) -> None:
        if implicit_tls and tls_context is None:
            raise ValueError("implicit_tls needs a tls_context")
        self.script = check_action(script)
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.connection_time_limit = connection_time_limit
        self.max_connections = max_connections
        self.connections: list[ConnectionLog] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[Connection] = []
        self._lock = threading.Lock()
        self._end = time.monotonic() + total_time_limit
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(_POLL)
        self.host, self.port = HOST, int(self._listener.getsockname()[1])
        self._acceptor = threading.Thread(target=self._accept_loop, name="scripted-server-accept", daemon=True)
        self._acceptor.start()

    @classmethod
    def smtp(
        cls,
        replies: Mapping[str, Action] | Mapping[Phase, Action] | Mapping[str, object] | None = None,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        hostname: str = "scripted.test",
        connection_time_limit: float = 10.0,
        total_time_limit: float = 60.0,
    ) -> ScriptedServer:
        """A normal SMTP server except at the phases in ``replies`` (keys: str or ``Phase``)."""
        table = {_phase_key(key): action for key, action in (replies or {}).items()}
        dialogue = SmtpDialogue(table, tls_context=tls_context, implicit_tls=implicit_tls, hostname=hostname)
        return cls(
            dialogue,
            tls_context=tls_context,
            implicit_tls=implicit_tls,
            connection_time_limit=connection_time_limit,
            total_time_limit=total_time_limit,
        )

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    # --- life cycle ---------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        try:
            while not self._stop.is_set() and time.monotonic() < self._end:
                try:
                    sock, peer = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break
                self._start_connection(sock, peer)
        finally:
            with contextlib.suppress(OSError):
                self._listener.close()

    def _start_connection(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        with self._lock:
            if len(self.connections) >= self.max_connections:
                sock.close()
                return
            log = ConnectionLog(peer=peer)
            self.connections.append(log)
            deadline = min(time.monotonic() + self.connection_time_limit, self._end)
            conn = Connection(sock, log, deadline, self._stop, self.tls_context)
            self._sockets.append(conn)
            thread = threading.Thread(
                target=self._serve, args=(conn,), name=f"scripted-conn-{len(self.connections)}", daemon=True
            )
            self._threads.append(thread)
        thread.start()

    def _serve(self, conn: Connection) -> None:
        try:
            if self.implicit_tls:
                assert self.tls_context is not None
                conn.start_tls(self.tls_context)
            play(conn, self.script)
            conn.log.ended_by = "script end"
        except ConnectionEnded as end:
            conn.log.ended_by = str(end)
        except Exception as exc:  # a bug in a step: record it rather than lose it in a thread
            conn.log.ended_by = f"error: {type(exc).__name__}: {exc}"
        finally:
            conn.close()
            conn.log.finished.set()

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """True once ``count`` connections have been accepted."""
        end = time.monotonic() + timeout
        while len(self.connections) < count:
            if time.monotonic() > end:
                return False
            time.sleep(0.01)
        return True

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """True once every connection accepted so far has ended."""
        end = time.monotonic() + timeout
        return all(log.finished.wait(max(0.0, end - time.monotonic())) for log in list(self.connections))

    def close(self) -> None:
        """Stop accepting, end every connection and join all threads."""
        self._stop.set()
        self._acceptor.join(timeout=5)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
