"""Plain-text rendering of a detect run: the matrix as a table, the recommendation, the findings.

Every cell reads the same without colour (``yes``/``NO``/``-``); colour only adds emphasis on a
terminal. Used by ``smtp-doctor detect`` and its ``--report FILE.txt``.
"""

from __future__ import annotations

import io

from core.detect.matrix import MatrixRow
from core.detect.session import DetectOutcome
from core.report.terminal import print_findings

_GREEN, _RED, _DIM, _BOLD, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[0m"
HEADERS = ("Port", "Encryption", "Reached", "TLS", "Certificate", "AUTH before TLS", "AUTH after TLS", "Result", "Time")
_GREETING_WIDTH = 60


def render_outcome(outcome: DetectOutcome, *, colour: bool = False) -> str:
    """The whole run as text: header, table, greetings, recommendation, login, findings."""
    out = io.StringIO()
    device = f" as device class {outcome.device}" if outcome.device else ""
    out.write(f"Settings for {outcome.host}{device} ({outcome.duration_ms / 1000:.1f} s)\n\n")
    out.write(render_table(outcome.rows, colour=colour))
    greetings = {row.port: row.greeting for row in outcome.rows if row.greeting}
    if greetings:
        out.write("\nGreetings:\n")
        for port, greeting in greetings.items():
            shown = greeting if len(greeting) <= _GREETING_WIDTH else greeting[: _GREETING_WIDTH - 1] + "…"
            out.write(f"  {port}: {shown}\n")
    out.write("\n" + _recommendation(outcome, colour) + "\n")
    if outcome.auth is not None:
        auth = outcome.auth
        state = f"worked (AUTH {auth.mechanism})" if auth.ok else f"FAILED ({auth.error_code}): {auth.message}"
        out.write(f"\nLogin on port {auth.combination.port} {auth.combination.security.label}: {state}\n")
    if outcome.findings:
        buffer = io.StringIO()
        print_findings([placed.finding for placed in outcome.findings], buffer, colour)
        # print_findings starts with a verdict for one probe; the recommendation above is the verdict here.
        out.write("\n" + buffer.getvalue().split("\n", 2)[-1].lstrip("\n"))
    return out.getvalue().rstrip("\n")


def render_table(rows: tuple[MatrixRow, ...], *, colour: bool = False) -> str:
    cells = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    lines = []
    for number, line in enumerate(cells):
        text = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip()
        if colour and number:
            row = rows[number - 1]
            text = _paint(_GREEN if row.works else _DIM if row.skipped else _RED, text)
        lines.append(text)
    return "\n".join(lines) + "\n"


def _cells(row: MatrixRow) -> tuple[str, ...]:
    if row.skipped:
        return (str(row.port), row.security.label, "-", "-", "-", "-", "-", "skipped (device)", "-")
    result = "works" if row.works else "works, cert NOT trusted" if row.session_ok else (row.error_code or "failed")
    return (
        str(row.port),
        row.security.label,
        _yes_no(row.reachable),
        (row.tls_version or "-"),
        {True: "valid", False: "NOT trusted", None: "-"}[row.certificate_valid],
        _mechanisms(row.auth_before_tls),
        _mechanisms(row.auth_after_tls),
        result,
        f"{row.milliseconds:.0f} ms",
    )


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[value]


def _mechanisms(value: tuple[str, ...] | None) -> str:
    if value is None:
        return "-"
    return " ".join(value) if value else "(none)"


def _recommendation(outcome: DetectOutcome, colour: bool) -> str:
    best = outcome.recommendation
    if best is None:
        line = "No combination works: nothing to type into the device yet (see the findings below)."
        return _paint(_RED + _BOLD, line) if colour else line
    head = f"Recommended: {outcome.host}, port {best.port}, {best.security.label}"
    return (_paint(_GREEN + _BOLD, head) if colour else head) + "\n" + best.reason


def _paint(code: str, text: str) -> str:
    return f"{code}{text}{_RESET}"
