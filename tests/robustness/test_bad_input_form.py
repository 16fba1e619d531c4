"""The settings form against bad input: each value gets its own message beside its field, no run starts.

Values are typed as a person would (key clicks), or pasted from the clipboard when they hold
characters no keyboard types (line breaks, non-ASCII), which is how they reach a form in practice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from core.model import SecurityMode
from core.probe.result import FailureKind
from gui.main_window import MainWindow
from tests.robustness.gui_support import window
from tests.robustness.table import Row, record

pytestmark = pytest.mark.gui
__all__ = ["window"]  # the fixture, imported for pytest

VALID = {
    "host": "mail.example.test",
    "port": "587",
    "user": "scanner@example.test",
    "password": "pw-123",
    "from": "scanner@example.test",
    "to": "desk@example.test",
}


def line_edit(window: MainWindow, field: str) -> QLineEdit:
    form = window.form
    widgets = {
        "host": form.host,
        "port": form.port,
        "user": form.user,
        "password": form.password.line,
        "from": form.sender_address,
        "to": form.recipient,
    }
    return widgets[field]


def enter(widget: QLineEdit, text: str) -> None:
    """Replace the field's text: typed when a keyboard can type it, else pasted."""
    widget.setFocus()
    widget.selectAll()
    QTest.keyClick(widget, Qt.Key.Key_Delete)
    if text.isascii() and text.isprintable():
        QTest.keyClicks(widget, text)
    else:
        QGuiApplication.clipboard().setText(text)
        widget.paste()
    assert widget.text() == text


def fill(window: MainWindow, **changes: str) -> None:
    for field, text in {**VALID, **changes}.items():
        enter(line_edit(window, field), text)


@dataclass(frozen=True)
class Bad:
    case: str
    field: str
    value: str
    fragment: str  # part of the message that must appear beside the field


BAD = [
    Bad("host empty", "host", "", "Enter the SMTP server's name"),
    Bad("host whitespace only", "host", "   ", "Enter the SMTP server's name"),
    Bad("host with a space", "host", "mail example.test", "cannot contain spaces"),
    Bad("host with a C1 control", "host", "exa\u0080mple.test", "not allowed in a host name"),
    Bad("host over-long", "host", "a" * 300, "too long (300 characters"),
    Bad("host label over-long (non-ASCII)", "host", "ä" * 70 + ".example.test", "(between dots) is too long"),
    Bad("smtp://host:port in host", "host", "smtp://mail.example.test:587", "without 'smtp://'"),
    Bad("host:port in host", "host", "mail.example.test:587", "Type the port (587) in the Port field"),
    Bad("[IPv6]:port in host", "host", "[2001:db8::25]:587", "Type the port (587) in the Port field"),
    Bad("host with CR/LF", "host", "mail.example.test\r\nQUIT", "line break"),
    Bad("port 0", "port", "0", "0 is out of range"),
    Bad("port 65536", "port", "65536", "65536 is out of range"),
    Bad("port letters", "port", "smtp", "must be a number from 1 to 65535, not 'smtp'"),
    Bad("port superscript digit", "port", "2\u00b2", "must be a number"),
    Bad("port empty", "port", "", "Enter a port number"),
    Bad("login with CR/LF", "user", "scanner\r\nAUTH", "line break"),
    Bad("login over-long", "user", "u" * 300, "too long"),
    Bad("login empty", "user", "", "Enter the login name"),
    Bad("password empty", "password", "", "Enter the password"),
    Bad("sender with a space", "from", "scan ner@example.test", "cannot contain spaces"),
    Bad("sender with CR/LF", "from", "a@example.test\r\nRCPT TO:<x@evil.test>", "line break"),
    Bad("sender non-ASCII bad domain", "from", "a@exa\u0080mple.test", "is not a valid domain"),
    Bad("sender over-long", "from", "a" * 250 + "@example.test", "too long"),
    Bad("sender without @", "from", "scanner", "is not an email address"),
    Bad("recipient whitespace only", "to", "   ", "Enter the address the test message should go to"),
    Bad("recipient with a space", "to", "desk @example.test", "cannot contain spaces"),
]


@pytest.mark.parametrize("bad", BAD, ids=[b.case for b in BAD])
def test_bad_value_is_refused_beside_its_field(qtbot: QtBot, window: MainWindow, bad: Bad) -> None:
    began = time.monotonic()
    fill(window, **{bad.field: bad.value})
    QTest.mouseClick(window.test_button, Qt.MouseButton.LeftButton)
    shown = window.form.message(bad.field)
    record(
        Row(
            "form",
            bad.case,
            bad.fragment,
            bad.fragment if bad.fragment in shown else shown,
            time.monotonic() - began,
        )
    )
    assert bad.fragment in shown
    row = window.form.rows[bad.field]
    assert row.message.isVisible()
    assert bad.fragment.split("(")[0].strip() in row.message.text()
    others = [f for f in VALID if f != bad.field and window.form.message(f)]
    assert others == [], f"only {bad.field} should have a message"
    assert not window.controller.is_running
    assert window.transcript.transcript.rowCount() == 0
    assert "red" in window.statusBar().currentMessage()


@pytest.mark.parametrize(
    ("case", "field", "value", "expected"),
    [
        ("IPv6 literal with brackets", "host", "[::1]", "::1"),
        ("IPv6 literal without brackets", "host", "::1", "::1"),
        ("internationalised host name", "host", "smtp.exämple.test", "smtp.xn--exmple-cua.test"),
        ("full-width port digits", "port", "５８７", "587"),
        ("port with spaces around", "port", " 25 ", "25"),
    ],
)
def test_unusual_but_valid_values_are_accepted(
    qtbot: QtBot, window: MainWindow, case: str, field: str, value: str, expected: str
) -> None:
    began = time.monotonic()
    fill(window, **{field: value})
    built = window.form.build()
    assert built is not None, window.form.message(field)
    plan, _credentials = built
    observed = str(plan.host if field == "host" else plan.port)
    record(Row("form", case, f"accepted as {expected}", f"accepted as {observed}", time.monotonic() - began))
    assert observed == expected
    assert window.form.message(field) == ""


def test_port_and_encryption_mismatch_warns_but_the_test_runs(qtbot: QtBot, window: MainWindow) -> None:
    began = time.monotonic()
    fill(window, host="127.0.0.1", port="465")
    window.form.security.setCurrentIndex(window.form.security.findData(SecurityMode.STARTTLS))
    with qtbot.waitSignal(window.run_finished, timeout=10_000) as finished:
        QTest.mouseClick(window.test_button, Qt.MouseButton.LeftButton)
    warning = window.form.rows["security"].message
    record(
        Row(
            "form",
            "port 465 with STARTTLS",
            "warning, run starts",
            "warning, run starts",
            time.monotonic() - began,
        )
    )
    assert warning.isVisible()
    assert "Port 465 normally needs SSL/TLS" in warning.text()
    assert warning.property("error") is False
    assert window.form.message("security") == ""  # a warning, not an error: it did not block
    result, _findings = finished.args
    assert result.plan.port == 465
    assert result.failure is not None
    assert result.failure.kind is FailureKind.REFUSED  # nothing listens on 127.0.0.1:465 here
