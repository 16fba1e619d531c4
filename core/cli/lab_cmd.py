"""``smtp-doctor lab``: run the built-in practice server in the foreground.

Prints the listeners (role, port, encryption), the practice CA file to trust, and every scenario
with its login, practice password or token and the expected outcome; then serves until Ctrl+C,
SIGTERM or ``--stop-after`` seconds, and stops cleanly (exit 0). The practice server is imported
only when the command runs, so ``smtp-doctor lab --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from core import validate
from core.cli.common import EXIT_OK
from core.errors import InputError

if TYPE_CHECKING:
    from core.lab import PracticeServer, Scenario

PROG = "smtp-doctor lab"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Listeners: submission (STARTTLS) on N, implicit TLS on N+1, plain relay on N+2 with "
        "--port-base N; free ports otherwise. All listen on 127.0.0.1 only. "
        "Example: smtp-doctor lab --port-base 2587"
    )
    parser.add_argument("--port-base", metavar="N", help="fixed ports N, N+1, N+2 instead of free ones")
    parser.add_argument("--json", action="store_true", help="print the listeners and scenarios as one JSON object")
    parser.add_argument(
        "--stop-after", metavar="SECONDS", help="stop by itself after SECONDS (default: run until Ctrl+C)"
    )


def _port_base(text: str | None) -> int | None:
    if text is None:
        return None
    base = validate.port(text, "--port-base")
    if base + 2 > 65535:
        raise InputError("--port-base", f"The ports {base} to {base + 2} do not fit below 65536.")
    return base


def _stop_after(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise InputError("--stop-after", f"Give a number of seconds, not '{text[:20]}'.") from None
    if not 0 < seconds <= 7 * 24 * 3600:
        raise InputError("--stop-after", "Give a number of seconds greater than 0 (at most a week).")
    return seconds


def run(args: argparse.Namespace) -> int:
    from core.lab import PracticeServer, ports_from_base

    base = _port_base(args.port_base)
    stop_after = _stop_after(args.stop_after)
    # aiosmtpd logs every refused TLS handshake or junk line as a warning; the practice server
    # records those itself, so keep the terminal for what the technician needs.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    server = PracticeServer(ports=ports_from_base(base) if base is not None else None)
    # SIGTERM is caught before anything is printed: whoever reads the listeners may stop us at once.
    with _sigterm_caught() as stopping:
        try:
            server.start()
        except OSError as exc:
            raise InputError("--port-base", f"The practice server cannot listen: {exc.strerror or exc}.") from None
        try:
            if args.json:
                print(json.dumps(describe(server), indent=2), flush=True)
            else:
                print_summary(server, sys.stdout)
            _wait_for_stop(stopping, stop_after)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    print("Practice server stopped.", file=sys.stderr, flush=True)
    return EXIT_OK


@contextmanager
def _sigterm_caught() -> Iterator[list[int]]:
    """While inside, SIGTERM appends to the yielded list instead of killing the process.

    The handler only flips a flag: taking a lock (``Event.set``) inside a signal handler can
    deadlock when the signal lands while the main thread holds that same lock.
    """
    stopping: list[int] = []

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    if threading.current_thread() is not threading.main_thread():
        yield stopping  # signals go to the main thread only; the caller has its own way to stop
        return
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield stopping
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wait_for_stop(stopping: list[int], seconds: float | None) -> None:
    """Block until SIGTERM (``stopping`` fills), Ctrl+C (KeyboardInterrupt) or the time limit."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while not stopping and (deadline is None or time.monotonic() < deadline):
        time.sleep(0.1)


# --- what is printed -------------------------------------------------------------------------------


def _outcome(scenario: Scenario) -> str:
    outcome = "works" if scenario.expected_code is None else scenario.expected_code
    if scenario.expected_warnings:
        outcome += f" (warning: {', '.join(scenario.expected_warnings)})"
    return outcome


def _secret_text(scenario: Scenario) -> tuple[str, str]:
    """('password'|'token'|'', the practice value): practice values are meant to be shown."""
    if scenario.token is not None:
        return "token", scenario.token.reveal()
    if scenario.password is not None:
        return "password", scenario.password.reveal()
    return "", ""


def describe(server: PracticeServer) -> dict[str, object]:
    """Everything ``lab --json`` prints: listeners, CA file, accounts and scenarios."""
    from core.lab.scenarios import OVERSIZE_MARGIN

    accounts = [
        {
            "login": a.login,
            "password": a.password,
            "app_password": a.app_password,
            "token": a.token,
            "style": a.style.value,
            "summary": a.summary,
        }
        for a in server.accounts
    ]
    scenarios = []
    for s in _scenarios():
        kind, value = _secret_text(s)
        scenarios.append(
            {
                "id": s.id,
                "title": s.title,
                "lesson": s.lesson,
                "listener": s.listener.value,
                "port": server.port(s.listener),
                "security": s.security.value,
                "auth": s.auth.value,
                "credential": s.credential_kind.value if s.login else "none",
                "user": s.login,
                "password": value if kind == "password" else None,
                "token": value if kind == "token" else None,
                "from": s.sender,
                "to": list(s.rcpt_to),
                "trust_practice_ca": s.trust_practice_ca,
                "attachment_bytes": server.size_limit + OVERSIZE_MARGIN if s.exceeds_size_limit else 0,
                "expected_code": s.expected_code,
                "expected_warnings": list(s.expected_warnings),
            }
        )
    return {
        "host": server.host,
        "listeners": [listener.as_dict() for listener in server.listeners],
        "ca_file": server.ca_file,
        "size_limit": server.size_limit,
        "accounts": accounts,
        "scenarios": scenarios,
    }


def _scenarios() -> tuple[Scenario, ...]:
    from core.lab import SCENARIOS

    return SCENARIOS


def print_summary(server: PracticeServer, out: TextIO) -> None:
    """The human-readable start-up text."""
    print(f"SMTP Doctor practice server on {server.host} (Ctrl+C to stop)", file=out)
    print("\nListeners:", file=out)
    for listener in server.listeners:
        print(
            f"  {listener.role.value:<11} port {listener.port:<5}  {listener.security.label:<8}  "
            f"{listener.role.description}",
            file=out,
        )
    print(f"\nPractice CA (give it as --ca-file to verify the server):\n  {server.ca_file}", file=out)
    print("\nAccounts:", file=out)
    for account in server.accounts:
        print(f"  {account.login:<34} {account.summary}", file=out)
    print("\nScenarios (settings to enter -> expected outcome):", file=out)
    for s in _scenarios():
        kind, value = _secret_text(s)
        login = f"user {s.login}, {kind} '{value}'" if s.login else "no login"
        extra = "" if s.trust_practice_ca else ", without the practice CA"
        if s.exceeds_size_limit:
            extra += f", attachment over {server.size_limit // 1024} KiB"
        print(f"  {s.title}  [{s.id}]", file=out)
        print(
            f"      {s.security.label} on port {server.port(s.listener)} ({s.listener.value}), {login}, "
            f"from {s.sender} to {', '.join(s.rcpt_to)}{extra} -> {_outcome(s)}",
            file=out,
        )
    out.flush()
