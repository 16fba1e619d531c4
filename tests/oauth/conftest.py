"""Fixtures for the OAuth tests: a fake Microsoft authority on loopback and a loopback-only guard."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from core.oauth.settings import OAuthFlow, OAuthSettings
from core.secret import Secret
from tests.helpers.fake_authority import FakeAuthority, loopback_only_getaddrinfo


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OAuth test may reach beyond this machine (e.g. MSAL's instance discovery)."""
    monkeypatch.setattr(socket, "getaddrinfo", loopback_only_getaddrinfo(socket.getaddrinfo))


@pytest.fixture
def authority(server_ssl_context: ssl.SSLContext) -> Iterator[FakeAuthority]:
    with FakeAuthority(server_ssl_context, client_secret="app-secret-Zq8~value") as fa:
        yield fa


@pytest.fixture
def session(ca_file: str) -> Iterator[Any]:
    s = requests.Session()
    s.verify = ca_file
    s.trust_env = False
    yield s
    s.close()


def device_settings(fa: FakeAuthority, ca_file: str, **extra: Any) -> OAuthSettings:
    return OAuthSettings(
        flow=OAuthFlow.DEVICE_CODE,
        tenant=fa.tenant,
        client_id=fa.client_id,
        authority_host=fa.authority_host,
        ca_file=ca_file,
        **extra,
    )


def app_settings(fa: FakeAuthority, ca_file: str, **extra: Any) -> OAuthSettings:
    extra.setdefault("client_secret", Secret(fa.client_secret or ""))
    return OAuthSettings(
        flow=OAuthFlow.CLIENT_CREDENTIALS,
        tenant=fa.tenant,
        client_id=fa.client_id,
        authority_host=fa.authority_host,
        ca_file=ca_file,
        **extra,
    )
