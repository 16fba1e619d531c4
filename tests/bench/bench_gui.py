"""GUI benchmarks (run by hand, not collected by pytest): event-loop stalls and transcript appends.

    .venv/bin/python tests/bench/bench_gui.py            # offscreen
    xvfb-run -a env QT_QPA_PLATFORM=xcb .venv/bin/python tests/bench/bench_gui.py

1. The longest GUI event-loop stall while the main window runs a real probe against a slow server
   (target: under 50 ms). A 2 ms precise timer records the largest gap between its ticks.
2. The time to append N transcript rows one by one (as the live signals do), flush them and paint
   the view, for N = 5,000 and 50,000 (targets: 50,000 under 1 s; 10x rows cost at most 12x time).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.model import AuthMethod, CredentialKind, Credentials, MessageSpec, ProbePlan, SecurityMode  # noqa: E402
from core.probe.phases import Phase  # noqa: E402
from core.probe.transcript import EventKind, TranscriptEvent  # noqa: E402
from core.secret import Secret  # noqa: E402
from gui.app import build_services, create_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.widgets.transcript_view import TranscriptView  # noqa: E402
from tests.gui.slow_server import SlowSmtpServer  # noqa: E402

STALL_TARGET_MS = 50.0
APPEND_TARGET_S = 1.0
LINEARITY_LIMIT = 12.0


class StallMeter:
    """Largest gap between ticks of a 2 ms timer, minus the interval: the longest event-loop stall."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(2)
        self.timer.timeout.connect(self._tick)
        self.worst_ms = 0.0
        self.ticks = 0
        self._last = 0

    def start(self) -> None:
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.worst_ms = max(self.worst_ms, (now - self._last) / 1e6 - 2.0)
        self._last = now
        self.ticks += 1


def measure_stall(app: QApplication, settings_path: Path) -> tuple[float, int, float]:
    """(worst stall in ms, transcript rows, probe seconds) for one probe against a slow server."""
    services = build_services(QSettings(str(settings_path), QSettings.Format.IniFormat))
    window = MainWindow(services)
    window.show()
    settle = time.perf_counter() + 0.5  # let the first expose and paint happen before measuring
    while time.perf_counter() < settle:
        app.processEvents()
        time.sleep(0.005)
    with SlowSmtpServer(delay=0.15) as server:
        plan = ProbePlan(
            host="127.0.0.1",
            port=server.port,
            security=SecurityMode.NONE,
            auth=AuthMethod.PLAIN,
            username="bench@practice.test",
            credential_kind=CredentialKind.PASSWORD,
            message=MessageSpec("bench@practice.test", ("you@practice.test",)),
        )
        meter = StallMeter()
        finished: list[float] = []
        window.run_finished.connect(lambda _r, _f: finished.append(time.perf_counter()))
        meter.start()
        started = time.perf_counter()
        window.start_plan(plan, Credentials(password=Secret("bench-password")))
        deadline = started + 30
        while not finished and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.0005)
        meter.stop()
        rows = window.transcript.transcript.rowCount()
    window.close()
    services.probe_pool.waitForDone(5000)
    if not finished:
        raise SystemExit("the probe did not finish within 30 s")
    return meter.worst_ms, rows, finished[0] - started


def make_events(count: int) -> list[TranscriptEvent]:
    kinds = (EventKind.CLIENT, EventKind.SERVER, EventKind.SERVER, EventKind.INFO, EventKind.TLS)
    return [
        TranscriptEvent(
            i, i * 0.25, kinds[i % len(kinds)], f"250-line {i} of a long EHLO reply PIPELINING SIZE", Phase.EHLO
        )
        for i in range(count)
    ]


def measure_append(app: QApplication, count: int) -> float:
    """Seconds to append ``count`` rows one at a time, flush, and paint the view at the bottom."""
    view = TranscriptView()
    view.resize(900, 500)
    view.show()
    app.processEvents()
    events = make_events(count)
    model = view.transcript
    started = time.perf_counter()
    for event in events:
        model.append(event)
    model.flush()
    view.scrollToBottom()
    view.viewport().repaint()
    app.processEvents()
    elapsed = time.perf_counter() - started
    assert model.rowCount() == count
    view.close()
    view.deleteLater()
    app.processEvents()
    return elapsed


def main() -> int:
    app = create_application()
    print(f"Qt platform: {app.platformName()}")
    settings_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"smtp-doctor-bench-{os.getpid()}.ini"
    try:
        stall_ms, rows, seconds = measure_stall(app, settings_path)
    finally:
        settings_path.unlink(missing_ok=True)
    print(f"probe against a slow server: {seconds:.2f} s, {rows} transcript rows")
    print(f"longest GUI event-loop stall: {stall_ms:.1f} ms (target < {STALL_TARGET_MS:.0f} ms)")
    measure_append(app, 1000)  # warm-up: fonts, icons, first layout
    small = measure_append(app, 5_000)
    large = measure_append(app, 50_000)
    ratio = large / small if small else float("inf")
    print(f"append 5,000 rows: {small * 1000:.0f} ms")
    print(f"append 50,000 rows: {large * 1000:.0f} ms (target < {APPEND_TARGET_S * 1000:.0f} ms)")
    print(f"10x rows cost {ratio:.1f}x time (target <= {LINEARITY_LIMIT:.0f}x)")
    ok = stall_ms < STALL_TARGET_MS and large < APPEND_TARGET_S and ratio <= LINEARITY_LIMIT
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
