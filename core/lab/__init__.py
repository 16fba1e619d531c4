"""The built-in practice server and its scenario catalogue (no Qt here).

``PracticeServer`` runs STARTTLS, implicit-TLS and plain listeners on 127.0.0.1 with accounts that
answer like Microsoft 365 or Gmail do; ``SCENARIOS`` lists ready-made settings to try against it
with the diagnosis each must produce; ``scenario_plans(server)`` builds their probe plans.
"""

from core.lab.accounts import ACCOUNTS, DOMAIN, PRACTICE_APP_PASSWORD, PRACTICE_PASSWORD, Account, practice_token
from core.lab.handler import ReceivedMessage, TokenCheck
from core.lab.listeners import Listener, ListenerRole, ports_from_base
from core.lab.scenarios import SCENARIO_BY_ID, SCENARIOS, Scenario, scenario_plan, scenario_plans
from core.lab.server import PracticeServer

__all__ = [
    "ACCOUNTS",
    "DOMAIN",
    "PRACTICE_APP_PASSWORD",
    "PRACTICE_PASSWORD",
    "SCENARIOS",
    "SCENARIO_BY_ID",
    "Account",
    "Listener",
    "ListenerRole",
    "PracticeServer",
    "ReceivedMessage",
    "Scenario",
    "TokenCheck",
    "ports_from_base",
    "practice_token",
    "scenario_plan",
    "scenario_plans",
]
