"""Runs one check at a time on a thread pool and re-emits its progress as Qt signals.

The task's ``run()`` calls one function, ``core.usecase.check.run_check`` (sign-in when asked,
probe, enrichment, diagnosis: the same pipeline as ``smtp-doctor probe``), and never touches a
widget. Signals carry frozen core values only (``TranscriptEvent``, ``Phase``, ``PhaseOutcome``,
``ProbeResult``, findings). The request (with its ``Credentials``) travels as a plain reference
into the task and is dropped when the check returns, so a password never sits in a queued signal;
a fetched token lives only inside ``run()``. The device-code prompt, the sign-in URL and the
account name are the only sign-in data emitted. The run's ``SecretRegistry`` stays with the
controller on the GUI thread (never in a signal) so a report saved later is redacted with it.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.cancel import CancelToken
from core.oauth.tokens import DeviceCodePrompt
from core.probe.phases import Phase
from core.probe.result import PhaseOutcome
from core.probe.transcript import TranscriptEvent
from core.secret import SecretRegistry
from core.usecase.check import CheckOutcome, CheckRequest, CheckServices, run_check


class _TaskSignals(QObject):
    """Created in the GUI thread (a QRunnable is not a QObject and cannot own signals)."""

    transcript_event = Signal(object)
    phase_started = Signal(object)
    phase_finished = Signal(object)
    finished = Signal(object)  # CheckOutcome
    crashed = Signal(str)
    # OAuth sign-in before the probe: plain data only (the token never leaves the task).
    device_code = Signal(object)  # DeviceCodePrompt
    browser_url = Signal(str)
    signed_in = Signal(str)  # the account's user name


class CheckTask(QRunnable):
    """One check on a pool thread; it is the check's listener and forwards everything as signals."""

    def __init__(
        self, request: CheckRequest, cancel: CancelToken, secrets: SecretRegistry, services: CheckServices
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the controller keeps it alive until its signals are handled
        self.signals = _TaskSignals()
        self._request: CheckRequest | None = request
        self._cancel = cancel
        self._secrets = secrets
        self._services = services

    def run(self) -> None:
        request, self._request = self._request, None
        if request is None:
            return
        try:
            outcome = run_check(request, self, self._cancel, secrets=self._secrets, services=self._services)
        except Exception:  # noqa: BLE001 - anything here is a bug in core; show it, never hang the UI
            self.signals.crashed.emit(traceback.format_exc(limit=8))
            return
        finally:
            del request
        self.signals.finished.emit(outcome)

    # CheckListener, called on the pool thread.
    def on_event(self, event: TranscriptEvent) -> None:
        self.signals.transcript_event.emit(event)

    def on_phase_started(self, phase: Phase) -> None:
        self.signals.phase_started.emit(phase)

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        self.signals.phase_finished.emit(outcome)

    def device_code(self, prompt: DeviceCodePrompt) -> None:
        self.signals.device_code.emit(prompt)

    def browser_url(self, url: str) -> None:
        self.signals.browser_url.emit(url)

    def signed_in(self, account: str) -> None:
        self.signals.signed_in.emit(account)


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

    def __init__(self, pool: QThreadPool, services: CheckServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._services = services
        self._task: CheckTask | None = None
        self._cancel: CancelToken | None = None
        # Every secret the last run held: reports of that run are redacted with it.
        self.last_secrets = SecretRegistry()

    @property
    def is_running(self) -> bool:
        return self._task is not None

    def start(self, request: CheckRequest) -> bool:
        """Start a check (signing in first when the request says so); False when one is already running."""
        if self._task is not None:
            return False
        self._cancel = CancelToken()
        secrets = SecretRegistry()
        task = CheckTask(request, self._cancel, secrets, self._services)
        task.signals.device_code.connect(self.device_code_needed)
        task.signals.browser_url.connect(self.browser_sign_in)
        task.signals.signed_in.connect(self.signed_in)
        task.signals.transcript_event.connect(self.event_received)
        task.signals.phase_started.connect(self.phase_started)
        task.signals.phase_finished.connect(self.phase_finished)
        task.signals.finished.connect(lambda outcome: self._on_finished(outcome, secrets))
        task.signals.crashed.connect(self._on_crashed)
        self._task = task
        self.running_changed.emit(True)
        self._pool.start(task)
        return True

    def stop(self) -> None:
        """Ask the running check (or its sign-in) to stop; it ends within one transport slice (≤ 250 ms)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self, wait_ms: int = 3000) -> None:
        """Cancel and wait for the pool: called when the window closes."""
        self.stop()
        self._pool.waitForDone(wait_ms)

    def _on_finished(self, outcome: CheckOutcome, secrets: SecretRegistry) -> None:
        self.last_secrets = secrets
        self._release()
        self.probe_finished.emit(outcome.result, outcome.findings)

    def _on_crashed(self, text: str) -> None:
        self._release()
        self.probe_crashed.emit(text)

    def _release(self) -> None:
        self._task = None
        self._cancel = None
        self.running_changed.emit(False)
