"""Python side of the Postfix + Dovecot test peer: start/stop ``mailpeer.sh`` and talk to its parts.

``MailPeer.start(base_dir)`` runs ``mailpeer.sh start`` and reads the ports, CA and users it wrote;
``MailPeer.stop()`` runs ``mailpeer.sh stop``. In between a test can mint OAuth tokens for
Dovecot's introspection endpoint (``register_token`` / ``mint_token``) and wait for the messages
Postfix relayed to the sink (``wait_for_message``). The pytest fixture ``mail_peer`` in this
folder's conftest.py wraps all of this for a whole test session.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import NoReturn

import pytest

SCRIPT = Path(__file__).with_name("mailpeer.sh")
REQUIRED_BINARIES = ("postfix", "postconf", "dovecot", "doveadm")
# Debian puts Postfix and Dovecot in /usr/sbin, which a non-login PATH may lack.
SBIN_DIRS = ("/usr/sbin", "/sbin")
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 60.0


class MailPeerError(RuntimeError):
    """The peer could not be started, stopped or read; the message carries the script's output."""


@dataclass(frozen=True)
class MailUser:
    """A mailbox the peer's Dovecot knows, with its (test-only, random per start) password."""

    address: str
    password: str
    scheme: str  # how Dovecot stores the password: "PLAIN" or "SHA512-CRYPT"


@dataclass(frozen=True)
class SinkMessage:
    """One message as Postfix relayed it to the sink."""

    path: Path
    raw: bytes
    mail_from: str
    rcpt_tos: tuple[str, ...]

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class MailPeer:
    """A running Postfix + Dovecot pair (see mailpeer.sh for what each port does)."""

    base_dir: Path
    host: str
    plain_port: int
    submission_port: int
    smtps_port: int
    sink_port: int
    introspect_port: int
    ca_file: str
    alice: MailUser
    bob: MailUser
    start_seconds: float = 0.0
    stop_seconds: float | None = None
    _tokens: dict[str, dict[str, object]] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------------------- lifecycle

    @classmethod
    def start(cls, base_dir: Path) -> MailPeer:
        """Run ``mailpeer.sh start base_dir`` and return the running peer."""
        began = time.monotonic()
        _run_script("start", base_dir, START_TIMEOUT_S)
        ports = _read_env(base_dir / "ports.env")
        users = _read_env(base_dir / "users.env")
        return cls(
            base_dir=base_dir,
            host=ports["HOST"],
            plain_port=int(ports["PLAIN_PORT"]),
            submission_port=int(ports["SUBMISSION_PORT"]),
            smtps_port=int(ports["SMTPS_PORT"]),
            sink_port=int(ports["SINK_PORT"]),
            introspect_port=int(ports["INTROSPECT_PORT"]),
            ca_file=ports["CA_FILE"],
            alice=MailUser(users["ALICE_USER"], users["ALICE_PASSWORD"], "PLAIN"),
            bob=MailUser(users["BOB_USER"], users["BOB_PASSWORD"], "SHA512-CRYPT"),
            start_seconds=time.monotonic() - began,
        )

    def stop(self) -> None:
        """Run ``mailpeer.sh stop``: every process it started exits before this returns."""
        began = time.monotonic()
        stop_peer(self.base_dir)
        self.stop_seconds = time.monotonic() - began

    # ----------------------------------------------------------------------------- accounts

    @property
    def users(self) -> tuple[MailUser, ...]:
        return (self.alice, self.bob)

    @property
    def passwords(self) -> dict[str, str]:
        """Address → password, for every user."""
        return {u.address: u.password for u in self.users}

    # ----------------------------------------------------------------------------- OAuth tokens

    @property
    def tokens_file(self) -> Path:
        return self.base_dir / "tokens.json"

    def register_token(self, token: str, username: str, *, active: bool = True) -> None:
        """Make the introspection endpoint answer ``token`` with this user (or as inactive)."""
        self._tokens[token] = {"username": username, "active": active}
        partial = self.tokens_file.with_name(".tokens.json.partial")
        partial.write_text(json.dumps(self._tokens), encoding="utf-8")
        os.replace(partial, self.tokens_file)  # the endpoint never reads half a file

    def mint_token(self, username: str, *, active: bool = True) -> str:
        """A fresh random token, registered for ``username``."""
        token = f"peer-token-{secrets.token_urlsafe(18)}"
        self.register_token(token, username, active=active)
        return token

    # ----------------------------------------------------------------------------- the sink

    @property
    def sink_dir(self) -> Path:
        return self.base_dir / "sink"

    @staticmethod
    def fresh_recipient(domain: str = "sink.example.net") -> str:
        """A recipient address no other test uses, to find one's own message in the shared sink."""
        return f"rcpt-{secrets.token_hex(6)}@{domain}"

    def messages(self) -> list[SinkMessage]:
        """Every message the sink has received so far, oldest first."""
        found = []
        for eml in sorted(self.sink_dir.glob("*.eml")):
            envelope = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
            found.append(SinkMessage(eml, eml.read_bytes(), str(envelope["mail_from"]), tuple(envelope["rcpt_tos"])))
        return found

    def wait_for_message(self, recipient: str, *, timeout: float = 5.0) -> SinkMessage:
        """The first relayed message addressed to ``recipient``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for found in self.messages():
                if recipient in found.rcpt_tos:
                    return found
            if time.monotonic() > deadline:
                raise MailPeerError(
                    f"no message for {recipient} reached the sink within {timeout} s\n" + self.log_tail("postfix.log")
                )
            time.sleep(0.02)

    def messages_for(self, recipient: str) -> list[SinkMessage]:
        """Messages for ``recipient`` received so far (no waiting), to assert that none arrived."""
        return [m for m in self.messages() if recipient in m.rcpt_tos]

    # ----------------------------------------------------------------------------- diagnostics

    def log_tail(self, name: str, lines: int = 30) -> str:
        """The last lines of one of the peer's logs (postfix.log, dovecot.log, sink.log, ...)."""
        path = self.base_dir / "logs" / name
        if not path.exists():
            return f"({path} does not exist)"
        return f"----- {path}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def missing_binaries() -> list[str]:
    """Which of Postfix's and Dovecot's programs cannot be found."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN_DIRS])
    return [name for name in REQUIRED_BINARIES if shutil.which(name, path=path) is None]


def unavailable_reason() -> str | None:
    """Why the peer cannot run on this machine, or None when it can."""
    missing = missing_binaries()
    if missing:
        return f"Postfix/Dovecot not installed ({', '.join(missing)} missing): apt-get install postfix dovecot-core"
    if os.geteuid() != 0:
        return "the Postfix + Dovecot peer must be started as root"
    return None


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test, except in CI (CI=true), which must run the real-peer tests: there, fail."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the real-peer tests, but: {reason}", pytrace=False)
    pytest.skip(reason)


def stop_peer(base_dir: Path) -> None:
    _run_script("stop", base_dir, STOP_TIMEOUT_S)


def _run_script(command: str, base_dir: Path, timeout: float) -> None:
    env = dict(os.environ)
    env["PYTHON"] = sys.executable  # the sink and the introspection endpoint need aiosmtpd
    env["PATH"] = os.pathsep.join([env.get("PATH", ""), *SBIN_DIRS])
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), command, str(base_dir)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise MailPeerError(f"mailpeer.sh {command} took longer than {timeout} s") from exc
    if done.returncode != 0:
        raise MailPeerError(
            f"mailpeer.sh {command} {base_dir} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}"
        )


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = value.strip()
    return values
