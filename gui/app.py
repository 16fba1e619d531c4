"""Composition root: creates the QApplication, the real services and the main window.

Nothing else in ``gui`` builds services or reaches for ``QApplication.instance()``; tests make
their own ``Services`` (private settings file, their own pool) and a ``MainWindow`` from them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from core import __version__
from gui import style
from gui.icons import app_icon
from gui.main_window import MainWindow
from gui.services import Services, private_pool

ORGANISATION = "SMTP Doctor"
APPLICATION = "SMTP Doctor"


def build_services(settings: QSettings | None = None) -> Services:
    """The real check pipeline and presets (imported here so tests can build their own)."""
    from core.diagnosis.presets import PRESETS
    from core.usecase.check import CheckServices

    return Services(
        check_services=CheckServices(),
        probe_pool=private_pool(),
        settings=settings or QSettings(ORGANISATION, APPLICATION),
        presets=PRESETS,
    )


def attach_profiles(services: Services) -> None:
    """The saved profiles and the OS keyring (or a session-only store, with the reason why)."""
    from core.profiles.secrets import open_secret_store
    from core.profiles.store import ProfileStore

    services.profile_store = ProfileStore()
    status = open_secret_store()
    services.secret_store = status.store
    services.keyring_label = status.backend_name
    services.keyring_problem = status.problem


def attach_practice(services: Services) -> None:
    """Start the practice server (loopback, free ports) and offer its scenarios."""
    from gui.practice import PracticeSession

    services.practice = PracticeSession().start()


def create_application(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication with names, the app icon, the palette that follows the system, exact high-DPI scaling."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional scale factors (125 %, 150 %) as the system sets them, not rounded to whole numbers.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication([sys.argv[0] if sys.argv else "smtp-doctor", *argv])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("smtp-doctor")
    app.setWindowIcon(app_icon())  # dialogs, the taskbar and the Linux window manager show it
    style.install(app)
    return app


def main(argv: Sequence[str] = (), demo: bool = False) -> int:
    """Run the desktop app until its window closes; returns the exit status."""
    app = create_application(argv)
    services = build_services()
    attach_profiles(services)
    first_start = services.profile_store is not None and len(services.profile_store) == 0
    if demo or first_start:
        try:
            attach_practice(services)
        except OSError as exc:
            QMessageBox.warning(None, "Practice server", f"The practice server could not start: {exc}")
    window = MainWindow(services)
    if window.practice_panel is not None and services.practice is not None:
        window.sources.setCurrentWidget(window.practice_panel)
        window.practice_panel.select(services.practice.profiles[0].scenario.id)
    window.show()
    try:
        return int(app.exec())
    finally:
        services.probe_pool.waitForDone(3000)
        if services.practice is not None:
            services.practice.stop()
