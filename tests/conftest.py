"""Fixtures every test may use: offscreen Qt, a shared trustme CA, and no real keyring by accident."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator

import pytest

# Before any QApplication exists: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def ca() -> object:
    """A private certificate authority for loopback TLS servers."""
    import trustme

    return trustme.CA()


@pytest.fixture(scope="session")
def server_cert(ca: object) -> object:
    return ca.issue_cert("localhost", "127.0.0.1", "mx.local.test")  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def ca_file(ca: object, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The CA as a PEM file, for ``--ca-file`` / ``TlsPolicy(ca_file=...)``."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))  # type: ignore[attr-defined]
    return str(path)


@pytest.fixture(scope="session")
def server_ssl_context(server_cert: object) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)  # type: ignore[attr-defined]
    return ctx


@pytest.fixture(scope="session", autouse=True)
def _no_blocking_dialogs() -> Iterator[list[str]]:
    """Modal dialogs answer at once in tests instead of waiting for a click that never comes.

    A modal loop also starves pytest-timeout's signal handler, so one forgotten "Unsaved changes"
    prompt would hang the whole run. Tests that need a particular answer monkeypatch these again.
    """
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    shown: list[str] = []
    button = QMessageBox.StandardButton

    def question(_parent: object, title: str, _text: str, buttons: object = None, *_rest: object) -> object:
        shown.append(title)
        offered = buttons if isinstance(buttons, button) else button.Yes | button.No
        for safe in (button.Discard, button.Cancel, button.No):
            if offered & safe:
                return safe
        return button.NoButton

    def notice(_parent: object, title: str, *_rest: object, **_kw: object) -> object:
        shown.append(title)
        return button.Ok

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QMessageBox, "question", staticmethod(question))
        for name in ("warning", "information", "critical"):
            patch.setattr(QMessageBox, name, staticmethod(notice))
        patch.setattr(QInputDialog, "getText", staticmethod(lambda *_a, **_k: ("", False)))
        patch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: ("", "")))
        patch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: ("", "")))
        yield shown


@pytest.fixture(autouse=True)
def _memory_keyring() -> Iterator[None]:
    """Keep every test away from the user's real keyring unless it asks for it (realkeyring)."""
    import keyring

    from tests.helpers.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)
