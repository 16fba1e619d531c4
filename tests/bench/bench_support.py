"""Shared parts of the benchmarks that run against the Postfix + Dovecot peer (tests/peers).

* :func:`running_peer` starts the peer in a fresh /tmp directory (Postfix's unprivileged user must
  reach it, so every parent is o+x) and always stops it by the PIDs ``mailpeer.sh`` recorded;
* :class:`Session` holds one STARTTLS + AUTH PLAIN + send session's settings and renders the exact
  command line for ``smtp-doctor probe`` and for ``swaks``, so both benchmarks compare the same thing;
* :func:`child_env` is the environment the timed processes run in: byte-code caching switched on
  (this machine sets PYTHONDONTWRITEBYTECODE=1, which no installed copy has), with the cache kept
  under /tmp rather than in the source tree;
* :func:`median_ms` and :func:`print_table` for the figures.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.peers.peer import MailPeer, MailPeerError, stop_peer, unavailable_reason  # noqa: E402

SMTP_DOCTOR = ROOT / ".venv" / "bin" / "smtp-doctor"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYCACHE = Path(tempfile.gettempdir()) / "smtp-doctor-bench-pycache"
PASSWORD_VAR = "SMTP_DOCTOR_BENCH_PASSWORD"
RUN_TIMEOUT_S = 30.0


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every timed process: byte code cached (as after pip install), under /tmp."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(extra or {})
    return env


@contextmanager
def running_peer() -> Iterator[MailPeer]:
    """A started Postfix + Dovecot peer, stopped (by PID, through mailpeer.sh) whatever happens."""
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"cannot run: {reason}")
    base_dir = Path(tempfile.mkdtemp(prefix="smtp-doctor-bench-peer-", dir="/tmp"))
    base_dir.chmod(0o755)
    try:
        try:
            peer = MailPeer.start(base_dir)
        except MailPeerError:
            stop_peer(base_dir)
            raise
        try:
            yield peer
        finally:
            peer.stop()
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)


@dataclass(frozen=True)
class Session:
    """One submission session: STARTTLS, AUTH PLAIN with alice's password, one message to the sink."""

    host: str
    port: int
    ca_file: str
    user: str
    recipient: str

    @classmethod
    def for_peer(cls, peer: MailPeer, *, port: int | None = None) -> Session:
        return cls(peer.host, port or peer.submission_port, peer.ca_file, peer.alice.address, "bench@sink.example.net")

    def smtp_doctor_args(self) -> list[str]:
        """``smtp-doctor probe`` for this session (the password comes from an environment variable)."""
        return [
            str(SMTP_DOCTOR),
            "probe",
            self.host,
            "--port",
            str(self.port),
            "--security",
            "starttls",
            "--auth",
            "plain",
            "--user",
            self.user,
            "--password-env",
            PASSWORD_VAR,
            "--from",
            self.user,
            "--to",
            self.recipient,
            "--ca-file",
            self.ca_file,
            "--color",
            "never",
        ]

    def swaks_args(self, password: str) -> list[str]:
        """swaks for the same session: STARTTLS with verification, AUTH PLAIN, PIPELINING."""
        return [
            "swaks",
            "--server",
            self.host,
            "--port",
            str(self.port),
            "--tls",
            "--tls-verify",
            "--tls-ca-path",
            self.ca_file,
            "-a",
            "PLAIN",
            "-au",
            self.user,
            "-ap",
            password,
            "--from",
            self.user,
            "--to",
            self.recipient,
            "--pipeline",
            "--timeout",
            "20",
        ]


def shown(args: Sequence[str], password: str) -> str:
    """A command line as printed under a table: the repository path shortened, the password hidden."""
    text = " ".join(args).replace(password, "<password>").replace(str(ROOT) + "/", "")
    return text


def run_checked(args: Sequence[str], env: dict[str, str]) -> None:
    """Run one timed process; a failed session makes the benchmark stop (its figure would be a lie)."""
    done = subprocess.run(
        list(args), env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=RUN_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode("utf-8", errors="replace")[-2000:]
        raise SystemExit(f"{args[0]} failed (exit {done.returncode}):\n{output}")


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000.0


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], footer: Sequence[str]) -> None:
    """A plain-text table with right-aligned figures, then its footnotes."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        return "  ".join([f"{first:<{widths[0]}}", *(f"{c:>{w}}" for c, w in zip(rest, widths[1:], strict=True))])

    print(f"\n{title}")
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    for note in footer:
        print(f"  {note}")
