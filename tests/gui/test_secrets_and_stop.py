"""The password never crosses a Qt signal or reaches the transcript, and Stop ends a slow run.

Both use a deliberately slow SMTP server on loopback (tests/gui/slow_server.py) that accepts any
AUTH PLAIN, so the password can be unique to this test.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.model import AuthMethod, CredentialKind, Credentials, MessageSpec, ProbePlan, SecurityMode
from core.probe.phases import Phase, Step
from core.probe.result import FailureKind
from core.secret import Secret, secret_forms
from gui.main_window import MainWindow
from gui.widgets.step_bar import StepState
from tests.gui.slow_server import SlowSmtpServer

pytestmark = [pytest.mark.gui, pytest.mark.network]

PASSWORD = "Zq9-unique-Pw!x"
USER = "scanner@practice.test"


def plan_for(port: int) -> ProbePlan:
    return ProbePlan(
        host="127.0.0.1",
        port=port,
        security=SecurityMode.NONE,
        auth=AuthMethod.PLAIN,
        username=USER,
        credential_kind=CredentialKind.PASSWORD,
        message=MessageSpec(USER, ("colleague@practice.test",)),
    )


@pytest.fixture
def quick_server() -> Iterator[SlowSmtpServer]:
    with SlowSmtpServer(delay=0.0) as server:
        yield server


@pytest.fixture
def slow_server() -> Iterator[SlowSmtpServer]:
    with SlowSmtpServer(delay=3.0, greeting_delay=0.05) as server:
        yield server


def test_password_stays_out_of_signals_transcript_and_clipboard(
    qtbot: QtBot, window: MainWindow, quick_server: SlowSmtpServer
) -> None:
    seen: list[object] = []
    c = window.controller
    for signal in (c.event_received, c.phase_started, c.phase_finished, c.probe_finished):
        signal.connect(lambda *args: seen.extend(args))
    window.load_plan(plan_for(quick_server.port), Secret(PASSWORD))
    with qtbot.waitSignal(window.run_finished, timeout=15000) as blocker:
        QTest.mouseClick(window.test_button, Qt.MouseButton.LeftButton)
    result, _ = blocker.args
    assert result.authenticated
    assert result.message_accepted

    forbidden = secret_forms(PASSWORD) | {base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()}
    dumped = " ".join(repr(item) for item in seen)
    assert seen
    assert "Secret(" not in dumped
    assert not [form for form in forbidden if form in dumped]
    window.transcript.copy_all()
    copied = QGuiApplication.clipboard().text()
    assert "C: AUTH PLAIN" in copied
    assert not [form for form in forbidden if form in copied]


def test_stop_ends_a_run_against_a_slow_server_quickly(
    qtbot: QtBot, window: MainWindow, slow_server: SlowSmtpServer
) -> None:
    with qtbot.waitSignal(window.controller.phase_started, timeout=5000, check_params_cb=lambda p: p is Phase.EHLO):
        assert window.start_plan(plan_for(slow_server.port), Credentials(password=Secret(PASSWORD)))
    assert window.stop_button.isEnabled()
    assert not window.test_button.isEnabled()
    assert window.step_bar.state(Step.HELLO) is StepState.RUNNING

    with qtbot.waitSignal(window.run_finished, timeout=3000) as blocker:
        started = time.monotonic()
        QTest.keyClick(window, Qt.Key.Key_Escape)  # Esc = Stop
    elapsed = time.monotonic() - started
    result, _ = blocker.args

    assert elapsed < 0.6, f"Stop took {elapsed:.2f} s"
    assert result.failure is not None
    assert result.failure.kind is FailureKind.CANCELLED
    assert window.findings.verdict.text.text().startswith("Stopped")
    assert window.test_button.isEnabled()
    assert not window.stop_button.isEnabled()


def test_choosing_a_practice_scenario_sends_its_id_not_its_credentials(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.practice_panel
    assert panel is not None
    practice = next(p for p in panel.profiles.values() if p.credentials.password is not None)
    password = practice.credentials.password
    assert password is not None
    seen: list[object] = []
    panel.chosen.connect(lambda *args: seen.extend(args))
    panel.select(practice.scenario.id)
    assert seen == [practice.scenario.id]  # a plain string: no Credentials, no Secret crossed the signal
    assert window.form.password.secret().reveal() == password.reveal()  # the form still gets it
