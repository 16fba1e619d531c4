"""Runs one probe at a time on a thread pool and re-emits its progress as Qt signals.

The task's ``run()`` only calls ``core``: ``run_probe`` then ``diagnose``. It never touches a
widget. Signals carry frozen core values only (``TranscriptEvent``, ``Phase``, ``PhaseOutcome``,
``ProbeResult``, findings); the ``Credentials`` travel as a plain reference into the task and are
dropped as soon as the probe returns, so a password never sits in a queued signal. With OAuth the
task signs in first (``gui.oauth_task.probe_with_oauth``): the token lives only inside ``run()``;
the device-code prompt, the sign-in URL and the account name are the only sign-in data emitted.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.cancel import CancelToken
from core.diagnosis.finding import Finding
from core.model import Credentials, ProbePlan
from core.probe.listener import ProbeListener
from core.probe.phases import Phase
from core.probe.result import PhaseOutcome, ProbeResult
from core.probe.transcript import TranscriptEvent
from gui.oauth_task import OAuthRequest, SignalEvents, probe_with_oauth


class ProbeFunction(Protocol):
    """The shape of ``core.probe.runner.run_probe``."""

    def __call__(
        self,
        plan: ProbePlan,
        credentials: Credentials,
        *,
        listener: ProbeListener | None = None,
        cancel: CancelToken | None = None,
    ) -> ProbeResult: ...


DiagnoseFunction = Callable[[ProbeResult], tuple[Finding, ...]]


class _TaskSignals(QObject):
    """Created in the GUI thread (a QRunnable is not a QObject and cannot own signals)."""

    transcript_event = Signal(object)
    phase_started = Signal(object)
    phase_finished = Signal(object)
    finished = Signal(object, object)
    crashed = Signal(str)
    # OAuth sign-in before the probe: plain data only (the token never leaves the task).
    device_code = Signal(object)  # DeviceCodePrompt
    browser_url = Signal(str)
    signed_in = Signal(str)  # the account's user name


class ProbeTask(QRunnable):
    """One probe on a pool thread; it is its own listener and forwards everything as signals."""

    def __init__(
        self,
        plan: ProbePlan,
        credentials: Credentials,
        cancel: CancelToken,
        run_probe: ProbeFunction,
        diagnose: DiagnoseFunction,
        oauth: OAuthRequest | None = None,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the controller keeps it alive until its signals are handled
        self.signals = _TaskSignals()
        self._plan = plan
        self._credentials: Credentials | None = credentials
        self._oauth = oauth
        self._cancel = cancel
        self._run_probe = run_probe
        self._diagnose = diagnose

    def run(self) -> None:
        credentials, self._credentials = self._credentials, None
        oauth, self._oauth = self._oauth, None
        try:
            if oauth is not None:
                result = self._probe_with_oauth(oauth)
            else:
                result = self._run_probe(self._plan, credentials or Credentials(), listener=self, cancel=self._cancel)
            del credentials, oauth
            findings = tuple(self._diagnose(result))
        except Exception:  # noqa: BLE001 - anything here is a bug in core; show it, never hang the UI
            self.signals.crashed.emit(traceback.format_exc(limit=8))
            return
        self.signals.finished.emit(result, findings)

    def _probe_with_oauth(self, oauth: OAuthRequest) -> ProbeResult:
        events = SignalEvents.of(self.signals)
        return probe_with_oauth(
            self._plan, oauth, run_probe=self._run_probe, listener=self, events=events, cancel=self._cancel
        )

    # ProbeListener, called on the pool thread.
    def on_event(self, event: TranscriptEvent) -> None:
        self.signals.transcript_event.emit(event)

    def on_phase_started(self, phase: Phase) -> None:
        self.signals.phase_started.emit(phase)

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        self.signals.phase_finished.emit(outcome)


class ProbeController(QObject):
    """Owns the lifecycle of one run (idle → running → idle) and owns no widgets."""

    event_received = Signal(object)  # TranscriptEvent
    phase_started = Signal(object)  # Phase
    phase_finished = Signal(object)  # PhaseOutcome
    probe_finished = Signal(object, object)  # ProbeResult, tuple[Finding, ...]
    probe_crashed = Signal(str)  # traceback text of a bug
    running_changed = Signal(bool)
    device_code_needed = Signal(object)  # DeviceCodePrompt: show the code (no secret inside)
    browser_sign_in = Signal(str)  # the sign-in page to open in a browser on this PC
    signed_in = Signal(str)  # the account a run signed in with ("" for app-only)

    def __init__(
        self,
        pool: QThreadPool,
        run_probe: ProbeFunction,
        diagnose: DiagnoseFunction,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._run_probe = run_probe
        self._diagnose = diagnose
        self._task: ProbeTask | None = None
        self._cancel: CancelToken | None = None

    @property
    def is_running(self) -> bool:
        return self._task is not None

    def start(self, plan: ProbePlan, credentials: Credentials, oauth: OAuthRequest | None = None) -> bool:
        """Start a probe (signing in first when ``oauth`` is given); False when one is already running."""
        if self._task is not None:
            return False
        self._cancel = CancelToken()
        task = ProbeTask(plan, credentials, self._cancel, self._run_probe, self._diagnose, oauth)
        task.signals.device_code.connect(self.device_code_needed)
        task.signals.browser_url.connect(self.browser_sign_in)
        task.signals.signed_in.connect(self.signed_in)
        task.signals.transcript_event.connect(self.event_received)
        task.signals.phase_started.connect(self.phase_started)
        task.signals.phase_finished.connect(self.phase_finished)
        task.signals.finished.connect(self._on_finished)
        task.signals.crashed.connect(self._on_crashed)
        self._task = task
        self.running_changed.emit(True)
        self._pool.start(task)
        return True

    def stop(self) -> None:
        """Ask the running probe (or its sign-in) to stop; it ends within one transport slice (≤ 250 ms)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self, wait_ms: int = 3000) -> None:
        """Cancel and wait for the pool: called when the window closes."""
        self.stop()
        self._pool.waitForDone(wait_ms)

    def _on_finished(self, result: ProbeResult, findings: tuple[Finding, ...]) -> None:
        self._release()
        self.probe_finished.emit(result, findings)

    def _on_crashed(self, text: str) -> None:
        self._release()
        self.probe_crashed.emit(text)

    def _release(self) -> None:
        self._task = None
        self._cancel = None
        self.running_changed.emit(False)
