"""Device-code sign-in with real MSAL against the fake authority: prompt, polling, cancel, expiry."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from core.cancel import CancelToken
from core.errors import Cancelled
from core.oauth.errors import TokenError
from core.oauth.msal_provider import MsalTokenProvider
from core.oauth.settings import DELEGATED_SMTP_SCOPE
from core.oauth.tokens import DeviceCodePrompt, TokenSource
from tests.helpers.fake_authority import FakeAuthority
from tests.oauth.conftest import device_settings


def test_device_flow_polls_until_signed_in_and_shows_the_code(authority: FakeAuthority, ca_file: str) -> None:
    authority.pending_polls = 3
    prompts: list[DeviceCodePrompt] = []
    provider = MsalTokenProvider(device_settings(authority, ca_file))

    token = provider.acquire(on_device_code=prompts.append)

    assert token.token.reveal() == authority.issued_access_tokens[-1]
    assert token.source is TokenSource.IDENTITY_PROVIDER
    assert token.account == authority.user.upn
    assert authority.grants() == ["discovery", "devicecode", "device_code", "device_code", "device_code", "device_code"]
    [prompt] = prompts
    devicecode_reply_code = prompt.user_code
    assert len(devicecode_reply_code) == 9
    assert prompt.verification_uri == "https://microsoft.com/devicelogin"
    assert devicecode_reply_code in prompt.message
    assert prompt.verification_uri in prompt.message
    assert 890 <= prompt.seconds_left() <= 900
    assert prompt.expires_at.tzinfo is UTC


def test_device_flow_sends_only_the_smtp_scope_msal_adds_the_reserved_ones(
    authority: FakeAuthority, ca_file: str
) -> None:
    MsalTokenProvider(device_settings(authority, ca_file)).acquire(on_device_code=lambda p: None)
    [devicecode] = [r for r in authority.requests if r.endpoint == "devicecode"]
    scopes = devicecode.form["scope"].split()
    assert DELEGATED_SMTP_SCOPE in scopes
    # MSAL decorates with its reserved scopes itself; nothing else (no Graph, no .default) is asked.
    assert set(scopes) == {DELEGATED_SMTP_SCOPE, "openid", "profile", "offline_access"}


def test_cancel_during_device_flow_returns_promptly(authority: FakeAuthority, ca_file: str) -> None:
    authority.pending_polls = None  # nobody ever signs in
    authority.interval = 5  # a real server's pace: the wait between polls must wake on Cancel
    cancel = CancelToken()
    shown = threading.Event()

    def on_code(prompt: DeviceCodePrompt) -> None:
        shown.set()

    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        MsalTokenProvider(device_settings(authority, ca_file)).acquire(on_device_code=on_code, cancel=cancel)
    assert time.monotonic() - started < 1.0
    assert shown.is_set()
    assert authority.grants().count("device_code") == 1


def test_cancel_with_interval_zero_still_stops(authority: FakeAuthority, ca_file: str) -> None:
    authority.pending_polls = None
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    with pytest.raises(Cancelled):
        MsalTokenProvider(device_settings(authority, ca_file)).acquire(on_device_code=lambda p: None, cancel=cancel)


def test_expired_code_ends_the_wait_with_a_token_error(authority: FakeAuthority, ca_file: str) -> None:
    authority.pending_polls = None
    authority.device_expires_in = 1
    authority.interval = 1
    started = time.monotonic()
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(device_settings(authority, ca_file)).acquire(on_device_code=lambda p: None)
    assert caught.value.error == "expired_token"
    assert time.monotonic() - started < 2.5


def test_prompt_countdown_counts_down() -> None:
    prompt = DeviceCodePrompt("ABC", "https://microsoft.com/devicelogin", datetime(2030, 1, 1, 0, 15, tzinfo=UTC), "m")
    assert prompt.seconds_left(datetime(2030, 1, 1, 0, 0, tzinfo=UTC)) == 900
    assert prompt.seconds_left(datetime(2030, 1, 1, 0, 20, tzinfo=UTC)) == 0


def test_the_loopback_guard_refuses_other_hosts() -> None:
    # Every OAuth test runs under this guard (tests/oauth/conftest.py): MSAL's instance discovery
    # or any other call to Microsoft would fail loudly instead of leaving the machine.
    import socket

    with pytest.raises(OSError, match="non-loopback"):
        socket.getaddrinfo("login.microsoftonline.com", 443)
    assert socket.getaddrinfo("localhost", 443)


def test_every_request_went_to_the_fake_authority_only(authority: FakeAuthority, ca_file: str) -> None:
    MsalTokenProvider(device_settings(authority, ca_file)).acquire(on_device_code=lambda p: None)
    assert authority.requests
    assert all(r.path.startswith(f"/{authority.tenant}/") for r in authority.requests)
    assert "discovery/instance" not in " ".join(r.path for r in authority.requests)
