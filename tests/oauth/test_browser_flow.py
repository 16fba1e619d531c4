"""Interactive (browser) sign-in: real MSAL, the fake authority's authorize step, our loopback receiver."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from core.cancel import CancelToken
from core.errors import Cancelled
from core.oauth.errors import TokenError
from core.oauth.msal_provider import MsalTokenProvider
from core.oauth.settings import DELEGATED_SMTP_SCOPE, OAuthFlow, OAuthSettings
from core.oauth.tokens import TokenSource
from tests.helpers.fake_authority import FakeAuthority


def browser_settings(fa: FakeAuthority, ca_file: str, **extra: Any) -> OAuthSettings:
    return OAuthSettings(
        OAuthFlow.INTERACTIVE, fa.tenant, fa.client_id, authority_host=fa.authority_host, ca_file=ca_file, **extra
    )


def test_browser_sign_in_redeems_the_code_with_pkce(authority: FakeAuthority, ca_file: str, session: Any) -> None:
    opened: list[str] = []
    browser = authority.browser(session)

    def open_url(url: str) -> None:
        opened.append(url)
        browser(url)

    provider = MsalTokenProvider(browser_settings(authority, ca_file, username="alice@contoso.example"))
    token = provider.acquire(on_browser_url=open_url)

    assert token.token.reveal() == authority.issued_access_tokens[-1]
    assert token.source is TokenSource.IDENTITY_PROVIDER
    assert authority.grants() == ["discovery", "authorize", "authorization_code"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(opened[0]).query).items()}
    assert query["response_mode"] == "form_post"
    assert query["code_challenge_method"] == "S256"
    assert query["login_hint"] == "alice@contoso.example"
    assert query["redirect_uri"].startswith("http://localhost:")
    assert set(query["scope"].split()) == {DELEGATED_SMTP_SCOPE, "openid", "profile", "offline_access"}
    # Next time the cache answers without a browser.
    assert provider.acquire(on_browser_url=lambda url: pytest.fail("no browser expected")).source is TokenSource.CACHE


def test_cancel_while_the_browser_is_open_returns_promptly(authority: FakeAuthority, ca_file: str) -> None:
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        MsalTokenProvider(browser_settings(authority, ca_file)).acquire(on_browser_url=lambda url: None, cancel=cancel)
    assert time.monotonic() - started < 1.0


def test_reply_with_the_wrong_state_is_ignored_and_an_error_reply_is_reported(
    authority: FakeAuthority, ca_file: str
) -> None:
    def deny(url: str) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        plain = requests.Session()
        plain.trust_env = False
        forged = plain.post(query["redirect_uri"], data={"code": "x", "state": "forged"}, timeout=5)
        assert forged.status_code == 400
        plain.post(
            query["redirect_uri"],
            data={
                "error": "access_denied",
                "error_description": "AADSTS65004: User declined to consent.",
                "state": query["state"],
            },
            timeout=5,
        )

    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(browser_settings(authority, ca_file)).acquire(on_browser_url=deny)
    assert caught.value.error == "access_denied"
    assert caught.value.aadsts == (65004,)
    assert "authorization_code" not in authority.grants()
