"""Entra ID error replies become TokenError with AADSTS codes, scrubbed text and a correlation ID."""

from __future__ import annotations

import socket

import pytest

from core.model import ProbePlan
from core.oauth.errors import TokenError, token_error_info
from core.oauth.msal_provider import MsalTokenProvider
from core.oauth.settings import OAuthFlow, OAuthSettings
from core.probe.phases import Phase
from core.probe.result import FailureKind
from core.secret import Secret
from core.usecase.signin import token_failure_result
from tests.helpers.fake_authority import AadError, FakeAuthority
from tests.oauth.conftest import app_settings, device_settings

CONSENT = AadError(
    65001,
    "invalid_grant",
    "The user or administrator has not consented to use the application with ID "
    "'0f0f0f0f-1111-2222-3333-444444444444' named 'SMTP Doctor'. Send an interactive authorization request "
    "for this user and resource.",
)
CONDITIONAL_ACCESS = AadError(
    53003,
    "invalid_grant",
    "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
)
PUBLIC_CLIENT_OFF = AadError(
    7000218,
    "invalid_client",
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    status=401,
)


@pytest.mark.parametrize("reply", [CONSENT, CONDITIONAL_ACCESS, PUBLIC_CLIENT_OFF], ids=lambda e: str(e.code))
def test_device_flow_error_reply_keeps_the_aadsts_code(authority: FakeAuthority, ca_file: str, reply: AadError) -> None:
    authority.errors["device_code"] = reply
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(device_settings(authority, ca_file)).acquire(on_device_code=lambda p: None)
    err = caught.value
    assert err.error == reply.error
    assert err.aadsts == (reply.code,)
    assert err.description.startswith(f"AADSTS{reply.code}: ")
    assert "Correlation ID:" in err.description
    assert err.correlation_id is not None
    assert err.correlation_id in err.description  # the one the authority sent, not one we invented
    assert str(err).startswith(f"{reply.error}: AADSTS{reply.code}")


def test_wrong_client_id_fails_at_the_devicecode_request(authority: FakeAuthority, ca_file: str) -> None:
    settings = OAuthSettings(
        OAuthFlow.DEVICE_CODE,
        authority.tenant,
        "deadbeef-0000-0000-0000-000000000000",
        authority_host=authority.authority_host,
        ca_file=ca_file,
    )
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(settings).acquire(on_device_code=lambda p: None)
    assert caught.value.aadsts == (700016,)
    assert authority.grants() == ["discovery", "devicecode"]


def test_unknown_tenant_keeps_aadsts_90002(authority: FakeAuthority, ca_file: str) -> None:
    settings = OAuthSettings(
        OAuthFlow.DEVICE_CODE,
        "no-such-tenant.example",
        authority.client_id,
        authority_host=authority.authority_host,
        ca_file=ca_file,
    )
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(settings).acquire(on_device_code=lambda p: None)
    assert caught.value.error == "invalid_tenant"
    assert caught.value.aadsts == (90002,)


def test_app_only_scope_without_default_suffix_is_refused_by_the_fake(authority: FakeAuthority, ca_file: str) -> None:
    # Guards the fake itself: the provider must never send a scope it would refuse (AADSTS1002012).
    status, body = authority.handle(
        "POST",
        f"/{authority.tenant}/oauth2/v2.0/token",
        {
            "grant_type": "client_credentials",
            "client_id": authority.client_id,
            "client_secret": authority.client_secret or "",
            "scope": "https://outlook.office.com/SMTP.Send",
        },
    )
    assert status == 400
    assert body["error_codes"] == [1002012]


def test_unreachable_authority_is_a_network_token_error(ca_file: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    settings = OAuthSettings(
        OAuthFlow.DEVICE_CODE,
        "contoso.example",
        "0f0f0f0f-1111-2222-3333-444444444444",
        authority_host=f"https://localhost:{free_port}",
        ca_file=ca_file,
        timeout=3,
    )
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(settings).acquire(on_device_code=lambda p: None)
    assert caught.value.error == "network_error"
    assert f"localhost:{free_port}" in caught.value.description


def test_untrusted_authority_certificate_is_named(authority: FakeAuthority, tmp_path: object) -> None:
    import trustme

    other_ca = tmp_path / "other-ca.pem"  # type: ignore[operator]
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(device_settings(authority, str(other_ca))).acquire(on_device_code=lambda p: None)
    assert "not trusted" in caught.value.description


def test_secrets_are_scrubbed_from_the_description() -> None:
    secret = Secret("s3cr3t-Value~xyz")
    err = TokenError.from_reply(
        {
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided: s3cr3t-Value~xyz. "
            "Trace ID: t Correlation ID: c-1 Timestamp: 2026-01-01 00:00:00Z",
            "error_codes": [7000215, "50012"],
            "correlation_id": "c-1",
        },
        [secret],
    )
    assert "s3cr3t-Value~xyz" not in err.description
    assert err.aadsts == (7000215, 50012)
    assert token_error_info(err).as_dict() == {
        "error": "invalid_client",
        "description": err.description,
        "aadsts": [7000215, 50012],
        "correlation_id": "c-1",
    }


def test_token_failure_result_carries_the_error_for_diagnosis() -> None:
    err = TokenError("invalid_grant", "AADSTS65001: no consent.", aadsts=[65001], correlation_id="c")
    result = token_failure_result(ProbePlan(host="smtp.office365.com", port=587), err)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TOKEN
    assert result.failure.phase is Phase.OAUTH_TOKEN
    assert result.enrichment.token_error == token_error_info(err)
    assert result.transcript[0].phase is Phase.OAUTH_TOKEN
    assert "AADSTS65001" in result.transcript[0].text


def test_client_secret_from_settings_never_reaches_the_error(authority: FakeAuthority, ca_file: str) -> None:
    # The fake echoes nothing, but a proxy or future endpoint might: scrubbing uses the settings' secret.
    authority.errors["client_credentials"] = AadError(
        7000222, "invalid_client", f"The provided client secret keys are expired: {authority.client_secret}."
    )
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(app_settings(authority, ca_file)).acquire()
    assert authority.client_secret
    assert authority.client_secret not in caught.value.description
    assert caught.value.aadsts == (7000222,)
