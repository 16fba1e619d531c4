"""Practice mode: the built-in practice server plus its scenarios as ready-made profiles.

Started by ``smtp-doctor gui --demo`` and on the first start (no saved profile yet), so anyone can
watch the app work without a real mail account. The server listens on 127.0.0.1 only, on free
ports, and stops when the app closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.lab.scenarios import Scenario, scenario_plans
from core.lab.server import PracticeServer
from core.model import Credentials, ProbePlan


@dataclass(frozen=True)
class PracticeProfile:
    """One scenario, ready to load into the form."""

    scenario: Scenario
    plan: ProbePlan
    credentials: Credentials

    @property
    def title(self) -> str:
        return self.scenario.title

    @property
    def lesson(self) -> str:
        return self.scenario.lesson

    @property
    def expected_code(self) -> str | None:
        return self.scenario.expected_code


class PracticeSession:
    """A running practice server and its profiles; ``stop()`` ends it (safe to call twice)."""

    def __init__(self) -> None:
        self.server = PracticeServer()
        self.profiles: tuple[PracticeProfile, ...] = ()

    def start(self) -> PracticeSession:
        self.server.start()
        self.profiles = tuple(PracticeProfile(s, p, c) for s, p, c in scenario_plans(self.server))
        return self

    def stop(self) -> None:
        self.server.stop()

    def profile(self, scenario_id: str) -> PracticeProfile:
        return next(p for p in self.profiles if p.scenario.id == scenario_id)
