"""A deliberately slow SMTP server on 127.0.0.1 for the Stop test and the GUI stall benchmark.

It answers a plain (no TLS) session correctly but waits ``delay`` seconds before every reply, so a
probe against it spends most of its time waiting on the socket, like a distant or overloaded server.
Each connection has its own thread; ``stop()`` closes everything and joins the threads.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Self


class SlowSmtpServer:
    def __init__(self, delay: float = 0.3, greeting_delay: float | None = None) -> None:
        self.delay = delay
        self.greeting_delay = delay if greeting_delay is None else greeting_delay
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self.connections_seen = 0

    def __enter__(self) -> Self:
        accept = threading.Thread(target=self._accept_loop, name="slow-smtp-accept", daemon=True)
        self._threads.append(accept)
        accept.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        for conn in list(self._connections):
            try:
                conn.close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections_seen += 1
            self._connections.append(conn)
            worker = threading.Thread(target=self._session, args=(conn,), name="slow-smtp-session", daemon=True)
            self._threads.append(worker)
            worker.start()

    def _reply(self, conn: socket.socket, text: str, delay: float) -> bool:
        if self._stopping.wait(delay):
            return False
        try:
            conn.sendall(text.encode("ascii"))
        except OSError:
            return False
        return True

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        if not self._reply(conn, "220 slow.practice.test ESMTP slow test server\r\n", self.greeting_delay):
            return
        buffer = b""
        in_data = False
        while not self._stopping.is_set():
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\r\n" in buffer:
                line, buffer = buffer.split(b"\r\n", 1)
                if in_data:
                    if line == b".":
                        in_data = False
                        if not self._reply(conn, "250 2.0.0 queued\r\n", self.delay):
                            return
                    continue
                answer, in_data = _answer(line.decode("ascii", "replace").upper())
                if not self._reply(conn, answer, self.delay):
                    return
                if answer.startswith("221"):
                    conn.close()
                    return


def _answer(command: str) -> tuple[str, bool]:
    if command.startswith(("EHLO", "HELO")):
        return "250-slow.practice.test\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n", False
    if command.startswith("AUTH"):
        return "235 2.7.0 Authentication successful\r\n", False
    if command == "DATA":
        return "354 Start mail input; end with <CRLF>.<CRLF>\r\n", True
    if command == "QUIT":
        return "221 2.0.0 Bye\r\n", False
    return "250 2.0.0 OK\r\n", False
