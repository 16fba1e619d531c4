"""``smtp-doctor lab`` run as a real subprocess: it prints its listeners, serves, and stops on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.network, pytest.mark.timeout(30)]

REPO = Path(__file__).resolve().parents[2]


def start_lab(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "core", "lab", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def lab_json() -> Iterator[tuple[subprocess.Popen[str], dict[str, object]]]:
    process = start_lab("--json", "--stop-after", "20")  # bounded even if the test dies
    try:
        assert process.stdout is not None
        text = ""
        for line in process.stdout:  # the object is printed once, then the server waits
            text += line
            if line.rstrip() == "}":
                break
        yield process, json.loads(text)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)


def terminate(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=5)
    return process.returncode, err


def test_json_lists_listeners_ca_and_scenarios_then_stops_on_sigterm(
    lab_json: tuple[subprocess.Popen[str], dict[str, object]],
) -> None:
    process, info = lab_json
    listeners = info["listeners"]
    assert isinstance(listeners, list)
    by_role = {item["role"]: item for item in listeners}
    assert set(by_role) == {"submission", "implicit", "plain"}
    assert by_role["submission"]["security"] == "starttls"
    assert by_role["implicit"]["encryption"] == "SSL/TLS"
    ca_file = Path(str(info["ca_file"]))
    assert ca_file.is_file()

    scenarios = info["scenarios"]
    assert isinstance(scenarios, list)
    works = next(s for s in scenarios if s["id"] == "works-starttls")
    assert works["expected_code"] is None
    assert works["port"] == by_role["submission"]["port"]
    tenant = next(s for s in scenarios if s["id"] == "tenant-disabled")
    assert tenant["expected_code"] == "smtp_auth_disabled_tenant"

    # The printed settings really work against the running server.
    client = smtplib.SMTP("127.0.0.1", works["port"], timeout=5)
    try:
        client.starttls(context=ssl.create_default_context(cafile=str(ca_file)))
        client.ehlo("scanner.test")
        client.login(works["user"], works["password"])
    finally:
        client.close()

    code, err = terminate(process)
    assert code == 0
    assert "Practice server stopped." in err
    assert "Traceback" not in err
    assert not ca_file.exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", works["port"])) != 0


def test_text_output_names_ports_ca_and_passwords() -> None:
    process = start_lab("--stop-after", "20")
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Password sent without encryption" in line:
                lines.append(process.stdout.readline())
                break
        text = "".join(lines)
        code, err = terminate(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0
    assert "Traceback" not in err
    assert re.search(r"submission\s+port \d+\s+STARTTLS", text)
    assert re.search(r"implicit\s+port \d+\s+SSL/TLS", text)
    assert re.search(r"plain\s+port \d+\s+None", text)
    assert "practice-ca.pem" in text
    assert "password 'Lab-Pa55word'" in text
    assert "-> smtp_auth_disabled_tenant" in text
    assert "-> works (warning: credentials_sent_without_tls)" in text


def test_stops_by_itself_after_the_given_time() -> None:
    process = start_lab("--json", "--stop-after", "0.5")
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0
    assert json.loads(out)["listeners"]
    assert "Practice server stopped." in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port-base", "65535"], "do not fit"),
        (["--port-base", "abc"], "must be a number"),
        (["--stop-after", "-1"], "greater than 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    process = start_lab(*args)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_a_taken_port_is_reported_plainly() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        process = start_lab("--port-base", str(port))
        out, err = process.communicate(timeout=15)
    assert process.returncode == 2
    assert out == ""
    assert err.startswith("smtp-doctor lab: --port-base: The practice server cannot listen:")
    assert f"port {port}" in err
    assert len(err.strip().splitlines()) == 1


def test_ctrl_c_stops_cleanly(lab_json: tuple[subprocess.Popen[str], dict[str, object]]) -> None:
    process, info = lab_json
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=5)
    assert process.returncode == 0
    assert "Practice server stopped." in err
    assert "Traceback" not in err
    assert not Path(str(info["ca_file"])).exists()


def test_help_does_not_start_or_import_the_server() -> None:
    code = (
        "import sys; from core.cli.main import build_parser; build_parser('lab'); "
        "print('aiosmtpd' in sys.modules, 'trustme' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=15)
    assert out.stdout.split() == ["False", "False"]
