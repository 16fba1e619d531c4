"""The desktop part of ``smtp-doctor --self-test`` and the ``--startup-probe`` (see ``core.selftest``).

``checks(screenshot)`` gives two checks for the report:

- ``assets``: every ``gui`` module imports; the bundled app icon (resources/app.png) resolves and
  decodes; every drawn icon renders; the Qt plugins the app relies on are loaded (the platform in
  use, ICO images); fonts exist; a PDF report can be written;
- ``window``: the main window opens in practice mode as the app does, a practice test runs through
  the window's own Test path, the verdict is "works", and ``--screenshot`` saves ``win.grab()``.

Both run on Qt's offscreen platform when a Linux machine has no display (``use_offscreen_if_headless``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QSettings,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFontDatabase, QImage, QImageReader, QWindow
from PySide6.QtWidgets import QApplication

from core.selftest import Check, CheckFailed, import_all, package_modules
from gui.icons import APP_ICON, resources_dir

APP_ICON_SIZE: Final = 256
PRACTICE_SCENARIO: Final = "works-starttls"
WINDOW_SIZE: Final = (1280, 860)
SHOW_TIMEOUT_S: Final = 10.0
PROBE_TIMEOUT_S: Final = 30.0


def use_offscreen_if_headless() -> bool:
    """Choose Qt's offscreen platform where Qt would otherwise abort for lack of a display."""
    from core.display import has_display

    if has_display():
        return False
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return True


def wait_until(app: QApplication, condition: Callable[[], bool], timeout_s: float) -> bool:
    """Process events until ``condition()`` holds or the time is up; returns the condition."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.005)
    return True


# Qt's offscreen platform says this on every window; it means nothing for the check.
_OFFSCREEN_NOISE: Final = "This plugin does not support propagateSizeHints()"


def _qt_message(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    if message != _OFFSCREEN_NOISE and sys.stderr is not None:
        print(message, file=sys.stderr)


def application() -> QApplication:
    from gui.app import create_application

    qInstallMessageHandler(_qt_message)
    return create_application()


# --- assets ----------------------------------------------------------------------------------------


def check_assets() -> str:
    from gui.icons import Glyph, icon
    from gui.report_pdf import html_to_pdf

    modules = package_modules("gui")
    import_all(modules)
    app = application()
    icon_path = resources_dir() / APP_ICON
    image = QImage(str(icon_path))
    if image.isNull() or image.width() != APP_ICON_SIZE:
        raise CheckFailed(f"the app icon {icon_path} is missing or unreadable")
    blank = [glyph.name for glyph in Glyph if icon(glyph).pixmap(32, 32).isNull()]
    if blank:
        raise CheckFailed(f"drawn icons do not render: {', '.join(blank)}")
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if "ico" not in formats:
        raise CheckFailed(f"Qt's ICO image plugin is missing (formats: {', '.join(sorted(formats))})")
    if not QFontDatabase.families():
        raise CheckFailed("Qt finds no fonts: text would not show")
    pdf = html_to_pdf("<h1>SMTP Doctor</h1><p>self-test</p>", "self-test")
    return (
        f"{len(modules)} gui modules import; app icon, {len(Glyph)} drawn icons, Qt platform "
        f"'{app.platformName()}', ICO plugin, {len(QFontDatabase.families())} font families, "
        f"PDF output ({len(pdf):,} bytes)"
    )


# --- window ----------------------------------------------------------------------------------------


def _exposed(window: QWindow | None) -> bool:
    return window is not None and window.isExposed()


def check_window(screenshot: Path | None) -> str:
    from core.diagnosis.finding import primary
    from gui.app import build_services
    from gui.main_window import MainWindow
    from gui.practice import PracticeSession

    app = application()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="smtp-doctor-selftest-") as scratch:
        # A private settings file: the self-test must not touch the user's window layout.
        services = build_services(QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat))
        services.practice = PracticeSession().start()
        try:
            window = MainWindow(services)
            window.resize(*WINDOW_SIZE)
            if window.practice_panel is None:
                raise CheckFailed("the main window shows no practice scenarios")
            window.sources.setCurrentWidget(window.practice_panel)
            window.practice_panel.select(PRACTICE_SCENARIO)
            window.show()
            if not wait_until(app, lambda: _exposed(window.windowHandle()), SHOW_TIMEOUT_S):
                raise CheckFailed(f"the main window was not shown within {SHOW_TIMEOUT_S:.0f} s")
            shown_ms = (time.perf_counter() - started) * 1000
            finished: list[tuple[object, tuple[object, ...]]] = []
            window.run_finished.connect(lambda result, findings: finished.append((result, findings)))
            if not window.start_test():
                raise CheckFailed(f"the practice test did not start: {window.statusBar().currentMessage()}")
            if not wait_until(app, lambda: bool(finished), PROBE_TIMEOUT_S):
                raise CheckFailed(f"the practice test did not finish within {PROBE_TIMEOUT_S:.0f} s")
            cause = primary(finished[0][1])  # type: ignore[arg-type]
            if cause is not None:
                raise CheckFailed(f"the practice test through the window failed: {cause.code}")
            wait_until(app, lambda: False, 0.2)  # let the verdict and transcript paint
            saved = _save_screenshot(window.grab().toImage(), screenshot)
            window.close()
        finally:
            services.probe_pool.waitForDone(5000)
            services.practice.stop()
    width, height = WINDOW_SIZE
    return (
        f"main window shown in {shown_ms:.0f} ms on '{app.platformName()}' ({width}x{height}); "
        f"practice test '{PRACTICE_SCENARIO}' passed through the window{saved}"
    )


def _save_screenshot(image: QImage, path: Path | None) -> str:
    """Save as PNG (``core.selftest.screenshot_path`` made sure the name ends in .png)."""
    if path is None:
        return ""
    if image.isNull() or not image.save(str(path)):
        raise CheckFailed(f"could not save the screenshot to {path}")
    return f"; screenshot saved to {path}"


def checks(screenshot: Path | None) -> tuple[tuple[str, Check], ...]:
    use_offscreen_if_headless()
    return (("assets", check_assets), ("window", lambda: check_window(screenshot)))


# --- start-up probe --------------------------------------------------------------------------------


class FirstWindowWatch(QObject):
    """Notes the moment the first window has been exposed *and painted*, then ends the app.

    The filter sees the expose event before Qt handles it (Qt paints the window while handling
    it), so the time is taken from a zero-delay timer, which runs once that handling is done.
    """

    def __init__(self, app: QApplication, report: Callable[[float], None]) -> None:
        super().__init__(app)
        self._app = app
        self._report = report
        self._seen = False
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        exposed = event.type() == QEvent.Type.Expose and isinstance(watched, QWindow) and watched.isExposed()
        if exposed and not self._seen:
            self._seen = True
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        self._report(time.monotonic())
        # exit(), not quit(): no close events, so the window does not save its layout.
        self._app.exit(0)


def _print_probe(monotonic: float) -> None:
    if sys.stdout is not None:
        print(f"startup-probe: first window shown at monotonic {monotonic:.6f}", flush=True)


def startup_probe() -> int:
    """Open the desktop app in practice mode as ``smtp-doctor gui --demo`` does; quit once it shows."""
    from gui.app import main

    use_offscreen_if_headless()
    watch = FirstWindowWatch(application(), _print_probe)
    status = main([], demo=True)
    watch.deleteLater()
    return status
