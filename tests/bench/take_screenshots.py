"""Screenshots of the main window for the README (run by hand under Xvfb; not collected by pytest).

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tests/bench/take_screenshots.py resources/screenshots

Runs two practice scenarios for real and saves ``main-works.png`` and ``main-fails.png``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.app import build_services, create_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.practice import PracticeSession  # noqa: E402

SHOTS = {"main-works.png": "works-starttls", "main-fails.png": "tenant-disabled"}


def wait(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shoot(app: QApplication, window: MainWindow, scenario_id: str, path: Path) -> None:
    assert window.practice_panel is not None
    window.practice_panel.select(scenario_id)
    finished: list[object] = []
    window.run_finished.connect(lambda *args: finished.append(args))
    window.start_test()
    deadline = time.monotonic() + 30
    while not finished and time.monotonic() < deadline:
        wait(app, 0.05)
    wait(app, 0.3)
    if not window.grab().save(str(path)):
        raise SystemExit(f"could not save {path}")
    print(f"saved {path} ({app.platformName()})")


def main(out_dir: str) -> int:
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    app = create_application()
    with tempfile.TemporaryDirectory() as scratch:
        services = build_services(QSettings(str(Path(scratch) / "s.ini"), QSettings.Format.IniFormat))
        services.practice = PracticeSession().start()
        try:
            window = MainWindow(services)
            window.resize(1280, 860)
            window.show()
            wait(app, 0.3)
            for name, scenario_id in SHOTS.items():
                shoot(app, window, scenario_id, target / name)
            window.close()
        finally:
            services.probe_pool.waitForDone(5000)
            services.practice.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "resources" / "screenshots")))
