"""The CLI looks up the sender domain's MX only when the server itself does not reveal the provider."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.cli.probe_cmd import with_sender_mx
from core.diagnosis.engine import find_provider
from core.model import MessageSpec, ProbePlan
from core.probe.result import ProbeResult


def _result(host: str, mail_from: str) -> ProbeResult:
    plan = ProbePlan(host=host, port=587, message=MessageSpec(mail_from=mail_from))
    return ProbeResult(plan=plan, started_at=datetime.now(UTC), transcript=())


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def fake_lookup(domain: str, timeout: float = 2.0) -> list[str]:
        asked.append(domain)
        return ["contoso-com.mail.protection.outlook.com"]

    monkeypatch.setattr("core.diagnosis.providers.default_mx_lookup", fake_lookup)
    return asked


def test_custom_host_name_is_explained_by_the_sender_mx(lookups: list[str]) -> None:
    result = with_sender_mx(_result("mail.contoso.com", "scan@Contoso.com"))
    assert lookups == ["contoso.com"]
    assert result.extra["mx"] == ["contoso-com.mail.protection.outlook.com"]
    provider = find_provider(result)
    assert provider is not None
    assert provider.id == "microsoft365"


@pytest.mark.parametrize(
    ("host", "mail_from"),
    [("127.0.0.1", "scan@contoso.com"), ("localhost", "scan@contoso.com"), ("smtp.office365.com", "scan@contoso.com"),
     ("mail.contoso.com", "")],
)  # fmt: skip
def test_no_lookup_when_not_needed(lookups: list[str], host: str, mail_from: str) -> None:
    assert "mx" not in with_sender_mx(_result(host, mail_from)).extra
    assert lookups == []
