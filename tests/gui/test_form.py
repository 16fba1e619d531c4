"""The settings form: invalid fields block Test and say why beside the field; presets fill it in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.diagnosis.presets import PRESETS
from core.model import AuthMethod, CredentialKind, MessageSpec, ProbePlan, SecurityMode
from core.profiles.model import ProfileOAuth
from gui.main_window import MainWindow
from gui.widgets.oauth_section import SignInMethod
from gui.widgets.settings_form import SettingsForm

pytestmark = pytest.mark.gui


def fill(qtbot: QtBot, form: SettingsForm, **values: str) -> None:
    widgets = {
        "host": form.host,
        "port": form.port,
        "user": form.user,
        "from": form.sender_address,
        "to": form.recipient,
        "password": form.password.line,
    }
    for name, text in values.items():
        widgets[name].clear()
        QTest.keyClicks(widgets[name], text)


def test_invalid_fields_block_test_and_show_their_messages(qtbot: QtBot, window: MainWindow) -> None:
    form = window.form
    fill(
        qtbot,
        form,
        host="smtp://mail.example.com",
        port="58x",
        user="a@example.com",
        password="pw",
        **{"from": "not-an-address", "to": "b@example.com"},
    )
    QTest.mouseClick(window.test_button, Qt.MouseButton.LeftButton)

    assert not window.controller.is_running
    assert "without 'smtp://'" in form.message("host")
    assert "number" in form.message("port")
    assert "not an email address" in form.message("from")
    assert form.rows["host"].message.isVisible()
    assert "without" in form.rows["host"].message.text()
    assert "red" in window.statusBar().currentMessage()

    # Fixing a field clears its message as the user types (the others stay).
    fill(qtbot, form, host="mail.example.com")
    assert form.message("host") == ""
    assert not form.rows["host"].message.isVisible()
    assert form.message("port")


def test_required_fields_depend_on_authentication_and_sending(qtbot: QtBot, window: MainWindow) -> None:
    form = window.form
    fill(qtbot, form, host="mail.example.com", port="587")
    assert form.build() is None
    assert "login name" in form.message("user")
    assert "password" in form.message("password")
    assert "test message" in form.message("to")

    form.auth.setChecked(False)
    form.send.setChecked(False)
    built = form.build()
    assert built is not None
    plan, credentials = built
    assert plan.auth is AuthMethod.NONE
    assert plan.credential_kind is CredentialKind.NONE
    assert not plan.send
    assert credentials.password is None


def test_port_and_encryption_mismatch_is_a_warning_not_a_block(qtbot: QtBot, window: MainWindow) -> None:
    form = window.form
    fill(
        qtbot,
        form,
        host="smtp.example.com",
        port="465",
        user="a@example.com",
        password="pw",
        **{"from": "a@example.com", "to": "b@example.com"},
    )
    form.security.setCurrentIndex(1)  # STARTTLS on 465
    built = form.build()
    assert built is not None
    assert "465" in form.rows["security"].message.text()


def test_oauth_credentials_travel_as_token(qtbot: QtBot, window: MainWindow) -> None:
    form = window.form
    fill(
        qtbot,
        form,
        host="smtp.example.com",
        port="587",
        user="a@example.com",
        password="tok",
        **{"from": "a@example.com", "to": "b@example.com"},
    )
    form.kind.setCurrentIndex(form.kind.findData(CredentialKind.OAUTH_DELEGATED))
    built = form.build()
    assert built is not None
    _plan, credentials = built
    assert credentials.password is None
    assert credentials.token is not None
    assert credentials.token.reveal() == "tok"


def test_preset_fills_host_port_and_encryption(qtbot: QtBot, window: MainWindow) -> None:
    form = window.form
    preset = next(p for p in PRESETS if p.host == "smtp.gmail.com")
    form.apply_preset(preset)
    assert form.host.text() == "smtp.gmail.com"
    assert form.port.text() == str(preset.port)
    assert form.security_mode() is preset.security
    assert form.preset.count() == len(PRESETS) + 1


def test_choosing_ssl_tls_moves_a_standard_port(qtbot: QtBot, window: MainWindow) -> None:
    form = window.form
    fill(qtbot, form, port="587")
    form.security.setCurrentIndex(2)
    form.security.activated.emit(2)
    assert form.security_mode() is SecurityMode.TLS
    assert form.port.text() == "465"


def test_password_field_hides_until_shown(qtbot: QtBot, window: MainWindow) -> None:
    field = window.form.password
    from PySide6.QtWidgets import QLineEdit

    assert field.line.echoMode() is QLineEdit.EchoMode.Password
    field.toggle.click()
    assert field.line.echoMode() is QLineEdit.EchoMode.Normal
    assert repr(field.secret()) == "Secret('***')"


def test_app_only_sign_in_without_a_client_secret_is_refused(qtbot: QtBot, window: MainWindow) -> None:
    form = window.form
    form.set_plan(
        ProbePlan(
            host="127.0.0.1",
            port=587,
            auth=AuthMethod.XOAUTH2,
            username="scan@contoso.example",
            credential_kind=CredentialKind.OAUTH_APP_ONLY,
            message=MessageSpec(mail_from="scan@contoso.example", rcpt_to=("it@contoso.example",)),
        )
    )
    form.oauth.set_profile_oauth(
        ProfileOAuth(tenant="contoso.onmicrosoft.com", client_id="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    )
    form.oauth.set_sign_in_method(SignInMethod.APP_SECRET)
    assert form.signs_in()
    assert window.oauth.request() is None  # no request, so no sign-in thread is started
    assert "client secret" in form.oauth.message.text()
    assert window.oauth.sign_in() is None
    assert not window.start_test()
    assert not window.controller.is_running
