"""The check looks up the sender domain's MX only when the server itself does not reveal the provider."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.diagnosis.engine import find_provider
from core.model import MessageSpec, ProbePlan
from core.probe.enrichment import SenderDomainMx
from core.probe.result import ProbeResult
from core.usecase.enrich import enrich


def _result(host: str, mail_from: str) -> ProbeResult:
    plan = ProbePlan(host=host, port=587, message=MessageSpec(mail_from=mail_from))
    return ProbeResult(plan=plan, started_at=datetime.now(UTC), transcript=())


class Lookups:
    """An MX lookup that records what it was asked (the DNS itself is tested in tests/domain)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, domain: str) -> SenderDomainMx:
        self.asked.append(domain)
        return SenderDomainMx(domain, ("contoso-com.mail.protection.outlook.com",))


@pytest.fixture
def lookups() -> Lookups:
    return Lookups()


def with_sender_mx(result: ProbeResult, lookups: Lookups) -> ProbeResult:
    return enrich(result, token=None, lookup_mx=lookups)


def test_custom_host_name_is_explained_by_the_sender_mx(lookups: Lookups) -> None:
    result = with_sender_mx(_result("mail.contoso.com", "scan@Contoso.com"), lookups)
    assert lookups.asked == ["contoso.com"]
    assert list(result.enrichment.mx_hosts) == ["contoso-com.mail.protection.outlook.com"]
    provider = find_provider(result)
    assert provider is not None
    assert provider.id == "microsoft365"
    assert result.enrichment.provider_id == "microsoft365"  # what the reports print


@pytest.mark.parametrize(
    ("host", "mail_from"),
    [("127.0.0.1", "scan@contoso.com"), ("localhost", "scan@contoso.com"), ("smtp.office365.com", "scan@contoso.com"),
     ("mail.contoso.com", ""), ("mail.contoso.com", "scan@printers.example"), ("mail.contoso.com", "scan@lab.test")],
)  # fmt: skip
def test_no_lookup_when_not_needed(lookups: Lookups, host: str, mail_from: str) -> None:
    assert with_sender_mx(_result(host, mail_from), lookups).enrichment.sender_mx is None
    assert lookups.asked == []
