"""The ``smtp-doctor probe`` contract: flags, exit codes, JSON, and no secret in any output byte."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.secret import secret_forms
from tests.cli.conftest import PASSWORD, TOKEN, USER, Submission

ROOT = Path(__file__).resolve().parents[2]


def smtp_doctor(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["probe"], "HOST"),
        (["probe", ""], "HOST"),
        (["probe", "   "], "HOST"),
        (["probe", "smtp://mail.example.com"], "smtp://"),
        (["probe", "mail.example.com:587"], "Port field"),
        (["probe", "mail.example.com", "--port", "0"], "1 to 65535"),
        (["probe", "mail.example.com", "--port", "70000"], "70000"),
        (["probe", "mail.example.com", "--port", "abc"], "number"),
        (["probe", "mail.example.com", "--security", "quantum"], "quantum"),
        (["probe", "mail.example.com", "--password", "hunter2"], "never taken as a command-line value"),
        (["probe", "mail.example.com", "-p", "hunter2"], "never taken as a command-line value"),
        (["probe", "mail.example.com", "--user", "a@b.test", "--password-env", "NOPE_UNSET"], "NOPE_UNSET"),
        (["probe", "mail.example.com", "--from", "a b@example.com"], "spaces"),
        (["probe", "mail.example.com", "--no-send", "--tls-min", "1.3", "--tls-max", "1.2"], "above"),
        (["probe", "mail.example.com", "--report", "out.docx"], ".html"),
        (["probe", "mail.example.com", "--auth", "xoauth2", "--no-send"], "token"),
        (["probe", "mail.example.com", "--bogus-flag"], "unrecognized"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args: list[str], needle: str) -> None:
    done = smtp_doctor(*args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert needle in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_password_flag_value_is_not_echoed() -> None:
    done = smtp_doctor("probe", "mail.example.com", "--password", "hunter2-secret")
    assert "hunter2-secret" not in done.stderr + done.stdout


def test_help_documents_every_flag() -> None:
    from core.cli import probe_cmd
    from core.cli.main import OneLineParser

    parser = OneLineParser(prog="probe")
    probe_cmd.configure(parser)
    documented = smtp_doctor("probe", "--help").stdout
    flags = [
        opt
        for action in parser._actions
        if action.help != "==SUPPRESS==" and action.option_strings
        for opt in action.option_strings
    ]
    assert len(flags) > 25
    for flag in flags:
        assert flag in documented, flag
    assert "--password " not in documented.replace("--password-env", "").replace("--password-stdin", "")


def test_headless_path_imports_no_qt_msal_or_dnspython() -> None:
    code = (
        "import sys; from core.cli.main import main\n"
        "rc = main(['probe', '--help']) if False else None\n"
        "import core.cli.probe_cmd, core.report.terminal, core.report.json_report\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'msal', 'dns'))\n"
        "print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def _all_secret_forms() -> set[str]:
    """The secrets and every encoding the AUTH exchange may have used, built independently."""
    forms = secret_forms(PASSWORD) | secret_forms(TOKEN)
    plain = f"\0{USER}\0{PASSWORD}".encode()
    xoauth = f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01".encode()
    for blob in (plain, xoauth):
        forms.add(base64.b64encode(blob).decode())
    return forms


def _run_against(server: Submission, ca_file: str, *extra: str, env: dict[str, str], stdin: str | None = None):
    return smtp_doctor(
        "probe", "127.0.0.1", "--port", str(server.port), "--security", "starttls", "--ca-file", ca_file,
        "--user", USER, "--from", USER, "--to", "desk@example.test", "--timeout", "10", *extra,
        env=env, stdin=stdin,
    )  # fmt: skip


@pytest.mark.network
@pytest.mark.parametrize("mechanism", ["plain", "login"])
@pytest.mark.parametrize("as_json", [False, True])
def test_password_login_passes_and_leaks_nothing(
    submission_server: Submission, ca_file: str, tmp_path: Path, mechanism: str, as_json: bool
) -> None:
    report = tmp_path / "report.json"
    extra = ["--auth", mechanism, "--password-env", "SMTP_PW", "--report", str(report)]
    done = _run_against(submission_server, ca_file, *extra, *(["--json"] if as_json else []), env={"SMTP_PW": PASSWORD})
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(submission_server.handler.messages) == 1
    output = done.stdout + done.stderr + report.read_text()
    for form in _all_secret_forms():
        assert form not in output, f"secret form leaked: {form[:6]}…"
    if as_json:
        data = json.loads(done.stdout)
        assert data["ok"] is True
        assert data["schema_version"] == 1
        assert [p["name"] for p in data["phases"]][:3] == ["connect", "greeting", "ehlo"]
        assert data["capabilities"]["before_tls"]["auth"] == []
        assert mechanism.upper() in data["capabilities"]["after_tls"]["auth"]
        assert data["tls"]["verification"]["ok"] is True
        assert {e["kind"] for e in data["transcript"]} >= {"client", "server", "tls"}
    else:
        assert "C: STARTTLS" in done.stdout
        assert "S: 235" in done.stdout
        assert "Works: the printer can use these settings." in done.stdout


@pytest.mark.network
def test_wrong_password_exits_1_and_leaks_nothing(submission_server: Submission, ca_file: str) -> None:
    wrong = "Wr0ng-Passw0rd!"
    done = _run_against(submission_server, ca_file, "--password-stdin", "--json", env={}, stdin=wrong + "\n")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is False
    assert data["findings"][0]["severity"] == "error"
    everything = done.stdout + done.stderr
    for form in secret_forms(wrong) | {base64.b64encode(f"\0{USER}\0{wrong}".encode()).decode()}:
        assert form not in everything


@pytest.mark.network
@pytest.mark.parametrize("token_ok", [True, False])
def test_xoauth2_token_never_printed(submission_server: Submission, ca_file: str, token_ok: bool) -> None:
    token = TOKEN if token_ok else TOKEN[::-1]
    done = _run_against(submission_server, ca_file, "--token-env", "SMTP_TOKEN", env={"SMTP_TOKEN": token})
    assert done.returncode == (0 if token_ok else 1), done.stdout + done.stderr
    assert "AUTH XOAUTH2" in done.stdout
    blob = base64.b64encode(f"user={USER}\x01auth=Bearer {token}\x01\x01".encode()).decode()
    for form in secret_forms(token) | {blob}:
        assert form not in done.stdout + done.stderr
