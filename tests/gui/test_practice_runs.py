"""Real probes from the main window against the practice server, end to end.

Each test picks a practice scenario, presses Test, waits for the window's ``run_finished`` and
checks what a technician sees: step bar states, transcript rows and the findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.diagnosis.finding import Finding, primary
from core.probe.phases import Step
from core.probe.result import ProbeResult
from core.probe.transcript import EventKind
from gui.main_window import MainWindow
from gui.presenter import event_row
from gui.widgets.step_bar import StepState

pytestmark = [pytest.mark.gui, pytest.mark.network]

P, F, N, S = StepState.PASSED, StepState.FAILED, StepState.PENDING, StepState.SKIPPED


def run_scenario(qtbot: QtBot, window: MainWindow, scenario_id: str) -> tuple[ProbeResult, tuple[Finding, ...]]:
    assert window.practice_panel is not None
    window.practice_panel.select(scenario_id)
    with qtbot.waitSignal(window.run_finished, timeout=20000) as blocker:
        QTest.mouseClick(window.test_button, Qt.MouseButton.LeftButton)
    result, findings = blocker.args
    assert isinstance(result, ProbeResult)
    return result, tuple(findings)


# scenario -> step states after the run (Connect, TLS, Greeting/EHLO, Login, Send)
EXPECTED_STEPS = {
    "works-starttls": (P, P, P, P, P),
    "works-implicit-tls": (P, P, P, P, P),
    "tenant-disabled": (P, P, P, F, N),
    "app-password-required": (P, P, P, F, N),
    "send-as-denied": (P, P, P, P, F),
    "implicit-tls-port": (P, N, F, N, N),
    "ssl-on-starttls-port": (P, F, N, N, N),
    "relay-works": (P, S, P, S, P),
}


@pytest.mark.parametrize("scenario_id", list(EXPECTED_STEPS))
def test_scenario_shows_steps_transcript_and_diagnosis(qtbot: QtBot, window: MainWindow, scenario_id: str) -> None:
    assert window.services.practice is not None
    scenario = window.services.practice.profile(scenario_id).scenario
    result, findings = run_scenario(qtbot, window, scenario_id)

    states = tuple(window.step_bar.state(step) for step in Step)
    assert states == EXPECTED_STEPS[scenario_id], [s.value for s in states]

    model = window.transcript.transcript
    assert model.rowCount() == len(result.transcript) > 0
    rows = [str(model.data(model.index(r))) for r in range(model.rowCount())]
    assert rows == [event_row(e) for e in result.transcript]  # streamed live, in order, nothing lost
    assert any(" ! " in row for row in rows) is (scenario.expected_code is not None and not result.ok)

    cause = primary(findings)
    shown = window.findings.verdict.text.text()
    if scenario.expected_code is None:
        assert cause is None
        assert shown.startswith("Works:")
        assert window.findings.verdict.passed is True
    else:
        assert cause is not None
        assert cause.code == scenario.expected_code
        assert shown == f"Fails: {cause.title}"
        assert window.findings.codes()[0] == scenario.expected_code
        assert window.findings.verdict.passed is False
    assert window.test_button.isEnabled()
    assert not window.stop_button.isEnabled()


def test_failing_login_quotes_the_server_reply_and_links_the_evidence(qtbot: QtBot, window: MainWindow) -> None:
    _result, _findings = run_scenario(qtbot, window, "tenant-disabled")
    model = window.transcript.transcript
    server_rows = [r for r in range(model.rowCount()) if model.event_at(r).kind is EventKind.SERVER]
    assert any("5.7.139" in str(model.data(model.index(r))) for r in server_rows)

    card = window.findings.cards[0]
    assert card.finding.evidence, "the primary finding points at transcript lines"
    assert card.command_lines, "an admin command is offered with a Copy button"
    evidence = card.finding.evidence[0]
    card.evidence_label.linkActivated.emit(str(evidence))
    assert window.tabs.currentWidget() is window.transcript
    assert window.transcript.currentIndex().row() == model.row_of(evidence)


def test_capabilities_before_and_after_starttls_are_compared(qtbot: QtBot, window: MainWindow) -> None:
    _result, _ = run_scenario(qtbot, window, "works-starttls")
    differences = dict(window.capabilities.differences())
    assert differences.get("AUTH") == "only after TLS"
    assert differences.get("STARTTLS") == "only before TLS"
    assert window.tls.protocol.text().startswith("TLSv1.")
    assert "Trusted" in window.tls.verification.text()
    assert window.tls.chain.topLevelItemCount() >= 1


def test_transcript_colours_and_marks_each_kind(qtbot: QtBot, window: MainWindow) -> None:
    run_scenario(qtbot, window, "works-starttls")
    model = window.transcript.transcript
    colours: dict[EventKind, str] = {}
    for row in range(model.rowCount()):
        event = model.event_at(row)
        text = str(model.data(model.index(row)))
        assert f" {event.kind.prefix} " in text  # readable without colour
        colour = model.data(model.index(row), Qt.ItemDataRole.ForegroundRole)
        assert isinstance(colour, QColor)
        colours[event.kind] = colour.name()
    assert {EventKind.CLIENT, EventKind.SERVER, EventKind.TLS} <= set(colours)
    assert len(set(colours.values())) == len(colours)  # a distinct colour per kind


def test_report_and_ticket_summary_after_a_failure(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    assert not window.save_report_action.isEnabled()
    _result, findings = run_scenario(qtbot, window, "mailbox-disabled")
    assert window.save_report_action.isEnabled()
    saved = window.save_report_to(str(tmp_path / "report.html"))
    assert saved is not None
    html = saved.read_text(encoding="utf-8")
    assert "smtp_auth_disabled_mailbox" in html
    assert window.open_folder_action.isEnabled()
    window.copy_summary()
    summary = QGuiApplication.clipboard().text()
    assert findings[0].title in summary or "smtp_auth_disabled_mailbox" in summary


def test_unknown_report_extension_gives_a_message_not_a_traceback(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    run_scenario(qtbot, window, "works-starttls")
    assert window.save_report_to(str(tmp_path / "report.docx")) is None
    assert shown
    assert ".docx" in shown[0]
