"""Cancel from another thread while the run is inside each phase: it ends within 0.5 s, as CANCELLED.

A cancelled run is the user's decision, not a server problem: the diagnosis must not blame the
server with an error finding. The deadlines here are long on purpose, so only the cancel can end
the wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from core.cancel import CancelToken
from core.model import SecurityMode, Timeouts
from core.probe.phases import Phase
from core.probe.result import FailureKind, PhaseOutcome
from core.probe.transcript import TranscriptEvent
from tests.helpers.scripted_server import ScriptedServer, Sleep, StallHandshake
from tests.robustness.conftest import Certificates
from tests.robustness.harness import CANCELLED, observe, plan_for, record_observation
from tests.robustness.steps import blackhole

pytestmark = pytest.mark.network

SLOW = Timeouts(connect=10, greeting=10, tls=10, command=10, data_end=10, total=20)
CANCEL_AFTER = 0.25  # seconds inside the phase before the cancel comes
CANCEL_LIMIT = 0.5
STALL = 30.0


class CancelInPhase:
    """A probe listener that cancels the run from a timer thread once ``phase`` has begun."""

    def __init__(self, phase: Phase, token: CancelToken) -> None:
        self.phase = phase
        self.token = token
        self.cancelled_at: float | None = None
        self._timer: threading.Timer | None = None

    def on_event(self, event: TranscriptEvent) -> None:
        pass

    def on_phase_started(self, phase: Phase) -> None:
        if phase is self.phase and self._timer is None:
            self._timer = threading.Timer(CANCEL_AFTER, self._cancel)
            self._timer.start()

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        pass

    def _cancel(self) -> None:
        self.cancelled_at = time.monotonic()
        self.token.cancel()

    def join(self) -> None:
        if self._timer is not None:
            self._timer.join()


@contextmanager
def unanswered_port(_certs: Certificates) -> Iterator[int]:
    listener, fillers, port = blackhole()
    try:
        yield port
    finally:
        for sock in (*fillers, listener):
            sock.close()


def serving(replies: dict[str, object] | None, *, tls: bool = False) -> Callable[[Certificates], object]:
    @contextmanager
    def start(certs: Certificates) -> Iterator[int]:
        if replies is None:
            server = ScriptedServer([Sleep(STALL)], total_time_limit=30)
        else:
            server = ScriptedServer.smtp(replies, tls_context=certs.good if tls else None, total_time_limit=30)
        with server:
            yield server.port

    return start


@dataclass(frozen=True)
class Stage:
    name: str
    phase: Phase
    where: Callable[[Certificates], object]  # a context manager factory giving the port
    security: SecurityMode = SecurityMode.NONE
    login: bool = False
    send: bool = False


STARTTLS = SecurityMode.STARTTLS
STAGES = [
    Stage("connect (no answer)", Phase.CONNECT, unanswered_port),
    Stage("greeting", Phase.GREETING, serving(None)),
    Stage("EHLO", Phase.EHLO, serving({"ehlo": Sleep(STALL)})),
    Stage("STARTTLS", Phase.STARTTLS, serving({"starttls": Sleep(STALL)}, tls=True), STARTTLS),
    Stage(
        "TLS handshake",
        Phase.TLS,
        serving({"starttls": ["220 2.0.0 Ready to start TLS", StallHandshake(STALL)]}, tls=True),
        STARTTLS,
    ),
    Stage("AUTH", Phase.AUTH, serving({"auth_command": Sleep(STALL)}), login=True),
    Stage("MAIL", Phase.MAIL_FROM, serving({"mail_from": Sleep(STALL)}), send=True),
    Stage("RCPT", Phase.RCPT_TO, serving({"rcpt_to": Sleep(STALL)}), send=True),
    Stage("DATA", Phase.DATA, serving({"data": Sleep(STALL)}), send=True),
    Stage("end of DATA", Phase.DATA, serving({"data_end": Sleep(STALL)}), send=True),
]


@pytest.mark.parametrize("stage", STAGES, ids=[s.name for s in STAGES])
def test_cancel_inside_each_phase(stage: Stage, certificates: Certificates) -> None:
    token = CancelToken()
    listener = CancelInPhase(stage.phase, token)
    with stage.where(certificates) as port:  # type: ignore[attr-defined]
        plan = plan_for(
            port,
            stage.security,
            login=stage.login,
            send=stage.send,
            ca_file=certificates.ca_file,
            timeouts=SLOW,
        )
        observation = observe(plan, cancel=token, listener=listener)
        ended = time.monotonic()
    listener.join()
    record_observation("cancel", f"cancel in {stage.name}", CANCELLED, observation)
    assert observation.escaped is None, observation.escaped
    assert listener.cancelled_at is not None, "the run never reached the phase"
    assert ended - listener.cancelled_at < CANCEL_LIMIT
    result = observation.result
    assert result is not None
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.CANCELLED, stage.phase)
    assert observation.error_findings() == []
    assert observation.code == CANCELLED
