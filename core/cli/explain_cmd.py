"""``smtp-doctor explain TEXT|-``: diagnose a pasted server reply, printer log line or AADSTS error.

Exit status: 0 no error finding, 1 a problem was identified, 2 bad input (empty text).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence
from datetime import datetime

from core.cli.common import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, usage_error
from core.cli.flags import add_color_argument
from core.diagnosis.finding import Finding, primary

SCHEMA_VERSION = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "text",
        nargs="+",
        help="the reply or error message (quote it), or - to read it from standard input",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    add_color_argument(parser)


def _read_text(parts: list[str]) -> str:
    if parts == ["-"]:
        return sys.stdin.read()
    return " ".join(parts)


def _print(findings: Sequence[Finding], colour: bool) -> None:
    """Findings as text; the verdict names the cause found in the text (no live test ran)."""
    from core.report.terminal import print_findings

    buffer = io.StringIO()
    print_findings(findings, stream=buffer, colour=colour)
    lines = buffer.getvalue().splitlines()
    first = primary(findings)
    lines[1] = f"Cause found: {first.title}" if first else "No problem identified in this text."
    print("\n".join(lines))


def run(args: argparse.Namespace) -> int:
    from core.diagnosis.explain import explain_result, explain_text
    from core.diagnosis.finding import Severity
    from core.errors import InputError
    from core.report.terminal import want_colour

    text = _read_text(list(args.text))
    try:
        findings = explain_text(text, now=datetime.now().astimezone())
    except InputError as exc:
        return usage_error("smtp-doctor explain", exc.message)
    if args.json:
        result = explain_result(text)
        transcript = result.transcript if result else ()
        payload = {
            "schema_version": SCHEMA_VERSION,
            "input": text,
            "findings": [f.as_dict(transcript) for f in findings],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        _print(findings, want_colour(sys.stdout, args.color))
    if any(f.severity is Severity.ERROR for f in findings):
        return EXIT_PROBLEM
    return EXIT_OK


__all__ = ["EXIT_USAGE", "configure", "run"]
