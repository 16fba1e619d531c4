"""A result made ready for rendering: redacted a second time, with its environment attached."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.diagnosis.finding import Finding
from core.model import Credentials
from core.probe.result import ProbeResult
from core.report.environment import Environment, collect_environment
from core.report.redact import ReportRedactor, redactor_for
from core.secret import Secret

# What callers may pass as ``secrets``: the run's Credentials, or Secret objects / plain strings.
SecretsArg = Credentials | Iterable[str | Secret | None]


@dataclass(frozen=True)
class PreparedReport:
    """Everything a renderer needs; every string in it has been through ``redactor``."""

    result: ProbeResult
    findings: tuple[Finding, ...]
    environment: Environment
    redactor: ReportRedactor

    def finish(self, rendered: str) -> str:
        """The final pass over a whole rendering (catches escaped forms and anything missed)."""
        return self.redactor(rendered)


def prepare(
    result: ProbeResult,
    findings: Sequence[Finding],
    *,
    secrets: SecretsArg = (),
    environment: Environment | None = None,
) -> PreparedReport:
    """Redact ``result`` and ``findings`` and attach the environment (collected now if not given)."""
    redactor = redactor_for(result, secrets)
    clean = redactor.result(result)
    env = environment if environment is not None else collect_environment(clean)
    return PreparedReport(clean, tuple(redactor.deep(list(findings))), redactor.deep(env), redactor)
