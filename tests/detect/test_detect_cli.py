"""``smtp-doctor detect`` and ``probe --device`` as a user runs them: flags, exit codes, JSON, reports."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from core.lab.accounts import PRACTICE_PASSWORD
from core.lab.server import PracticeServer
from core.secret import secret_forms
from tests.helpers.scripted_server import ScriptedServer

ROOT = Path(__file__).resolve().parents[2]
ROW_KEYS = {
    "port",
    "security",
    "reachable",
    "greeting",
    "tls_version",
    "certificate_valid",
    "auth_before_tls",
    "auth_after_tls",
    "error_code",
    "milliseconds",
}


def smtp_doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["detect"], "HOST"),
        (["detect", "smtp://mail.example.com"], "smtp://"),
        (["detect", "mail.example.com", "--ports", "25,abc"], "--ports: The port must be a number"),
        (["detect", "mail.example.com", "--ports", "70000"], "out of range"),
        (["detect", "mail.example.com", "--ports", " , "], "at least one port"),
        (["detect", "mail.example.com", "--device", "printer9000"], "unknown device class 'printer9000'"),
        (["detect", "mail.example.com", "--timeout", "0"], "--timeout"),
        (["detect", "mail.example.com", "--user", "a@b.example"], "needs a secret"),
        (["detect", "mail.example.com", "--password", "hunter2"], "never taken as a command-line value"),
        (["detect", "mail.example.com", "--report", "out.pdf"], "must end in .json, .txt"),
        (["detect", "mail.example.com", "--attach-size", "lots"], "--attach-size"),
        (["probe", "mail.example.com", "--security", "tls", "--device", "legacy-tls10", "--no-send"], "no SSL/TLS"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    done = smtp_doctor(*args)
    assert done.returncode == 2, done.stderr
    assert needle in done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr


@pytest.mark.network
def test_json_matrix_recommendation_and_login(practice: PracticeServer, tmp_path: Path) -> None:
    sub, imp = practice.submission_port, practice.implicit_port
    report = tmp_path / "detect.json"
    done = smtp_doctor(
        "detect", "127.0.0.1", "--ports", f"{sub},{imp}", "--ca-file", practice.ca_file, "--timeout", "0.6",
        "--user", "works@practice.test", "--password-env", "PW", "--json", "--report", str(report),
        env={"PW": PRACTICE_PASSWORD},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["schema_version"] == 1
    assert data["host"] == "127.0.0.1"
    assert data["ok"] is True
    assert len(data["matrix"]) == 6
    assert all(set(row) >= ROW_KEYS for row in data["matrix"])
    first = data["matrix"][1]
    assert (first["port"], first["security"], first["tls_version"]) == (sub, "starttls", "TLSv1.3")
    assert first["auth_before_tls"] == []
    assert first["auth_after_tls"] == ["LOGIN", "PLAIN", "XOAUTH2"]
    assert data["recommendation"]["port"] == sub
    assert data["recommendation"]["security"] == "starttls"
    assert data["auth"] == {
        "port": sub, "security": "starttls", "ok": True, "mechanism": "PLAIN", "error_code": None, "message": None,
    }  # fmt: skip
    codes = [f["code"] for f in data["findings"]]
    assert "message_too_large" in codes  # a 5 MB scan against the practice server's 2 MiB SIZE
    assert json.loads(report.read_text())["recommendation"] == data["recommendation"]
    for form in secret_forms(PRACTICE_PASSWORD):
        assert form not in done.stdout
        assert form not in report.read_text()


@pytest.mark.network
def test_wrong_password_on_the_recommended_combination_exits_1(practice: PracticeServer, tmp_path: Path) -> None:
    report = tmp_path / "detect.txt"
    password = "Wr0ng~pass&word"
    done = smtp_doctor(
        "detect", "127.0.0.1", "--ports", str(practice.submission_port), "--ca-file", practice.ca_file,
        "--timeout", "0.6", "--user", "works@practice.test", "--password-env", "PW", "--report", str(report),
        env={"PW": password},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"Recommended: 127.0.0.1, port {practice.submission_port}, STARTTLS" in done.stdout
    assert "Login on port" in done.stdout
    assert "FAILED (auth_rejected_unspecified)" in done.stdout
    assert "(password_characters_risky)" in done.stdout
    saved = report.read_text()
    assert "Recommended:" in saved
    for form in secret_forms(password):
        assert form not in done.stdout
        assert form not in saved


@pytest.mark.network
def test_nothing_works_exits_1_with_the_causes(refused_port: int) -> None:
    done = smtp_doctor("detect", "127.0.0.1", "--ports", str(refused_port), "--timeout", "0.5", "--json")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is False
    assert data["recommendation"] is None
    assert {row["error_code"] for row in data["matrix"]} == {"connect_refused"}
    assert [f["code"] for f in data["findings"]] == ["connect_refused"]
    assert data["findings"][0]["port"] == refused_port


@pytest.mark.network
def test_probe_with_device_class_is_told_its_tls_is_too_old(
    modern_server_context: ssl.SSLContext, rsa_ca_file: str
) -> None:
    with ScriptedServer.smtp(tls_context=modern_server_context) as server:
        done = smtp_doctor(
            "probe", "127.0.0.1", "--port", str(server.port), "--security", "starttls", "--no-send",
            "--ca-file", rsa_ca_file, "--device", "legacy-tls10", "--json",
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["settings"]["device"] == "legacy-tls10"
    assert data["settings"]["tls_max"] == "1.0"
    assert data["settings"]["helo"] == "MFP"
    assert data["findings"][0]["code"] == "tls_version_too_old"
