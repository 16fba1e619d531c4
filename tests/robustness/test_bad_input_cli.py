"""``smtp-doctor probe`` against bad input: exit status 2 and one line saying what is wrong, never a traceback.

Run in-process through ``core.cli.main.main`` (the same code path as ``python -m core``, minus the
interpreter start-up); tests/cli already covers the basic rows (empty host, port 0, letters, ...)
through subprocesses, so this table holds the hostile ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli import probe_cmd
from core.cli.main import build_parser, main
from core.model import SecurityMode
from core.profiles.paths import CONFIG_DIR_ENV
from tests.robustness.table import Row, record

ROOT = Path(__file__).resolve().parents[2]
HOST = "mail.example.test"
NO_SEND = ["--no-send"]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own errors exit through the parser
        status = int(exit_.code or 0)
    out = capsys.readouterr()
    return status, out.out, out.err


BAD = [
    ("host with CR/LF", ["probe", f"{HOST}\r\nQUIT", *NO_SEND], "line break"),
    ("host with a C1 control", ["probe", "exa\u0080mple.test", *NO_SEND], "not allowed in a host name"),
    ("host over-long", ["probe", "a" * 300, *NO_SEND], "too long (300 characters"),
    (
        "host label over-long (non-ASCII)",
        ["probe", "ä" * 70 + ".test", *NO_SEND],
        "(between dots) is too long",
    ),
    ("smtp://host:port as host", ["probe", f"smtp://{HOST}:465", *NO_SEND], "without 'smtp://'"),
    ("[IPv6]:port as host", ["probe", "[2001:db8::25]:587", *NO_SEND], "Type the port (587)"),
    ("port 65536", ["probe", HOST, "--port", "65536", *NO_SEND], "65536 is out of range"),
    ("port superscript digit", ["probe", HOST, "--port", "2\u00b2", *NO_SEND], "must be a number"),
    ("port negative", ["probe", HOST, "--port=-25", *NO_SEND], "must be a number"),
    ("sender with CR/LF", ["probe", HOST, "--from", "a@example.test\r\nRCPT TO:<x@evil.test>"], "line break"),
    ("sender non-ASCII bad domain", ["probe", HOST, "--from", "a@exa\u0080mple.test"], "not a valid domain"),
    (
        "recipient over-long",
        ["probe", HOST, "--from", "a@example.test", "--to", "r" * 300 + "@x.test"],
        "too long",
    ),
    (
        "login with CR/LF",
        ["probe", HOST, "--user", "scan\r\nner", "--password-env", "RB_PW", *NO_SEND],
        "line break",
    ),
    ("EHLO name with a space", ["probe", HOST, "--helo", "my printer", *NO_SEND], "cannot contain spaces"),
    ("timeout as words", ["probe", HOST, "--timeout", "soon", *NO_SEND], "number of seconds"),
    ("timeout zero", ["probe", HOST, "--timeout", "0", *NO_SEND], "between 0.1 and 600"),
    (
        "attachment size nonsense",
        ["probe", HOST, "--from", "a@example.test", "--attach-size", "lots"],
        "give a size",
    ),
    ("encryption word unknown", ["probe", HOST, "--security", "ssl3", *NO_SEND], "Unknown encryption 'ssl3'"),
]


@pytest.mark.parametrize(("case", "args", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_bad_flag_exits_2_with_one_line(
    case: str,
    args: list[str],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RB_PW", "pw-123")
    began = time.monotonic()
    status, out, err = run_cli(args, capsys)
    lines = err.strip().splitlines()
    shown = lines[0] if lines else ""
    record(
        Row(
            "cli",
            case,
            f"exit 2: {fragment}",
            f"exit {status}: {fragment if fragment in shown else shown}",
            time.monotonic() - began,
        )
    )
    assert status == 2, err
    assert len(lines) == 1, err
    assert fragment in lines[0]
    assert "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("case", "host", "expected"),
    [("IPv6 with brackets", "[::1]", "::1"), ("IPv6 without brackets", "::1", "::1")],
)
def test_ipv6_literals_are_accepted(case: str, host: str, expected: str) -> None:
    began = time.monotonic()
    args = build_parser("probe").parse_args(["probe", host, "--no-send"])
    plan, _credentials = probe_cmd.build_plan(args)
    record(Row("cli", case, f"accepted as {expected}", f"accepted as {plan.host}", time.monotonic() - began))
    assert plan.host == expected


def test_mismatched_port_and_encryption_is_not_blocked() -> None:
    # What the user asked for is what gets tested: the diagnosis, not the input check, explains a mismatch.
    args = build_parser("probe").parse_args(["probe", HOST, "--port", "465", "--security", "starttls", "--no-send"])
    plan, _credentials = probe_cmd.build_plan(args)
    assert (plan.port, plan.security) == (465, SecurityMode.STARTTLS)


@pytest.mark.parametrize(
    ("case", "content", "fragment"),
    [
        ("profile file not JSON", b'{"profiles": [ {"name": "Acme", ', "not valid JSON"),
        ("profile file binary", b"\x00\xff\xfe garbage \x89PNG", "damaged"),
        (
            "profile values nonsense",
            json.dumps(
                {
                    "schema_version": 2,
                    "app": "smtp-doctor",
                    "profiles": [{"name": "Acme", "host": ["x"], "port": "abc", "security": "quantum"}],
                }
            ).encode(),
            "cannot be used",
        ),
    ],
)
def test_profile_file_edited_into_nonsense(
    case: str,
    content: bytes,
    fragment: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))
    (tmp_path / "profiles.json").write_bytes(content)
    began = time.monotonic()
    status, out, err = run_cli(["probe", "--profile", "Acme"], capsys)
    lines = err.strip().splitlines()
    shown = lines[0] if lines else ""
    record(
        Row(
            "cli",
            case,
            f"exit 2: {fragment}",
            f"exit {status}: {fragment if fragment in shown else shown}",
            time.monotonic() - began,
        )
    )
    assert status == 2, err
    assert len(lines) == 1, err
    assert fragment in lines[0]
    assert "Traceback" not in err
    assert out == ""


def test_damaged_profile_file_is_one_line_in_a_real_process(tmp_path: Path) -> None:
    # In-process runs hide stray log lines (pytest captures logging); a real process shows them.
    (tmp_path / "profiles.json").write_bytes(b'{"profiles": [ {"name": ')
    done = subprocess.run(
        [sys.executable, "-m", "core", "probe", "--profile", "Acme"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, CONFIG_DIR_ENV: str(tmp_path), "NO_COLOR": "1"},
        timeout=60,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert "No profile is named 'Acme'" in lines[0]
    assert "not valid JSON" in lines[0]
    assert done.stdout == ""
