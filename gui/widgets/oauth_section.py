"""The OAuth 2.0 part of the settings form: how to sign in to Microsoft 365, and who is signed in.

Shown when SMTP authentication is "OAuth 2.0 (XOAUTH2)". It edits a profile's ``ProfileOAuth``
plus the app's client secret (a ``SecretLineEdit``: the secret goes to the keyring through the
profile service, never into the profile file or a signal) and builds the validated
``OAuthSettings`` the token provider needs. "Access token typed in the Password field" keeps the
old way open: a token pasted by hand (the practice scenarios use it), no sign-in at all.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.oauth.settings import DEFAULT_AUTHORITY_HOST, OAuthFlow, OAuthSettings
from core.profiles.model import ProfileOAuth
from core.secret import Secret
from gui.widgets.secret_field import SecretLineEdit


class SignInMethod(enum.Enum):
    """The choices of the "Sign-in method" list; app-only is split by what proves the app."""

    DEVICE_CODE = "Device code (recommended)"
    BROWSER = "Browser on this PC"
    APP_SECRET = "App-only: client secret"
    APP_CERTIFICATE = "App-only: certificate"
    PASTED_TOKEN = "Access token typed in the Password field"

    @property
    def flow(self) -> OAuthFlow | None:
        """The token provider's flow; None when the user supplies the token."""
        return _FLOW_OF[self]

    @classmethod
    def of(cls, oauth: ProfileOAuth) -> SignInMethod:
        if oauth.flow is OAuthFlow.CLIENT_CREDENTIALS:
            has_certificate = bool(oauth.certificate_path or oauth.certificate_thumbprint)
            return cls.APP_CERTIFICATE if has_certificate else cls.APP_SECRET
        return cls.BROWSER if oauth.flow is OAuthFlow.INTERACTIVE else cls.DEVICE_CODE


_FLOW_OF = {
    SignInMethod.DEVICE_CODE: OAuthFlow.DEVICE_CODE,
    SignInMethod.BROWSER: OAuthFlow.INTERACTIVE,
    SignInMethod.APP_SECRET: OAuthFlow.CLIENT_CREDENTIALS,
    SignInMethod.APP_CERTIFICATE: OAuthFlow.CLIENT_CREDENTIALS,
    SignInMethod.PASTED_TOKEN: None,
}

TIPS = {
    "method": "Device code: sign in on any phone or PC with a short code (works on locked-down laptops).\n"
    "Browser: sign in in a browser on this PC.\n"
    "App-only: no person signs in; the app registration proves itself with a secret or certificate\n"
    "(needs SMTP.SendAsApp and an Exchange service principal with access to the mailbox).",
    "tenant": "The Microsoft Entra tenant: its directory ID (a GUID) or a domain such as contoso.onmicrosoft.com.",
    "client_id": "The application (client) ID of the app registration in Microsoft Entra ID.",
    "client_secret": "The client secret's VALUE (not its ID). Kept in the system keyring, never in a file.",
    "certificate": "A PEM file with the app's certificate and its private key.",
    "authority": "Leave empty for Microsoft's public cloud (https://login.microsoftonline.com).",
}


class OAuthSection(QGroupBox):
    """Sign-in method, tenant, app, secret or certificate; Sign in / Sign out and the account line."""

    changed = Signal()
    sign_in_requested = Signal()
    sign_out_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Microsoft 365 sign-in (OAuth 2.0)", parent)
        self._build_widgets()
        self._layout_widgets()
        self._connect()
        self._sync_visible()

    # --- construction -------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.method = QComboBox()
        for method in SignInMethod:
            self.method.addItem(method.value, method)
        self.tenant = QLineEdit(placeholderText="contoso.onmicrosoft.com or the directory ID")
        self.client_id = QLineEdit(placeholderText="00000000-0000-0000-0000-000000000000")
        self.client_secret = SecretLineEdit()
        self.client_secret.line.setObjectName("client_secret")
        self.client_secret.line.setPlaceholderText("the secret's value")
        self.certificate = QLineEdit(placeholderText="app-certificate.pem")
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip("Choose the certificate file")
        self.authority = QLineEdit(placeholderText=DEFAULT_AUTHORITY_HOST)
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setToolTip("Sign in now and keep the sign-in for this profile")
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.setToolTip("Forget this profile's sign-in (removes its tokens from the keyring)")
        self.account = QLabel("Not signed in")
        self.account.setWordWrap(True)
        self.account.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        for name, widget in self._fields().items():
            widget.setObjectName(name if name != "client_secret" else "client_secret_field")
            widget.setAccessibleName(name)
            widget.setToolTip(TIPS[name])
        self.client_secret.line.setToolTip(TIPS["client_secret"])

    def _fields(self) -> dict[str, QWidget]:
        return {
            "method": self.method,
            "tenant": self.tenant,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "certificate": self.certificate,
            "authority": self.authority,
        }

    def _layout_widgets(self) -> None:
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # The form column is narrow: a field goes under its label rather than widening the column.
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._certificate_line = QWidget()
        certificate_layout = QHBoxLayout(self._certificate_line)
        certificate_layout.setContentsMargins(0, 0, 0, 0)
        certificate_layout.addWidget(self.certificate, 1)
        certificate_layout.addWidget(self.browse)
        self._form.addRow("Sign-in method:", self.method)
        self._form.addRow("Tenant:", self.tenant)
        self._form.addRow("Application (client) ID:", self.client_id)
        self._form.addRow("Client secret:", self.client_secret)
        self._form.addRow("Certificate:", self._certificate_line)
        self._form.addRow("Sign-in service:", self.authority)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_out_button)
        buttons.addWidget(self.sign_in_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addWidget(self.message)
        layout.addWidget(self.account)
        layout.addLayout(buttons)

    def _connect(self) -> None:
        for line in (self.tenant, self.client_id, self.certificate, self.authority):
            line.textEdited.connect(self._edited)
        self.client_secret.edited.connect(self._edited)
        self.method.activated.connect(self._edited)
        self.browse.clicked.connect(self._choose_certificate)
        self.sign_in_button.clicked.connect(self.sign_in_requested)
        self.sign_out_button.clicked.connect(self.sign_out_requested)

    def _edited(self, *_args: object) -> None:
        self._sync_visible()
        if self.message.isVisible():
            self.check_quietly()
        self.changed.emit()

    def _sync_visible(self) -> None:
        method = self.sign_in_method()
        signs_in = method.flow is not None
        for widget in (self.tenant, self.client_id, self.authority):
            self._form.setRowVisible(widget, signs_in)
        self._form.setRowVisible(self.client_secret, method is SignInMethod.APP_SECRET)
        self._form.setRowVisible(self._certificate_line, method is SignInMethod.APP_CERTIFICATE)
        delegated = method.flow is not None and method.flow.is_delegated
        self.sign_in_button.setVisible(signs_in)
        self.sign_out_button.setVisible(signs_in)
        self.account.setVisible(signs_in)
        self.sign_out_button.setEnabled(signs_in)
        self.sign_in_button.setToolTip(
            "Sign in now and keep the sign-in for this profile" if delegated else "Fetch a token for the app now"
        )

    def _choose_certificate(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Certificate with private key", self.certificate.text(), "PEM files (*.pem);;All files (*)"
        )
        if path:
            self.certificate.setText(path)
            self._edited()

    # --- values ---------------------------------------------------------------------------------
    def sign_in_method(self) -> SignInMethod:
        method = self.method.currentData()
        assert isinstance(method, SignInMethod)
        return method

    def set_sign_in_method(self, method: SignInMethod) -> None:
        self.method.setCurrentIndex(self.method.findData(method))
        self._sync_visible()

    @property
    def signs_in(self) -> bool:
        """True when the token comes from a sign-in (not typed into the Password field)."""
        return self.sign_in_method().flow is not None

    def client_secret_value(self) -> Secret | None:
        """The typed client secret when the method uses one, else None."""
        if self.sign_in_method() is not SignInMethod.APP_SECRET or self.client_secret.is_empty():
            return None
        return self.client_secret.secret()

    def profile_oauth(self, base: ProfileOAuth | None = None) -> ProfileOAuth:
        """The section's values as a profile's OAuth settings (no secret)."""
        method = self.sign_in_method()
        flow = method.flow or (base.flow if base is not None else OAuthFlow.DEVICE_CODE)
        certificate = self.certificate.text().strip() if method is SignInMethod.APP_CERTIFICATE else ""
        return ProfileOAuth(
            flow=flow,
            tenant=self.tenant.text().strip(),
            client_id=self.client_id.text().strip(),
            authority_host=self.authority.text().strip(),
            certificate_path=certificate,
            certificate_thumbprint=base.certificate_thumbprint if base is not None and certificate else "",
        )

    def set_profile_oauth(self, oauth: ProfileOAuth, client_secret: Secret | None = None) -> None:
        """Show a profile's OAuth settings (and its stored client secret, if any)."""
        self.tenant.setText(oauth.tenant)
        self.client_id.setText(oauth.client_id)
        self.authority.setText(oauth.authority_host)
        self.certificate.setText(oauth.certificate_path)
        self.client_secret.set_secret(client_secret)
        self.set_sign_in_method(SignInMethod.of(oauth))
        self.clear_message()

    def settings(self, username: str | None, ca_file: str | None = None) -> OAuthSettings:
        """The validated settings for the token provider; raises ``InputError`` (and shows it)."""
        flow = self.sign_in_method().flow
        if flow is None:
            raise InputError("method", "Choose how to sign in.")
        settings = OAuthSettings(
            flow=flow,
            tenant=self.tenant.text().strip(),
            client_id=self.client_id.text().strip(),
            authority_host=self.authority.text().strip() or DEFAULT_AUTHORITY_HOST,
            client_secret=self.client_secret_value() if flow is OAuthFlow.CLIENT_CREDENTIALS else None,
            certificate_path=self._certificate_path(),
            username=username if flow.is_delegated else None,
            ca_file=ca_file,
        )
        try:
            if settings.client_secret is None and self.sign_in_method() is SignInMethod.APP_SECRET:
                raise InputError("client-secret", "Enter the client secret's value (not its ID).")
            return settings.validated()
        except InputError as exc:
            self.show_message(exc.message)
            raise

    def _certificate_path(self) -> str | None:
        if self.sign_in_method() is not SignInMethod.APP_CERTIFICATE:
            return None
        return self.certificate.text().strip() or None

    def check_quietly(self) -> InputError | None:
        """Validate what can be checked without a login name; show or clear the message."""
        if not self.signs_in:
            self.clear_message()
            return None
        try:
            self.settings(None)
        except InputError as exc:
            return exc
        self.clear_message()
        return None

    # --- messages and state ---------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.message.setText(f'<span style="color:#cf222e">✖ {text}</span>')
        self.message.setVisible(bool(text))

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    def show_account(self, account: str | None) -> None:
        self.account.setText(f"Signed in as {account}" if account else "Not signed in")

    def set_busy(self, busy: bool) -> None:
        for widget in (*self._fields().values(), self.browse, self.sign_in_button, self.sign_out_button):
            widget.setEnabled(not busy)
        if not busy:
            self._sync_visible()
