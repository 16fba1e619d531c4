"""TLS details: protocol, cipher, verification result and reason, and the certificate chain."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from core.probe.result import CertSummary, TlsInfo
from gui.icons import Glyph, icon
from gui.presenter import validity_text

_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse


class TlsView(QWidget):
    """Shows a ``TlsInfo``; 'No TLS in this test' when the session was not encrypted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.protocol = QLabel()
        self.cipher = QLabel()
        self.verification = QLabel()
        self.verification.setWordWrap(True)
        for label in (self.protocol, self.cipher, self.verification):
            label.setTextInteractionFlags(label.textInteractionFlags() | _SELECTABLE)
        self.chain = QTreeWidget()
        self.chain.setHeaderLabels(["Certificate", "Details"])
        self.chain.setColumnWidth(0, 220)
        self.chain.setAccessibleName("Certificate chain")
        form = QFormLayout()
        form.addRow("Protocol:", self.protocol)
        form.addRow("Cipher:", self.cipher)
        form.addRow("Verification:", self.verification)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.chain, 1)
        self.show_tls(None)

    def show_tls(self, tls: TlsInfo | None) -> None:
        self.chain.clear()
        if tls is None:
            self.protocol.setText("No TLS in this test")
            self.cipher.setText("-")
            self.verification.setText("-")
            return
        self.protocol.setText(tls.version or "not negotiated")
        self.cipher.setText(tls.cipher or "-")
        self.verification.setText(_verification_text(tls))
        for position, cert in enumerate(tls.chain):
            self.chain.addTopLevelItem(_cert_item(position, cert))
        self.chain.expandAll()


def _verification_text(tls: TlsInfo) -> str:
    if not tls.verification_enabled:
        return "⚠ Off: the certificate was not checked"
    if tls.verified:
        return "✔ Trusted: the certificate chain and host name verified"
    code = f" (code {tls.verify_code})" if tls.verify_code is not None else ""
    return f"✖ Not trusted: {tls.verify_message or 'unknown reason'}{code}"


def _cert_item(position: int, cert: CertSummary) -> QTreeWidgetItem:
    valid, validity = validity_text(cert.not_before, cert.not_after)
    role = "Server" if position == 0 else f"Issuer {position}"
    item = QTreeWidgetItem([f"{role}: {cert.subject}", "self-signed" if cert.self_signed else ""])
    item.setIcon(0, icon(Glyph.OK if valid else Glyph.FAIL))
    details = [
        ("Issued by", cert.issuer),
        ("Valid", validity),
        ("Names", ", ".join(cert.sans) or "(none)"),
        ("SHA-256", cert.sha256),
    ]
    for name, value in details:
        child = QTreeWidgetItem([name, value])
        child.setToolTip(1, value)
        item.addChild(child)
    return item
