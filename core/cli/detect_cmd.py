"""``smtp-doctor detect``: which port and encryption combinations work, and what to type into the device.

Probes ports 25, 465, 587 and 2525 (or ``--ports``) with no encryption, STARTTLS and SSL/TLS at
once, prints the matrix and one recommendation with its reason, and, with a login name and a
password (from the environment or standard input, never a flag value), logs in on the recommended
combination. ``--device CLASS`` restricts the client to what that class of printer can do.
Exit status: 0 a working combination was found (and the login worked, when asked), 1 none works,
2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from core import validate
from core.cli.common import EXIT_OK, EXIT_PROBLEM
from core.cli.flags import (
    add_color_argument,
    add_secret_arguments,
    add_tls_arguments,
    credentials_from_flags,
    refuse_password_flag,
    report_path_from_flag,
    tls_policy_from_flags,
)
from core.errors import InputError
from core.model import AuthMethod, CredentialKind, Credentials, ProbePlan, SecurityMode

if TYPE_CHECKING:
    from core.detect.session import DetectOutcome

PROG = "smtp-doctor detect"
DETECT_REPORT_SUFFIXES = (".json", ".txt")
MAX_PORTS = 16
DEFAULT_PORTS_TEXT = "25,465,587,2525"


def configure(parser: argparse.ArgumentParser) -> None:
    from core.detect import DEFAULT_TIMEOUT
    from core.devices import device_ids

    parser.epilog = (
        "Examples: smtp-doctor detect smtp.example.com;  smtp-doctor detect mail.example.com --ports 587,465 "
        "--device legacy-tls10 --json.  Exit status: 0 a working combination was found, 1 none works, 2 bad input."
    )
    where = parser.add_argument_group("server")
    where.add_argument("host", nargs="?", help="SMTP server name or IP address (no smtp://, no :port)")
    where.add_argument(
        "--ports", default=DEFAULT_PORTS_TEXT, help=f"comma-separated ports to try (default: {DEFAULT_PORTS_TEXT})"
    )
    where.add_argument("--helo", metavar="NAME", help="the name to send in EHLO (default: this computer's name)")
    where.add_argument(
        "--timeout",
        metavar="SECONDS",
        help=f"deadline for each step of each combination (default: {DEFAULT_TIMEOUT:g})",
    )
    where.add_argument("--device", metavar="CLASS", help="emulate a class of printer: " + ", ".join(device_ids()))

    login = parser.add_argument_group("optional login on the recommended combination (no message is sent)")
    login.add_argument("--user", metavar="U", help="login name (usually the full email address)")
    add_secret_arguments(login)
    add_tls_arguments(parser, insecure_help="do not verify certificates (not recommended)")

    checks = parser.add_argument_group("pre-flight checks")
    checks.add_argument(
        "--attach-size", metavar="BYTES", help="size of a typical scan to check against SIZE (default: 5m)"
    )

    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    output.add_argument("--report", metavar="FILE", help="also save the result (.json or .txt)")
    add_color_argument(output)


def run(args: argparse.Namespace) -> int:
    refused = refuse_password_flag(args, PROG)
    if refused is not None:
        return refused
    # Bad input raises InputError, which core.cli.main turns into one line and exit status 2.
    report_path = detect_report_path(args.report)
    base, ports, credentials = build_request(args)
    attachment = parse_size(args.attach_size, "--attach-size")
    return execute(base, ports, credentials, attachment, args, report_path)


def execute(
    base: ProbePlan,
    ports: tuple[int, ...],
    credentials: Credentials,
    attachment_bytes: int | None,
    args: argparse.Namespace,
    report_path: Path | None,
) -> int:
    from core.preflight import TYPICAL_SCAN_BYTES
    from core.report.terminal import want_colour
    from core.usecase.detect import DetectRequest, find_settings

    size = attachment_bytes if attachment_bytes is not None else TYPICAL_SCAN_BYTES
    outcome = find_settings(DetectRequest(base, ports, credentials, size))
    data = outcome.to_dict()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        from core.detect.text import render_outcome

        print(render_outcome(outcome, colour=want_colour(sys.stdout, args.color)))
    if report_path is not None and not _save(report_path, outcome, credentials, base, sys.stderr):
        return EXIT_PROBLEM
    return EXIT_OK if outcome.ok else EXIT_PROBLEM


def _save(path: Path, outcome: DetectOutcome, credentials: Credentials, base: ProbePlan, errors: TextIO) -> bool:
    from core.detect.text import render_outcome
    from core.report.redact import ReportRedactor
    from core.report.save import ReportError, write_atomically

    redact = ReportRedactor(credentials.values(), [base.username])
    if path.suffix.lower() == ".json":
        text = json.dumps(redact.deep(outcome.to_dict()), indent=2, ensure_ascii=False)
    else:
        text = redact(render_outcome(outcome, colour=False))
    try:
        write_atomically(path, (text + "\n").encode("utf-8"))
    except ReportError as exc:
        print(f"{PROG}: report not saved: {exc}", file=errors)
        return False
    return True


def detect_report_path(text: str | None) -> Path | None:
    """The report file: one of the formats detect writes, in a folder that exists."""
    return report_path_from_flag(text, DETECT_REPORT_SUFFIXES, "detect report file")


def parse_ports(text: str, field: str = "--ports") -> tuple[int, ...]:
    """``25,465,587`` → (25, 465, 587): each checked like --port, duplicates dropped, at most 16."""
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",")]
    if not any(parts):
        raise InputError(field, f"give at least one port, e.g. {DEFAULT_PORTS_TEXT}")
    ports = tuple(dict.fromkeys(validate.port(part, field) for part in parts if part))
    if len(ports) > MAX_PORTS:
        raise InputError(field, f"at most {MAX_PORTS} ports at a time ({len(ports)} given)")
    return ports


def parse_size(text: str | None, field: str) -> int | None:
    """``5000000``, ``500k`` or ``5m`` (k and m are 1000 and 1000000 here, as file sizes are shown)."""
    if text is None:
        return None
    value = text.strip().lower()
    multiplier = {"k": 1000, "m": 1000 * 1000}.get(value[-1:], 1)
    digits = value[:-1] if multiplier > 1 else value
    if not digits.isdigit() or int(digits) * multiplier > 200 * 1000 * 1000:
        raise InputError(field, "give a size in bytes (e.g. 2000000, 500k or 5m; at most 200m)")
    return int(digits) * multiplier


def build_request(args: argparse.Namespace) -> tuple[ProbePlan, tuple[int, ...], Credentials]:
    """Validate every flag into the base plan, the ports and the credentials (InputError names the flag)."""
    from core.detect import DEFAULT_TIMEOUT
    from core.detect.matrix import detect_timeouts
    from core.devices import resolve_device

    if not args.host:
        raise InputError("HOST", "name the SMTP server to examine")
    host = validate.host(args.host, "HOST")
    ports = parse_ports(args.ports)
    seconds = validate.timeout(args.timeout, "--timeout") if args.timeout else DEFAULT_TIMEOUT
    device = resolve_device(args.device).id if args.device else None
    user = validate.username(args.user, "--user") if args.user else None
    credentials = credentials_from_flags(args)
    if credentials.password is not None and not user:
        raise InputError("--user", "a password was given but no login name: add --user")
    if user and not (credentials.password or credentials.token):
        raise InputError("--user", "a login name needs a secret too: --password-env VAR or --password-stdin")
    token = credentials.token is not None
    base = ProbePlan(
        host=host,
        port=ports[0],
        auth=AuthMethod.XOAUTH2 if token else AuthMethod.AUTO,
        username=user,
        credential_kind=_kind(credentials),
        send=False,
        helo_name=validate.helo_name(args.helo, "--helo") if args.helo else None,
        tls=tls_policy_from_flags(args),
        timeouts=detect_timeouts(seconds),
        device_profile=device,
    )
    if device is not None and user:
        from core.devices import apply_device

        # Fail now, with the flag's name, if the device cannot log in the way the plan asks.
        apply_device(replace(base, security=SecurityMode.STARTTLS), device)
    return base, ports, credentials


def _kind(credentials: Credentials) -> CredentialKind:
    if credentials.token is not None:
        return CredentialKind.OAUTH_DELEGATED
    return CredentialKind.PASSWORD if credentials.password is not None else CredentialKind.NONE


__all__ = ["build_request", "configure", "parse_ports", "parse_size", "run"]
