"""``smtp-doctor --self-test`` from source: it passes on a working copy and fails, with the reason,
when a part it checks is broken (missing module, no trusted roots, unregistered keyring backend,
wrong diagnosis). Real practice server, real engine, real Qt (offscreen)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core import selftest
from gui.launcher import main as cli_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.gui
def test_self_test_passes_from_source(
    qtbot: QtBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shot = tmp_path / "window.png"
    assert cli_main(["--self-test", "--screenshot", str(shot)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "(from source," in lines[0]
    for name in ("modules", "keyring", "certificates", "probe", "assets", "window"):
        assert any(line.startswith(f"[  ok] {name}: ") for line in lines), lines
    assert lines[-1].startswith("self-test passed: 6 checks")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_module_fails_the_self_test(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(selftest, "LAZY_LIBRARIES", (*selftest.LAZY_LIBRARIES, "smtp_doctor_no_such_module"))
    assert selftest.run_self_test() == selftest.EXIT_FAILED
    out = capsys.readouterr().out
    assert "[FAIL] modules: 1 module(s) do not import: smtp_doctor_no_such_module (ModuleNotFoundError" in out
    assert "[  ok] probe: " in out  # the other checks still run and report
    assert out.splitlines()[-1].startswith("self-test FAILED (modules)")


def test_no_trusted_roots_fails_the_certificates_check(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    empty = tmp_path / "certs"
    empty.mkdir()
    nowhere = str(tmp_path / "none.pem")
    paths = ssl.DefaultVerifyPaths(nowhere, str(empty), "SSL_CERT_FILE", nowhere, "SSL_CERT_DIR", str(empty))
    monkeypatch.setattr(ssl, "create_default_context", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)
    result = selftest.run_check("certificates", selftest.check_certificates)
    assert not result.ok
    assert result.detail.startswith("no trusted root certificates")
    assert result.line().startswith("[FAIL] certificates: ")


def test_certificates_check_counts_the_roots_it_loads(monkeypatch: pytest.MonkeyPatch, ca_file: str) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    result = selftest.run_check("certificates", selftest.check_certificates)
    assert result.ok, result.detail
    assert result.detail.startswith(f"1 trusted roots from {ca_file} (SSL_CERT_FILE)")


def test_an_unregistered_keyring_backend_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = ("keyring.backends.NoSuch", ())
    monkeypatch.setattr(selftest, "native_keyring", lambda platform=sys.platform: missing)
    result = selftest.run_check("keyring", selftest.check_keyring)
    assert not result.ok
    assert "keyring.backends.NoSuch is not registered" in result.detail


def test_keyring_check_names_the_backend_in_use() -> None:
    result = selftest.run_check("keyring", selftest.check_keyring)
    assert result.ok, result.detail
    backend, _needs = selftest.native_keyring()
    assert result.detail.startswith(f"{backend} bundled; in use: ")  # the tests' in-memory keyring


def test_a_wrong_diagnosis_fails_the_probe_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.diagnosis.engine.diagnose", lambda result, now=None: ())
    result = selftest.run_check("probe", selftest.check_probe)
    assert not result.ok
    expected = "practice scenario tenant-disabled: diagnosis passed, expected smtp_auth_disabled_tenant"
    assert expected in result.detail


def test_an_unexpected_error_is_reported_not_raised() -> None:
    def broken() -> str:
        raise OSError(28, "No space left on device")

    result = selftest.run_check("probe", broken)
    assert (result.ok, result.detail) == (False, "OSError: [Errno 28] No space left on device")


@pytest.mark.parametrize(
    ("value", "message"), [("shot.jpg", "must end in .png"), ("missing-folder/shot.png", "does not exist")]
)
def test_bad_screenshot_paths_are_usage_errors(
    value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["--self-test", "--screenshot", str(tmp_path / value)]) == selftest.EXIT_USAGE
    assert message in capsys.readouterr().err


def test_self_test_and_startup_probe_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli_main(["--self-test", "--startup-probe"])
    assert stopped.value.code == selftest.EXIT_USAGE
    assert "not allowed with" in capsys.readouterr().err


def test_headless_linux_gets_the_offscreen_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    from gui.selftest import use_offscreen_if_headless

    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert use_offscreen_if_headless() is True
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("DISPLAY", ":99")
    assert use_offscreen_if_headless() is False
    assert "QT_QPA_PLATFORM" not in os.environ


@pytest.mark.gui
def test_startup_probe_reports_the_first_window_and_quits(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), TMPDIR=str(tmp_path))
    env["SMTP_DOCTOR_CONFIG_DIR"] = str(tmp_path / "profiles")
    before = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "gui", "--startup-probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    after = time.monotonic()
    assert run.returncode == 0, run.stderr
    prefix = "startup-probe: first window shown at monotonic "
    line = next(line for line in run.stdout.splitlines() if line.startswith(prefix))
    assert before < float(line.removeprefix(prefix)) < after
    # exit() without close events: the window did not save its layout into the (private) config.
    assert not (tmp_path / "config" / "SMTP Doctor").exists()
