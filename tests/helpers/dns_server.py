"""A real DNS server on loopback for the tests: Debian's dnsmasq with local records, or a silent one.

``DnsServer(records).start()`` runs dnsmasq in the foreground on 127.0.0.1 and a free port, with
no upstream and no /etc/hosts: it answers exactly the records given (MX, TXT, A), NXDOMAIN for
every other name (``--local=/#/``), or REFUSED for everything else with ``refuse_unknown=True``
(a resolver that cannot reach its upstream). ``SilentDnsServer`` reads queries and never answers
(a DNS server behind a firewall that drops). Both stop by the PID they started, and a test points
the app at them with ``SMTP_DOCTOR_DNS_SERVER=127.0.0.1:PORT``. Nothing here patches dnspython.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
START_TIMEOUT = 5.0


@dataclass(frozen=True)
class Records:
    """The zone data: each name with its records (dnsmasq's own option syntax is made from these)."""

    mx: tuple[tuple[str, str, int], ...] = ()  # (domain, exchange, preference)
    txt: tuple[tuple[str, str], ...] = ()  # (name, text); long texts are split by dnsmasq as needed
    a: tuple[tuple[str, str], ...] = ()  # (name, IPv4 address)
    nxdomain: tuple[str, ...] = field(default=())  # names (and their subdomains) that must not exist

    def options(self) -> list[str]:
        opts = [f"--mx-host={domain},{exchange},{preference}" for domain, exchange, preference in self.mx]
        opts += [f"--txt-record={name},{_quoted(text)}" for name, text in self.txt]
        opts += [f"--host-record={name},{address}" for name, address in self.a]
        opts += [f"--address=/{name}/" for name in self.nxdomain]
        return opts


def _quoted(text: str) -> str:
    # dnsmasq splits a TXT value at commas unless it is quoted; a quote inside is escaped.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DnsServer:
    """dnsmasq answering ``records`` on 127.0.0.1:``port``; a context manager."""

    def __init__(self, records: Records = Records(), *, refuse_unknown: bool = False) -> None:
        self.records = records
        self.refuse_unknown = refuse_unknown
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: Path | None = None

    @property
    def address(self) -> str:
        """The value for SMTP_DOCTOR_DNS_SERVER."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._folder = Path(tempfile.mkdtemp(prefix="smtp-doctor-dns-"))
        self.port = free_udp_port()
        command = [
            DNSMASQ,
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            f"--port={self.port}",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--no-negcache",
            "--user=root",
            "--group=root",
            f"--pid-file={self._folder / 'dnsmasq.pid'}",
            f"--log-facility={self._folder / 'dnsmasq.log'}",
            *self.records.options(),
        ]
        if not self.refuse_unknown:
            command.append("--local=/#/")  # authoritative for everything: unknown names are NXDOMAIN
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise RuntimeError(f"dnsmasq did not start: {error.strip()}")
            if _answers(self.port):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"dnsmasq did not answer on 127.0.0.1:{self.port} within {START_TIMEOUT} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if process is not None and process.stderr is not None:
            process.stderr.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _answers(port: int) -> bool:
    """Any DNS answer at all to a query for the root's SOA (dnsmasq is up)."""
    query = bytes.fromhex("abcd01000001000000000000") + b"\x00\x00\x06\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.sendto(query, ("127.0.0.1", port))
            return sock.recv(512)[:2] == query[:2]
        except OSError:
            return False


class SilentDnsServer:
    """A UDP socket on 127.0.0.1 that reads every query and never answers (for at most ``lifetime`` s)."""

    def __init__(self, lifetime: float = 60.0) -> None:
        self.lifetime = lifetime
        self.queries = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._swallow, name="silent-dns", daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._thread.start()
        return self

    def _swallow(self) -> None:
        ends = time.monotonic() + self.lifetime
        while not self._stop.is_set() and time.monotonic() < ends:
            with contextlib.suppress(TimeoutError, OSError):
                self._sock.recv(4096)
                self.queries += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
