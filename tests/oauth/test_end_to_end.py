"""The fetched token through XOAUTH2 against the practice server, which checks it as Exchange would.

Real MSAL gets the token from the fake authority; the runner presents it with XOAUTH2 over
STARTTLS to ``core.lab.PracticeServer``; the server's token hook plays Exchange Online's resource
check (audience, scope or role, expiry, owner), answering every refusal with the same bare
``535 5.7.3`` as Microsoft does. The token's claims then let the diagnosis tell the causes apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from core.lab import PracticeServer
from core.model import AuthMethod, CredentialKind, Credentials, MessageSpec, ProbePlan, SecurityMode, TlsPolicy
from core.oauth.acquire import fetch_token
from core.oauth.settings import OAuthSettings
from core.probe.result import ProbeResult
from core.probe.runner import run_probe
from core.secret import Secret
from core.usecase.enrich import enrich
from tests.helpers.fake_authority import FakeAuthority, FakeUser
from tests.oauth.conftest import app_settings, device_settings

MAILBOX = "oauth@practice.test"
EXCHANGE = {"https://outlook.office.com", "https://outlook.office365.com"}


def exchange_accepts(token: str, user: str) -> bool:
    """Exchange Online's view of a bearer token (signature aside: the fake does not sign)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return False
    if claims.get("aud") not in EXCHANGE or claims.get("exp", 0) <= time.time():
        return False
    if "SMTP.SendAsApp" in claims.get("roles", []):
        return True  # app-only: the service principal was granted this mailbox
    return "SMTP.Send" in str(claims.get("scp", "")).split() and str(claims.get("upn", "")).lower() == user.lower()


@pytest.fixture(scope="module")
def lab() -> Iterator[PracticeServer]:
    with PracticeServer(accept_token=exchange_accepts) as server:
        yield server


@pytest.fixture
def mailbox_authority(authority: FakeAuthority) -> FakeAuthority:
    authority.user = FakeUser(upn=MAILBOX, name="OAuth Mailbox")
    return authority


def probe_with_token(lab: PracticeServer, settings: OAuthSettings) -> tuple[ProbeResult, Secret]:
    token = fetch_token(settings, on_device_code=lambda prompt: None)
    plan = ProbePlan(
        host="127.0.0.1",
        port=lab.submission_port,
        security=SecurityMode.STARTTLS,
        auth=AuthMethod.XOAUTH2,
        username=MAILBOX,
        credential_kind=settings.credential_kind,
        message=MessageSpec(mail_from=MAILBOX, rcpt_to=("someone@practice.test",)),
        send=False,
        tls=TlsPolicy(ca_file=lab.ca_file),
    )
    result = run_probe(plan, Credentials(token=token))
    return enrich(result, token=token, lookup_mx=None), token


def assert_no_token_anywhere(result: ProbeResult, token: Secret) -> None:
    """Neither the token nor its base64 forms in the transcript or the --json report."""
    from core.report.json_report import result_to_json
    from core.secret import secret_forms

    text = result_to_json(result, ())
    for form in secret_forms(token.reveal()):
        assert form not in text
        assert all(form not in e.text for e in result.transcript)


def test_delegated_token_authenticates_with_xoauth2(
    lab: PracticeServer, mailbox_authority: FakeAuthority, ca_file: str
) -> None:
    result, token = probe_with_token(lab, device_settings(mailbox_authority, ca_file))
    assert result.failure is None, result.failure
    assert result.authenticated
    assert result.auth_mechanism == "XOAUTH2"
    assert result.enrichment.token_claims.values["upn"] == MAILBOX  # type: ignore[union-attr]
    assert_no_token_anywhere(result, token)


def test_app_only_token_authenticates_with_xoauth2(
    lab: PracticeServer, mailbox_authority: FakeAuthority, ca_file: str
) -> None:
    result, token = probe_with_token(lab, app_settings(mailbox_authority, ca_file))
    assert result.authenticated, result.failure
    assert result.plan.credential_kind is CredentialKind.OAUTH_APP_ONLY
    assert result.enrichment.token_claims.values["roles"] == ["SMTP.SendAsApp"]  # type: ignore[union-attr]
    assert_no_token_anywhere(result, token)


# case -> (how the authority mints the token, the finding the diagnosis must give)
BAD_TOKENS: dict[str, tuple[dict[str, Any], str]] = {
    "wrong_audience": (
        {"user_claims": {"aud": "https://graph.microsoft.com", "scp": "Mail.Send User.Read"}},
        "oauth_wrong_scope_or_audience",
    ),
    "wrong_user": ({"user": FakeUser(upn="admin@practice.test", name="Admin")}, "oauth_token_user_mismatch"),
    "expired": (
        {
            "user_claims": {
                "exp": int(time.time()) - 900,
                "iat": int(time.time()) - 4500,
                "nbf": int(time.time()) - 4500,
            }
        },
        "oauth_token_invalid_or_expired",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_unsuitable_token_is_refused_like_exchange_does(
    lab: PracticeServer, mailbox_authority: FakeAuthority, ca_file: str, case: str
) -> None:
    minting, _ = BAD_TOKENS[case]
    for name, value in minting.items():
        setattr(mailbox_authority, name, value)
    result, token = probe_with_token(lab, device_settings(mailbox_authority, ca_file))
    assert not result.authenticated
    assert result.failure is not None
    assert result.failure.reply is not None
    assert (result.failure.reply.code, str(result.failure.reply.enhanced)) == (535, "5.7.3")
    assert_no_token_anywhere(result, token)


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_each_unsuitable_token_gets_its_own_finding(
    lab: PracticeServer, mailbox_authority: FakeAuthority, ca_file: str, case: str
) -> None:
    from core.diagnosis.engine import diagnose
    from core.diagnosis.finding import primary

    minting, expected = BAD_TOKENS[case]
    for name, value in minting.items():
        setattr(mailbox_authority, name, value)
    result, _ = probe_with_token(lab, device_settings(mailbox_authority, ca_file))
    finding = primary(diagnose(result))
    assert finding is not None
    assert finding.code == expected


def test_cli_probe_fetches_an_app_only_token_and_passes(
    lab: PracticeServer,
    mailbox_authority: FakeAuthority,
    ca_file: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from core.cli.main import main

    monkeypatch.setenv("APP_SECRET", mailbox_authority.client_secret or "")
    # The CLI has no flag for the authority's CA; MSAL's own session honours REQUESTS_CA_BUNDLE.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)
    status = main(
        [
            "probe",
            "127.0.0.1",
            "--port",
            str(lab.submission_port),
            "--ca-file",
            lab.ca_file,
            "--user",
            MAILBOX,
            "--auth",
            "xoauth2",
            "--no-send",
            "--json",
            "--oauth",
            "client-credentials",
            "--tenant",
            mailbox_authority.tenant,
            "--client-id",
            mailbox_authority.client_id,
            "--client-secret-env",
            "APP_SECRET",
            "--authority-host",
            mailbox_authority.authority_host,
        ]
    )
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert status == 0, report.get("findings")
    assert report["ok"] is True
    token = mailbox_authority.issued_access_tokens[-1]
    assert token not in out.out + out.err
    assert mailbox_authority.grants() == ["discovery", "client_credentials"]
