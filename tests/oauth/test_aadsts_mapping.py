"""Token errors from real MSAL, as stored in result.enrichment, map to the right oauth_* diagnosis code."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.diagnosis.aadsts import classify_token_error
from core.oauth.errors import TokenError, token_error_info
from core.oauth.msal_provider import MsalTokenProvider
from tests.helpers.fake_authority import AadError, FakeAuthority
from tests.oauth.conftest import app_settings, device_settings

CASES = [
    (
        "device_code",
        AadError(65001, "invalid_grant", "The user or administrator has not consented."),
        "oauth_consent_required",
    ),
    (
        "device_code",
        AadError(53003, "invalid_grant", "Access has been blocked by Conditional Access policies."),
        "oauth_blocked_by_conditional_access",
    ),
    (
        "device_code",
        AadError(
            7000218,
            "invalid_client",
            "The request body must contain 'client_assertion' or 'client_secret'.",
            status=401,
        ),
        "oauth_app_registration_misconfigured",
    ),
    (
        "devicecode",
        AadError(
            70011,
            "invalid_scope",
            "The provided request must include a 'scope' input parameter. Scopes are not compatible with each other.",
        ),
        "oauth_wrong_scope_or_audience",
    ),
    (
        "client_credentials",
        AadError(7000215, "invalid_client", "Invalid client secret provided.", status=401),
        "oauth_app_registration_misconfigured",
    ),
]


def fetch_error(fa: FakeAuthority, ca_file: str, step: str) -> TokenError:
    if step == "client_credentials":
        provider = MsalTokenProvider(app_settings(fa, ca_file))
    else:
        provider = MsalTokenProvider(device_settings(fa, ca_file))
    with pytest.raises(TokenError) as caught:
        provider.acquire(on_device_code=lambda p: None)
    return caught.value


@pytest.mark.parametrize(("step", "reply", "code"), CASES, ids=[str(c[1].code) for c in CASES])
def test_token_error_maps_to_its_diagnosis_code(
    authority: FakeAuthority, ca_file: str, step: str, reply: AadError, code: str
) -> None:
    authority.errors[step] = reply
    err = fetch_error(authority, ca_file, step)
    cause = classify_token_error(token_error_info(err).as_dict())
    assert cause is not None
    assert cause.code == code


def test_unknown_tenant_maps_to_app_registration(authority: FakeAuthority, ca_file: str) -> None:
    settings = replace(device_settings(authority, ca_file), tenant="no-such-tenant.example")
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(settings).acquire(on_device_code=lambda p: None)
    cause = classify_token_error(token_error_info(caught.value).as_dict())
    assert cause is not None
    assert cause.code == "oauth_app_registration_misconfigured"
