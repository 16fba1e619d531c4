"""OAuth settings: scopes per flow, validation messages, and the probe command's --oauth options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import InputError
from core.model import CredentialKind
from core.oauth.settings import (
    APP_ONLY_SMTP_SCOPE,
    DELEGATED_SMTP_SCOPE,
    RESERVED_SCOPES,
    OAuthFlow,
    OAuthSettings,
)
from core.secret import Secret

TENANT = "contoso.onmicrosoft.com"
CLIENT = "0f0f0f0f-1111-2222-3333-444444444444"


def test_scopes_are_exactly_the_documented_ones_and_never_reserved() -> None:
    assert OAuthFlow.DEVICE_CODE.scopes == (DELEGATED_SMTP_SCOPE,) == ("https://outlook.office.com/SMTP.Send",)
    assert OAuthFlow.INTERACTIVE.scopes == ("https://outlook.office.com/SMTP.Send",)
    assert OAuthFlow.CLIENT_CREDENTIALS.scopes == (APP_ONLY_SMTP_SCOPE,) == ("https://outlook.office365.com/.default",)
    for flow in OAuthFlow:
        assert not set(flow.scopes) & RESERVED_SCOPES
    assert OAuthFlow.DEVICE_CODE.credential_kind is CredentialKind.OAUTH_DELEGATED
    assert OAuthFlow.CLIENT_CREDENTIALS.credential_kind is CredentialKind.OAUTH_APP_ONLY


def test_authority_is_host_plus_tenant() -> None:
    s = OAuthSettings(OAuthFlow.DEVICE_CODE, TENANT, CLIENT)
    assert s.authority == "https://login.microsoftonline.com/contoso.onmicrosoft.com"


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        (OAuthSettings(OAuthFlow.DEVICE_CODE, "", CLIENT), "tenant", "Enter the tenant"),
        (OAuthSettings(OAuthFlow.DEVICE_CODE, "con toso", CLIENT), "tenant", "not a tenant ID"),
        (OAuthSettings(OAuthFlow.DEVICE_CODE, TENANT, ""), "client-id", "application (client) ID"),
        (
            OAuthSettings(OAuthFlow.CLIENT_CREDENTIALS, "common", CLIENT, client_secret=Secret("x")),
            "tenant",
            "tenant's own ID",
        ),
        (OAuthSettings(OAuthFlow.CLIENT_CREDENTIALS, TENANT, CLIENT), "client-secret", "secret or its certificate"),
        (
            OAuthSettings(
                OAuthFlow.CLIENT_CREDENTIALS, TENANT, CLIENT, client_secret=Secret("x"), certificate_path="c"
            ),
            "client-secret",
            "not both",
        ),
        (
            OAuthSettings(OAuthFlow.DEVICE_CODE, TENANT, CLIENT, client_secret=Secret("x")),
            "client-secret",
            "only used with",
        ),
        (
            OAuthSettings(OAuthFlow.DEVICE_CODE, TENANT, CLIENT, authority_host="http://login.example"),
            "authority-host",
            "https://",
        ),
        (
            OAuthSettings(OAuthFlow.CLIENT_CREDENTIALS, TENANT, CLIENT, certificate_path="/no/such.pem"),
            "client-cert",
            "does not exist",
        ),
    ],
)
def test_bad_settings_name_the_field(settings: OAuthSettings, field: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        settings.validated()
    assert caught.value.field == field
    assert words in caught.value.message


def test_flow_words_and_aliases() -> None:
    assert OAuthFlow.parse("device") is OAuthFlow.DEVICE_CODE
    assert OAuthFlow.parse("Device_Code") is OAuthFlow.DEVICE_CODE
    assert OAuthFlow.parse("client-credentials") is OAuthFlow.CLIENT_CREDENTIALS
    assert OAuthFlow.parse("browser") is OAuthFlow.INTERACTIVE
    with pytest.raises(InputError, match="use one of: device, interactive, client-credentials"):
        OAuthFlow.parse("password")


def test_importing_the_oauth_api_loads_no_msal_requests_or_keyring() -> None:
    code = (
        "import sys, core.oauth, core.oauth.acquire, core.cli.oauth_flags, core.oauth.claims, "
        "core.oauth.tokens, core.oauth.cache, core.oauth.msal_provider\n"
        "loaded = sorted(m for m in ('msal', 'requests', 'keyring', 'jwt') if m in sys.modules)\n"
        "print(','.join(loaded))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == ""
