"""The probe command's OAuth path: options to settings, the device code on stderr, and a real run."""

from __future__ import annotations

import argparse
import io
from typing import Any

import pytest

from core.cancel import CancelToken
from core.cli.check_output import CliCheckListener
from core.cli.oauth_flags import settings_for_cli, sign_in_from_flags
from core.errors import InputError
from core.model import ProbePlan
from core.oauth.settings import OAuthFlow
from core.secret import Secret
from core.usecase.signin import acquire_token
from tests.helpers.fake_authority import FakeAuthority

TENANT = "contoso.onmicrosoft.com"
CLIENT = "0f0f0f0f-1111-2222-3333-444444444444"
PLAN = ProbePlan(host="smtp.office365.com", port=587, username="scan@contoso.example")


def options(**given: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        "oauth": None,
        "tenant": None,
        "client_id": None,
        "client_secret_env": None,
        "client_cert": None,
        "authority_host": None,
        "profile": None,
    }
    base.update(given)
    return argparse.Namespace(**base)


def test_device_options_give_delegated_settings_with_the_login_hint() -> None:
    settings = settings_for_cli(options(oauth="device", tenant=TENANT, client_id=CLIENT), PLAN)
    assert settings.flow is OAuthFlow.DEVICE_CODE
    assert settings.username == "scan@contoso.example"
    assert settings.authority == f"https://login.microsoftonline.com/{TENANT}"
    assert settings.scopes == ("https://outlook.office.com/SMTP.Send",)


def test_client_credentials_take_the_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SECRET", "  v4lue  ")
    settings = settings_for_cli(
        options(oauth="client-credentials", tenant=TENANT, client_id=CLIENT, client_secret_env="APP_SECRET"), PLAN
    )
    assert settings.client_secret == Secret("v4lue")
    assert settings.username is None  # app-only: no signed-in person
    assert settings.scopes == ("https://outlook.office365.com/.default",)
    assert "v4lue" not in repr(settings)


@pytest.mark.parametrize(
    ("given", "flag", "words"),
    [
        ({"oauth": "device", "client_id": CLIENT}, "--tenant", "Enter the tenant"),
        ({"oauth": "device", "tenant": TENANT}, "--client-id", "application (client) ID"),
        ({"oauth": "client-credentials", "tenant": TENANT, "client_id": CLIENT}, "--client-secret-env", "secret"),
        (
            {"oauth": "client-credentials", "tenant": TENANT, "client_id": CLIENT, "client_secret_env": "NOPE_X"},
            "--client-secret-env",
            "NOPE_X is not set",
        ),
        ({"oauth": "password", "tenant": TENANT, "client_id": CLIENT}, "--oauth", "use one of"),
    ],
)
def test_bad_options_name_the_flag(
    monkeypatch: pytest.MonkeyPatch, given: dict[str, Any], flag: str, words: str
) -> None:
    monkeypatch.delenv("NOPE_X", raising=False)
    with pytest.raises(InputError) as caught:
        settings_for_cli(options(**given), PLAN)
    assert caught.value.field == flag
    assert words in caught.value.message


def test_fetch_prints_the_device_code_to_the_given_stream(authority: FakeAuthority, ca_file: str) -> None:
    out = io.StringIO()
    args = options(
        oauth="device",
        tenant=authority.tenant,
        client_id=authority.client_id,
        authority_host=authority.authority_host,
        authority_ca_file=ca_file,
    )
    token = acquire_token(
        sign_in_from_flags(args, PLAN), CliCheckListener(io.StringIO(), live=False, prompts=out), CancelToken()
    ).token
    assert token.reveal() == authority.issued_access_tokens[-1]
    text = out.getvalue()
    [devicecode] = [r for r in authority.requests if r.endpoint == "devicecode"]
    assert "Code: " in text
    assert "Link: https://microsoft.com/devicelogin" in text
    assert "expires in 15 min" in text
    assert token.reveal() not in text
    assert devicecode.form["client_id"] == authority.client_id
