"""The step bar: Connect → TLS → Greeting/EHLO → Login → Send, lit up live with icons and times."""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.model import AuthMethod, ProbePlan, SecurityMode
from core.probe.phases import Phase, Step
from core.probe.result import PhaseOutcome, ProbeResult
from gui.icons import Glyph, icon
from gui.presenter import format_ms


class StepState(enum.Enum):
    PENDING = "pending"  # not reached (yet)
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # these settings do not use this step

    @property
    def glyph(self) -> Glyph:
        return {
            "pending": Glyph.PENDING,
            "running": Glyph.RUNNING,
            "passed": Glyph.OK,
            "failed": Glyph.FAIL,
            "skipped": Glyph.SKIPPED,
        }[self.value]

    @property
    def word(self) -> str:
        return {
            "pending": "not reached",
            "running": "running…",
            "passed": "passed",
            "failed": "failed",
            "skipped": "not used",
        }[self.value]


# QUIT closes the session whatever happened; it says nothing about whether sending works.
_IGNORED_PHASES = frozenset({Phase.QUIT})


class StepTile(QFrame):
    """One step: icon, name, and its time or state in words (readable without colour)."""

    def __init__(self, step: Step, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = step
        self.state = StepState.PENDING
        self.milliseconds = 0.0
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.icon = QLabel()
        self.name = QLabel(step.value)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.detail = QLabel()
        self.detail.setEnabled(False)  # the disabled text colour reads as secondary in both palettes
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.name)
        texts.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 10, 4)
        layout.addWidget(self.icon)
        layout.addLayout(texts, 1)
        self.set_state(StepState.PENDING)

    def set_state(self, state: StepState, milliseconds: float | None = None) -> None:
        self.state = state
        if milliseconds is not None:
            self.milliseconds = milliseconds
        self.icon.setPixmap(icon(state.glyph).pixmap(22, 22))
        timed = state in (StepState.PASSED, StepState.FAILED) and self.milliseconds > 0
        self.detail.setText(f"{state.word} · {format_ms(self.milliseconds)}" if timed else state.word)
        self.setAccessibleName(f"{self.step.value}: {self.detail.text()}")
        self.setToolTip(self.accessibleName())


class StepBar(QWidget):
    """Five tiles fed by the controller's phase signals; ``finish`` settles them from the result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = {step: StepTile(step) for step in Step}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for number, tile in enumerate(self.tiles.values()):
            if number:
                arrow = QLabel("→")
                arrow.setAlignment(Qt.AlignmentFlag.AlignCenter)
                layout.addWidget(arrow)
            layout.addWidget(tile, 1)

    def state(self, step: Step) -> StepState:
        return self.tiles[step].state

    def states(self) -> dict[Step, StepState]:
        return {step: tile.state for step, tile in self.tiles.items()}

    def reset(self, plan: ProbePlan | None = None) -> None:
        """Every step pending; steps the settings will not use are shown as not used."""
        unused = _unused_steps(plan) if plan else set()
        for step, tile in self.tiles.items():
            tile.milliseconds = 0.0
            tile.set_state(StepState.SKIPPED if step in unused else StepState.PENDING)

    def phase_started(self, phase: Phase) -> None:
        if phase in _IGNORED_PHASES:
            return
        tile = self.tiles[phase.step]
        if tile.state is not StepState.FAILED:
            tile.set_state(StepState.RUNNING)

    def phase_finished(self, outcome: PhaseOutcome) -> None:
        if outcome.phase in _IGNORED_PHASES:
            return
        tile = self.tiles[outcome.phase.step]
        total = tile.milliseconds + outcome.milliseconds
        if not outcome.ok:
            tile.set_state(StepState.FAILED, total)
        elif tile.state is not StepState.FAILED:
            tile.set_state(StepState.PASSED, total)

    def finish(self, result: ProbeResult) -> None:
        """Settle every tile from the result, which is authoritative over the live updates."""
        unused = _unused_steps(result.plan)
        for step, tile in self.tiles.items():
            outcomes = [o for o in result.phases if o.phase.step is step and o.phase not in _IGNORED_PHASES]
            spent = sum(o.milliseconds for o in outcomes)
            if any(not o.ok for o in outcomes) or _failed_in(result, step):
                tile.set_state(StepState.FAILED, spent)
            elif outcomes:
                tile.set_state(StepState.PASSED, spent)
            else:
                tile.set_state(StepState.SKIPPED if step in unused else StepState.PENDING, 0.0)


def _unused_steps(plan: ProbePlan) -> set[Step]:
    unused: set[Step] = set()
    if plan.security is SecurityMode.NONE:
        unused.add(Step.TLS)
    if plan.auth is AuthMethod.NONE:
        unused.add(Step.LOGIN)
    if not plan.send:
        unused.add(Step.SEND)
    return unused


def _failed_in(result: ProbeResult, step: Step) -> bool:
    failure = result.failure
    return failure is not None and failure.phase not in _IGNORED_PHASES and failure.phase.step is step
