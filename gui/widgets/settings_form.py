"""The settings form, worded like a printer's web page, with inline validation beside each field.

The form edits a ``ProbePlan``: fields it does not show (timeouts, client behaviour, TLS limits)
are kept from the plan it was given, so a practice scenario or a saved profile round-trips intact.
Validation is ``core.validate``, the same as the command line's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core import validate
from core.errors import InputError
from core.model import AuthMethod, CredentialKind, Credentials, ProbePlan, SecurityMode
from core.oauth.settings import OAuthSettings
from core.secret import Secret
from gui.widgets.oauth_section import OAuthSection, SignInMethod
from gui.widgets.secret_field import SecretLineEdit

# Tooltips translate what printers print on their pages into the SMTP terms the transcript uses.
TIPS = {
    "preset": "Fill in the server, port and encryption a provider documents (you can still change them).",
    "host": "Printers call this 'SMTP server', 'Outgoing mail server' or 'SMTP server address'.\n"
    "It is the host name the printer hands its scans to, e.g. smtp.office365.com.",
    "port": "'SMTP port'. 587 = mail submission with STARTTLS, 465 = SMTPS (SSL/TLS from the first byte),\n"
    "25 = server-to-server relay or Direct Send.",
    "security": "'Use SSL/TLS', 'Secure connection' or 'Encryption'.\n"
    "None: nothing is encrypted.\n"
    "STARTTLS ('TLS', 'Explicit'): starts in plain text, then upgrades with the STARTTLS command (587, 25).\n"
    "SSL/TLS ('SSL', 'SMTPS', 'Implicit'): encrypted from the first byte (465).",
    "auth": "'SMTP authentication', 'SMTP Auth' or 'Server requires authentication'.\n"
    "On: the printer logs in (SMTP AUTH PLAIN or LOGIN) before it sends.",
    "method": "Which SMTP AUTH mechanism to use. Automatic picks the best one the server offers,\nas most printers do.",
    "user": "'Login name', 'User name', 'Account' or 'SMTP user'. Usually the full e-mail address\n"
    "(Microsoft 365: the user principal name). SendGrid: the word apikey.",
    "password": "'SMTP password'. Gmail, Yahoo and iCloud need an app password;\n"
    "SendGrid, Brevo and Postmark use a key or token here.",
    "kind": "What you typed as the password. The diagnosis reads the server's answer differently for\n"
    "an app password or an API key than for the account's own password.",
    "from": "'Sender address', 'Device e-mail address' or 'From address' (MAIL FROM).\n"
    "It must be the mailbox you log in as, or one that mailbox may send as.",
    "to": "'Test recipient': where the test message goes (RCPT TO).",
    "send": "Off: stop after logging in, as a 'connection test' button on a printer does.",
    "verify": "Check the server's certificate like a careful printer does.\n"
    "Turn off only to see what happens behind TLS interception.",
    "ca_file": "A PEM file with the certificate authority to trust instead of the system's.",
}

_SECURITY_CHOICES = (SecurityMode.NONE, SecurityMode.STARTTLS, SecurityMode.TLS)
_METHOD_CHOICES = (
    (AuthMethod.AUTO, "Automatic"),
    (AuthMethod.PLAIN, "PLAIN"),
    (AuthMethod.LOGIN, "LOGIN"),
    (AuthMethod.CRAM_MD5, "CRAM-MD5"),
    (AuthMethod.XOAUTH2, "OAuth 2.0 (XOAUTH2)"),
)
_KIND_CHOICES = (
    (CredentialKind.PASSWORD, "Account password"),
    (CredentialKind.APP_PASSWORD, "App password"),
    (CredentialKind.API_KEY, "API key / SMTP key"),
    (CredentialKind.OAUTH_DELEGATED, "OAuth access token"),
)
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_DEFAULT_PORT = {SecurityMode.NONE: 25, SecurityMode.STARTTLS: 587, SecurityMode.TLS: 465}


class Preset(Protocol):
    """What the preset picker needs from a provider preset."""

    @property
    def label(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def notes(self) -> str: ...
    @property
    def username_form(self) -> str: ...
    @property
    def authenticates(self) -> bool: ...
    @property
    def port(self) -> int: ...
    @property
    def security(self) -> SecurityMode: ...


class FieldRow(QWidget):
    """An input with its message line underneath (hidden while there is nothing to say)."""

    def __init__(self, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(self.message)
        self.setFocusProxy(field)

    def show_message(self, text: str, *, error: bool) -> None:
        colour = "#cf222e" if error else "#9a6700"
        marker = "✖" if error else "⚠"
        self.message.setText(f'<span style="color:{colour}">{marker} {text}</span>')
        self.message.setProperty("error", error)
        self.message.setVisible(bool(text))

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()


class SettingsForm(QWidget):
    """Printer-style settings; ``build()`` validates and returns (plan, credentials) or None."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = ProbePlan(host="", port=587)
        self._messages: dict[str, str] = {}
        self._presets: list[Preset] = []
        self._build_widgets()
        self._layout_widgets()
        self._connect()
        self._sync_enabled()

    # --- construction -------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.preset = QComboBox()
        self.preset.addItem("Choose a provider…")
        self.host = QLineEdit(placeholderText="smtp.example.com")
        self.port = QLineEdit("587")
        self.port.setMaximumWidth(90)
        self.port.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.security = QComboBox()
        for mode in _SECURITY_CHOICES:
            self.security.addItem(mode.label, mode)
        self.security.setCurrentIndex(1)
        self.auth = QCheckBox("On")
        self.auth.setChecked(True)
        self.method = QComboBox()
        for method, label in _METHOD_CHOICES:
            self.method.addItem(label, method)
        self.user = QLineEdit(placeholderText="scanner@example.com")
        self.password = SecretLineEdit()
        self.kind = QComboBox()
        for kind, label in _KIND_CHOICES:
            self.kind.addItem(label, kind)
        self.sender_address = QLineEdit(placeholderText="scanner@example.com")
        self.recipient = QLineEdit(placeholderText="you@example.com")
        self.send = QCheckBox("Send a test message")
        self.send.setChecked(True)
        self.verify = QCheckBox("Verify the server certificate")
        self.verify.setChecked(True)
        self.ca_file = QLineEdit(placeholderText="(system certificates)")
        self.oauth = OAuthSection()
        for name, widget in self._inputs().items():
            widget.setObjectName(name)
            widget.setAccessibleName(name)
        self.rows: dict[str, FieldRow] = {
            name: FieldRow(widget) for name, widget in self._inputs().items() if name in _VALIDATED and name != "port"
        }
        for key, widget in (*self._inputs().items(), ("preset", self.preset), ("method", self.method)):
            widget.setToolTip(TIPS.get(key, ""))
        self.password.line.setToolTip(TIPS["password"])

    def _inputs(self) -> dict[str, QWidget]:
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "auth": self.auth,
            "user": self.user,
            "password": self.password,
            "kind": self.kind,
            "from": self.sender_address,
            "to": self.recipient,
            "send": self.send,
            "verify": self.verify,
            "ca_file": self.ca_file,
        }

    def _layout_widgets(self) -> None:
        form = self._form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        port_line = QWidget()
        port_layout = QHBoxLayout(port_line)
        port_layout.setContentsMargins(0, 0, 0, 0)
        port_layout.addWidget(self.port)
        port_layout.addStretch(1)
        auth_line = QWidget()
        auth_layout = QHBoxLayout(auth_line)
        auth_layout.setContentsMargins(0, 0, 0, 0)
        auth_layout.addWidget(self.auth)
        auth_layout.addWidget(self.method, 1)
        self.rows["port"] = FieldRow(port_line)
        form.addRow("Provider:", self.preset)
        form.addRow("SMTP server:", self.rows["host"])
        form.addRow("Port:", self.rows["port"])
        form.addRow("Use SSL/TLS:", self.rows["security"])
        form.addRow("SMTP authentication:", auth_line)
        form.addRow("Login name:", self.rows["user"])
        form.addRow("Password:", self.rows["password"])
        form.addRow("Password type:", self.kind)
        form.addRow(self.oauth)
        form.addRow("Sender address:", self.rows["from"])
        form.addRow("Test recipient:", self.rows["to"])
        form.addRow("", self.send)
        form.addRow("", self.verify)
        form.addRow("CA file:", self.rows["ca_file"])
        self.setTabOrder(self.host, self.port)

    def _connect(self) -> None:
        for line in (self.host, self.port, self.user, self.sender_address, self.recipient, self.ca_file):
            line.textEdited.connect(self._edited)
        self.password.edited.connect(self._edited)
        for combo in (self.security, self.method, self.kind):
            combo.activated.connect(self._edited)
        for box in (self.auth, self.send, self.verify):
            box.toggled.connect(self._edited)
        self.oauth.changed.connect(self._edited)
        self.security.activated.connect(self._suggest_port)
        self.preset.activated.connect(self._apply_preset_index)

    def _edited(self, *_args: object) -> None:
        self._sync_enabled()
        if self._messages:
            self.validate()  # re-check once messages are showing, so they clear as the user fixes them
        self.changed.emit()

    def _sync_enabled(self) -> None:
        auth_on = self.auth.isChecked()
        for widget in (self.method, self.user, self.password, self.kind):
            widget.setEnabled(auth_on)
        for widget in (self.recipient,):
            widget.setEnabled(self.send.isChecked())
        self.ca_file.setEnabled(self.verify.isChecked())
        # OAuth: the section appears with XOAUTH2; a sign-in replaces the password and its type.
        self._form.setRowVisible(self.oauth, auth_on and self.method.currentData() is AuthMethod.XOAUTH2)
        for row in (self.rows["password"], self.kind):
            self._form.setRowVisible(row, not self.signs_in())

    def signs_in(self) -> bool:
        """True when Test must sign in (OAuth with a sign-in method) instead of using the Password field."""
        return self.auth.isChecked() and self.method.currentData() is AuthMethod.XOAUTH2 and self.oauth.signs_in

    def oauth_settings(self, ca_file: str | None = None) -> OAuthSettings | None:
        """The token provider's settings for the login name in the form; None (message shown) if invalid."""
        try:
            return self.oauth.settings(self.user.text().strip() or None, ca_file)
        except InputError:
            return None

    def _suggest_port(self, _index: int) -> None:
        # Changing the encryption on a standard port moves the port along, as printer pages do.
        if self.port.text().strip() in {"", "25", "465", "587"}:
            self.port.setText(str(_DEFAULT_PORT[self.security_mode()]))
            self._edited()

    # --- presets --------------------------------------------------------------------------------
    def set_presets(self, presets: Sequence[Preset]) -> None:
        self._presets = list(presets)
        self.preset.clear()
        self.preset.addItem("Choose a provider…")
        for number, preset in enumerate(self._presets, 1):
            self.preset.addItem(preset.label)
            self.preset.setItemData(number, f"{preset.notes}\nLogin name: {preset.username_form}", _TOOLTIP)

    def _apply_preset_index(self, index: int) -> None:
        if index > 0:
            self.apply_preset(self._presets[index - 1])

    def apply_preset(self, preset: Preset) -> None:
        self.host.setText(preset.host)
        self.port.setText(str(preset.port))
        self.security.setCurrentIndex(_SECURITY_CHOICES.index(preset.security))
        self.auth.setChecked(preset.authenticates)
        self.user.setPlaceholderText(preset.username_form)
        self.preset.setToolTip(preset.notes)
        if "<" in preset.host:
            # A template such as <domain>.mail.protection.outlook.com: the user completes it.
            self.host.setFocus()
            self.host.setSelection(preset.host.index("<"), preset.host.index(">") + 1 - preset.host.index("<"))
        self._edited()

    # --- values ---------------------------------------------------------------------------------
    def security_mode(self) -> SecurityMode:
        mode = self.security.currentData()
        assert isinstance(mode, SecurityMode)
        return mode

    def set_plan(self, plan: ProbePlan, password: Secret | None = None) -> None:
        """Show ``plan`` (and the stored password, if any) in the form."""
        self._base = plan
        self.host.setText(plan.host)
        self.port.setText(str(plan.port))
        self.security.setCurrentIndex(_SECURITY_CHOICES.index(plan.security))
        self.auth.setChecked(plan.auth is not AuthMethod.NONE)
        method = AuthMethod.AUTO if plan.auth is AuthMethod.NONE else plan.auth
        self.method.setCurrentIndex(self.method.findData(method))
        self.user.setText(plan.username or "")
        self.password.set_secret(password)
        if plan.auth is AuthMethod.XOAUTH2 and password is not None:
            self.oauth.set_sign_in_method(SignInMethod.PASTED_TOKEN)  # a ready token, e.g. a practice one
        kind_index = self.kind.findData(plan.credential_kind)
        self.kind.setCurrentIndex(max(kind_index, 0))
        self.sender_address.setText(plan.message.mail_from)
        self.recipient.setText(", ".join(plan.message.rcpt_to))
        self.send.setChecked(plan.send)
        self.verify.setChecked(plan.tls.verify)
        self.ca_file.setText(plan.tls.ca_file or "")
        self.preset.setCurrentIndex(0)
        self.clear_messages()
        self._sync_enabled()

    def build(self) -> tuple[ProbePlan, Credentials] | None:
        """Validate every field; show each problem beside its field; None when any is invalid."""
        plan = self.check()
        if plan is None:
            return None
        if self.signs_in():
            return plan, Credentials()  # the token is fetched on the pool thread when the run starts
        secret = self.password.secret() if self.auth.isChecked() else None
        kind = plan.credential_kind
        if kind.is_oauth:
            return plan, Credentials(token=secret)
        return plan, Credentials(password=secret)

    def check(self) -> ProbePlan | None:
        """``validate`` and, when a field is invalid, put the cursor on the first one (Test and Save)."""
        plan = self.validate()
        if plan is None:
            self._focus_first_error()
        return plan

    def validate(self) -> ProbePlan | None:
        """Check all fields, refresh the messages, and return the plan when every field is valid."""
        errors: dict[str, str] = {}
        values: dict[str, object] = {}
        for name, check in self._checks().items():
            try:
                values[name] = check()
            except InputError as exc:
                errors[name] = exc.message
        self._show_messages(errors, values)
        if errors:
            return None
        return self._plan_from(values)

    def _checks(self) -> dict[str, Callable[[], object]]:
        auth_on = self.auth.isChecked()
        sending = self.send.isChecked()
        return {
            "host": lambda: validate.host(self.host.text(), "host"),
            "port": lambda: validate.port(self.port.text(), "port"),
            "user": lambda: _required(validate.username(self.user.text(), "user"), auth_on, _NEED_USER),
            "password": lambda: _required(
                "set" if not self.password.is_empty() else "", auth_on and not self.signs_in(), _NEED_PW
            ),
            "oauth": self._check_oauth,
            "from": lambda: validate.address(self.sender_address.text(), "from", required=sending),
            "to": lambda: tuple(
                validate.address(part, "to") for part in _split(self.recipient.text(), required=sending)
            ),
            "ca_file": lambda: _existing_file(self.ca_file.text()) if self.verify.isChecked() else None,
        }

    def _check_oauth(self) -> None:
        error = self.oauth.check_quietly() if self.signs_in() else None
        if error is not None:
            raise error

    def _plan_from(self, values: dict[str, object]) -> ProbePlan:
        auth_on = self.auth.isChecked()
        method = self.method.currentData() if auth_on else AuthMethod.NONE
        kind = self.kind.currentData() if auth_on else CredentialKind.NONE
        flow = self.oauth.sign_in_method().flow
        if self.signs_in() and flow is not None:
            kind = flow.credential_kind  # delegated or app-only follows the sign-in method
        message = dataclasses.replace(
            self._base.message,
            mail_from=str(values["from"]),
            rcpt_to=values["to"] if self.send.isChecked() else (),  # type: ignore[arg-type]
        )
        tls = dataclasses.replace(self._base.tls, verify=self.verify.isChecked(), ca_file=values["ca_file"] or None)  # type: ignore[arg-type]
        return dataclasses.replace(
            self._base,
            host=str(values["host"]),
            port=int(values["port"]),  # type: ignore[call-overload]
            security=self.security_mode(),
            auth=method,
            username=str(values["user"]) or None if auth_on else None,
            credential_kind=kind,
            message=message,
            send=self.send.isChecked(),
            tls=tls,
        )

    # --- messages -------------------------------------------------------------------------------
    def _show_messages(self, errors: dict[str, str], values: dict[str, object]) -> None:
        self._messages = dict(errors)
        for name, row in self.rows.items():
            if name in errors:
                row.show_message(errors[name], error=True)
            else:
                row.clear_message()
        port_value = values.get("port")
        if "port" not in errors and isinstance(port_value, int):
            warning = validate.port_security_mismatch(port_value, self.security_mode())
            if warning:
                self.rows["security"].show_message(warning, error=False)

    def clear_messages(self) -> None:
        self._messages = {}
        for row in self.rows.values():
            row.clear_message()

    def message(self, field: str) -> str:
        """The error shown beside ``field`` ('' when none): used by the window and by tests."""
        return self._messages.get(field, "")

    def _focus_first_error(self) -> None:
        for name in _VALIDATED:
            if name in self._messages:
                self._inputs()[name].setFocus()
                return
        if "oauth" in self._messages:
            self.oauth.setFocus()

    def set_busy(self, busy: bool) -> None:
        """Lock the form while a probe runs, so what is shown is what is being tested."""
        for widget in (*self._inputs().values(), self.preset, self.method):
            widget.setEnabled(not busy)
        self.oauth.set_busy(busy)
        if not busy:
            self._sync_enabled()


_VALIDATED = ("host", "port", "security", "user", "password", "from", "to", "ca_file")
_NEED_USER = "Enter the login name (usually the full e-mail address), or turn SMTP authentication off."
_NEED_PW = "Enter the password (or app password / API key), or turn SMTP authentication off."


def _required(value: str, needed: bool, message: str) -> str:
    if needed and not value:
        raise InputError("field", message)
    return value


def _split(text: str, *, required: bool) -> list[str]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if required and not parts:
        raise InputError("to", "Enter the address the test message should go to, or turn off 'Send a test message'.")
    return parts


def _existing_file(text: str) -> str | None:
    import os.path

    path = text.strip()
    if not path:
        return None
    if not os.path.isfile(path):
        raise InputError("ca_file", f"No file at '{path}'. Pick the PEM file, or leave it empty.")
    return path
