"""Run swaks (the Swiss Army Knife for SMTP, Debian package) and read the server replies it saw.

swaks is the independent reference client of the differential tests: it prints every server
line with a prefix saying how it arrived: ``<-`` in clear text, ``<~`` over TLS, and a ``*``
marking a reply swaks considers an error (``<-*``/``<~*``, or ``<**``). ``parse_swaks_output``
turns those lines back into whole (possibly multi-line) replies.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from core.smtp.events import Reply

SWAKS_TIMEOUT_S = 30.0

# "<-  250-PIPELINING", "<~* 535 5.7.8 Error: ...", "<** 530 5.7.0 Must issue ..."
_SERVER_LINE = re.compile(r"^<(?P<channel>[-~*])(?P<flag>[ *]) (?P<code>\d{3})(?P<sep>[- ]?)(?P<text>.*)$")


@dataclass(frozen=True)
class SwaksReply:
    """One server reply as swaks printed it."""

    reply: Reply
    over_tls: bool
    flagged_error: bool


@dataclass(frozen=True)
class SwaksRun:
    """The outcome of one swaks process."""

    returncode: int
    output: str
    replies: tuple[SwaksReply, ...]

    def codes(self) -> list[tuple[int, str | None]]:
        """(reply code, enhanced status code) of every reply, in order."""
        return [(r.reply.code, _enhanced(r.reply)) for r in self.replies]

    def ehlo_keywords(self, *, over_tls: bool) -> frozenset[str] | None:
        """The capability lines (upper-cased) of the last EHLO reply seen in clear or over TLS."""
        ehlos = [r for r in self.replies if r.over_tls == over_tls and _is_ehlo_reply(r.reply)]
        if not ehlos:
            return None
        return frozenset(line.strip().upper() for line in ehlos[-1].reply.lines[1:])


def swaks_available() -> bool:
    return shutil.which("swaks") is not None


def run_swaks(args: list[str], *, timeout: float = SWAKS_TIMEOUT_S) -> SwaksRun:
    """Run ``swaks ARGS`` (never interactive) and parse what the server said."""
    done = subprocess.run(
        ["swaks", "--hide-informational", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    return SwaksRun(done.returncode, output, parse_swaks_output(output))


def parse_swaks_output(output: str) -> tuple[SwaksReply, ...]:
    """Whole replies from swaks' transcript; continuation lines (``250-``) join the next ones."""
    replies: list[SwaksReply] = []
    pending: list[str] = []
    for line in output.splitlines():
        match = _SERVER_LINE.match(line)
        if not match:
            continue
        pending.append(match["text"])
        if match["sep"] != "-":
            reply = Reply(int(match["code"]), tuple(pending))
            replies.append(SwaksReply(reply, match["channel"] == "~", "*" in (match["channel"], match["flag"])))
            pending = []
    return tuple(replies)


def _enhanced(reply: Reply) -> str | None:
    return str(reply.enhanced) if reply.enhanced else None


def _is_ehlo_reply(reply: Reply) -> bool:
    # A multi-line 250 whose later lines are capability keywords; single-line 250s answer other commands.
    return reply.code == 250 and len(reply.lines) > 1
