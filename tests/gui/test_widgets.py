"""Widgets on their own: the transcript model's batching, the step bar, the device-code dialog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from core.model import AuthMethod, ProbePlan, SecurityMode
from core.oauth.tokens import DeviceCodePrompt
from core.probe.phases import Phase, Step
from core.probe.result import PhaseOutcome
from core.probe.transcript import EventKind, TranscriptEvent
from gui.dialogs.device_code import DeviceCodeDialog
from gui.widgets.capabilities_view import compare
from gui.widgets.step_bar import StepBar, StepState
from gui.widgets.transcript_view import TranscriptView

pytestmark = pytest.mark.gui


def events(count: int) -> list[TranscriptEvent]:
    kinds = list(EventKind)
    return [TranscriptEvent(i, float(i), kinds[i % len(kinds)], f"line {i}", Phase.EHLO) for i in range(count)]


def test_transcript_appends_in_batches_and_copies_selection(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    model = view.transcript
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    for event in events(500):
        model.append(event)
    assert model.rowCount() == 0  # nothing is inserted row by row
    qtbot.waitUntil(lambda: model.rowCount() == 500, timeout=2000)
    assert inserts == [(0, 499)]  # one batch

    view.selectionModel().select(model.index(3), view.selectionModel().SelectionFlag.Select)
    view.selectionModel().select(model.index(4), view.selectionModel().SelectionFlag.Select)
    view.copy_selection()
    copied = QGuiApplication.clipboard().text().splitlines()
    assert len(copied) == 2
    assert copied[0].endswith("line 3")
    assert copied[1].endswith("line 4")
    assert view.show_event(250)
    assert view.currentIndex().row() == 250


def test_transcript_clear_drops_pending_rows(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.transcript.extend(events(10))
    view.transcript.clear()
    qtbot.wait(50)
    assert view.transcript.rowCount() == 0


def test_step_bar_lights_up_live(qtbot: QtBot) -> None:
    bar = StepBar()
    qtbot.addWidget(bar)
    bar.reset(ProbePlan("h", 25, security=SecurityMode.NONE, auth=AuthMethod.NONE))
    assert bar.state(Step.TLS) is StepState.SKIPPED
    assert bar.state(Step.LOGIN) is StepState.SKIPPED
    bar.phase_started(Phase.CONNECT)
    assert bar.state(Step.CONNECT) is StepState.RUNNING
    bar.phase_finished(PhaseOutcome(Phase.CONNECT, True, 12.0))
    assert bar.state(Step.CONNECT) is StepState.PASSED
    assert "12 ms" in bar.tiles[Step.CONNECT].detail.text()
    bar.phase_started(Phase.GREETING)
    bar.phase_finished(PhaseOutcome(Phase.GREETING, False, 2000.0))
    assert bar.state(Step.HELLO) is StepState.FAILED
    assert bar.tiles[Step.HELLO].detail.text() == "failed · 2.0 s"


def test_capability_comparison_marks_differences() -> None:
    from core.smtp.capabilities import Capabilities
    from core.smtp.events import Reply

    before = Capabilities.from_ehlo(Reply(250, ("mx", "SIZE 100", "STARTTLS", "PIPELINING")))
    after = Capabilities.from_ehlo(Reply(250, ("mx", "SIZE 200", "AUTH LOGIN XOAUTH2", "PIPELINING")))
    rows = {row[0]: row[3] for row in compare(before, after)}
    assert rows == {"SIZE": "changed", "STARTTLS": "only before TLS", "PIPELINING": "", "AUTH": "only after TLS"}


def test_device_code_dialog_shows_code_link_and_countdown(qtbot: QtBot) -> None:
    prompt = DeviceCodePrompt(
        user_code="ABCD-1234",
        verification_uri="https://microsoft.com/devicelogin",
        expires_at=datetime.now(UTC) + timedelta(seconds=125),
        message="To sign in, open https://microsoft.com/devicelogin and enter the code ABCD-1234.",
    )
    dialog = DeviceCodeDialog(prompt)
    qtbot.addWidget(dialog)
    assert dialog.code.text() == "ABCD-1234"
    assert "devicelogin" in dialog.link.text()
    assert dialog.countdown.text().startswith("The code expires in 2:0")
    copy_code = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Copy code")
    copy_code.click()
    assert QGuiApplication.clipboard().text() == "ABCD-1234"


def test_device_code_dialog_closes_when_the_code_expires(qtbot: QtBot) -> None:
    prompt = DeviceCodePrompt("X", "https://example.test", datetime.now(UTC) - timedelta(seconds=1), "expired")
    dialog = DeviceCodeDialog(prompt)
    qtbot.addWidget(dialog)
    assert "expired" in dialog.countdown.text()
    assert dialog.result() == dialog.DialogCode.Rejected


def test_dark_palette_gives_the_transcript_light_on_dark_colours(qtbot: QtBot) -> None:
    from gui.style import dark_palette, is_dark, kind_colour

    assert is_dark(dark_palette())
    view = TranscriptView()
    qtbot.addWidget(view)
    view.transcript.extend(events(5))
    view.transcript.flush()
    index = view.transcript.index(1)
    view.transcript.set_dark(False)
    light = view.transcript.data(index, Qt.ItemDataRole.ForegroundRole)
    view.transcript.set_dark(True)
    dark = view.transcript.data(index, Qt.ItemDataRole.ForegroundRole)
    assert isinstance(light, QColor)
    assert isinstance(dark, QColor)
    assert dark == kind_colour(EventKind.SERVER, True)
    assert dark.lightness() > light.lightness()
