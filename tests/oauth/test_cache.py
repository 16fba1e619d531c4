"""The token cache in the keyring: chunking, silent reuse by a second provider, refresh, sign-out."""

from __future__ import annotations

import json

import keyring
import pytest

from core.oauth.cache import CHUNK_CHARS, KEYRING_SERVICE, KeyringTokenCacheStore, MemoryTokenCacheStore
from core.oauth.msal_provider import MsalTokenProvider
from core.oauth.tokens import TokenSource
from tests.helpers.fake_authority import FakeAuthority
from tests.helpers.memory_keyring import MemoryKeyring
from tests.oauth.conftest import app_settings, device_settings


def memory_backend() -> MemoryKeyring:
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    return backend


def test_small_cache_is_one_keyring_entry() -> None:
    store = KeyringTokenCacheStore("p1")
    store.save('{"small": true}')
    assert memory_backend().store == {(KEYRING_SERVICE, "token-cache:p1"): '{"small": true}'}
    assert store.load() == '{"small": true}'


def test_large_cache_is_chunked_and_reassembled_and_shrinks_cleanly() -> None:
    store = KeyringTokenCacheStore("p1")
    big = json.dumps({"x": "a" * (CHUNK_CHARS * 3 + 5)})
    store.save(big)
    keys = {k for (_, k) in memory_backend().store}
    assert keys == {"token-cache:p1", "token-cache:p1:0", "token-cache:p1:1", "token-cache:p1:2", "token-cache:p1:3"}
    assert all(len(v) <= CHUNK_CHARS for v in memory_backend().store.values())
    assert store.load() == big
    store.save("short")
    assert {k for (_, k) in memory_backend().store} == {"token-cache:p1"}
    assert store.load() == "short"


def test_damaged_chunk_loads_as_empty_not_as_garbage() -> None:
    store = KeyringTokenCacheStore("p1")
    store.save("b" * (CHUNK_CHARS * 2))
    memory_backend().store[(KEYRING_SERVICE, "token-cache:p1:1")] = "tampered"
    assert store.load() is None


def test_clear_removes_every_entry_and_other_profiles_stay() -> None:
    KeyringTokenCacheStore("other").save("keep me")
    store = KeyringTokenCacheStore("p1")
    store.save("c" * (CHUNK_CHARS * 2 + 1))
    store.clear()
    assert store.load() is None
    assert memory_backend().store == {(KEYRING_SERVICE, "token-cache:other"): "keep me"}


def test_second_provider_with_the_same_store_signs_in_silently(authority: FakeAuthority, ca_file: str) -> None:
    settings = device_settings(authority, ca_file)
    first = MsalTokenProvider(settings, cache_store=KeyringTokenCacheStore("prof")).acquire(
        on_device_code=lambda p: None
    )
    assert memory_backend().store  # persisted in the keyring
    flows_before = authority.grants().count("devicecode")

    def must_not_prompt(prompt: object) -> None:
        raise AssertionError("the cached sign-in should have been used")

    second_provider = MsalTokenProvider(settings, cache_store=KeyringTokenCacheStore("prof"))
    second = second_provider.acquire(on_device_code=must_not_prompt)

    assert second.token == first.token
    assert second.source is TokenSource.CACHE
    assert authority.grants().count("devicecode") == flows_before
    assert second_provider.signed_in_accounts() == [authority.user.upn]


def test_force_refresh_uses_the_refresh_token_grant(authority: FakeAuthority, ca_file: str) -> None:
    settings = device_settings(authority, ca_file)
    MsalTokenProvider(settings, cache_store=KeyringTokenCacheStore("prof")).acquire(on_device_code=lambda p: None)
    provider = MsalTokenProvider(settings, cache_store=KeyringTokenCacheStore("prof"))

    refreshed = provider.acquire(on_device_code=lambda p: None, force_refresh=True)

    assert authority.grants()[-1] == "refresh_token"
    assert authority.grants().count("devicecode") == 1
    assert refreshed.source is TokenSource.IDENTITY_PROVIDER
    assert refreshed.token.reveal() == authority.issued_access_tokens[-1]


def test_revoked_refresh_token_falls_back_to_a_new_device_sign_in(authority: FakeAuthority, ca_file: str) -> None:
    settings = device_settings(authority, ca_file)
    store = MemoryTokenCacheStore()
    MsalTokenProvider(settings, cache_store=store).acquire(on_device_code=lambda p: None)
    from tests.helpers.fake_authority import AadError

    authority.errors["refresh_token"] = AadError(
        50173, "invalid_grant", "The provided grant has expired due to it being revoked."
    )
    prompts: list[object] = []
    MsalTokenProvider(settings, cache_store=store).acquire(on_device_code=prompts.append, force_refresh=True)
    assert len(prompts) == 1
    assert authority.grants().count("devicecode") == 2


def test_sign_out_clears_the_keyring_and_forces_a_new_sign_in(authority: FakeAuthority, ca_file: str) -> None:
    settings = device_settings(authority, ca_file)
    provider = MsalTokenProvider(settings, cache_store=KeyringTokenCacheStore("prof"))
    provider.acquire(on_device_code=lambda p: None)
    assert any(k.startswith("token-cache:prof") for (_, k) in memory_backend().store)

    provider.sign_out()

    assert not any(k.startswith("token-cache:prof") for (_, k) in memory_backend().store)
    fresh = MsalTokenProvider(settings, cache_store=KeyringTokenCacheStore("prof"))
    assert fresh.signed_in_accounts() == []
    prompts: list[object] = []
    fresh.acquire(on_device_code=prompts.append)
    assert len(prompts) == 1


def test_app_only_token_is_cached_in_the_store_too(authority: FakeAuthority, ca_file: str) -> None:
    store = KeyringTokenCacheStore("app")
    first = MsalTokenProvider(app_settings(authority, ca_file), cache_store=store).acquire()
    second_provider = MsalTokenProvider(app_settings(authority, ca_file), cache_store=store)
    assert second_provider.acquire_silent() is not None
    assert second_provider.acquire().token == first.token
    assert authority.grants().count("client_credentials") == 1


def test_keyring_failure_does_not_fail_the_sign_in(
    authority: FakeAuthority, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring.errors

    def refuse(*args: object) -> None:
        raise keyring.errors.KeyringLocked("locked")

    monkeypatch.setattr(memory_backend(), "set_password", refuse)
    token = MsalTokenProvider(device_settings(authority, ca_file), cache_store=KeyringTokenCacheStore("p")).acquire(
        on_device_code=lambda p: None
    )
    assert token.token


def test_profiles_secret_store_can_back_the_token_cache(authority: FakeAuthority, ca_file: str) -> None:
    from core.oauth.cache import SecretStoreTokenCacheStore
    from core.profiles.keyring_store import KeyringSecretStore
    from core.profiles.model import SecretKind, SecretRef

    ref = SecretRef("profile-42", SecretKind.TOKEN_CACHE)
    store = SecretStoreTokenCacheStore(KeyringSecretStore(memory_backend()), ref)
    settings = device_settings(authority, ca_file)
    first = MsalTokenProvider(settings, cache_store=store).acquire(on_device_code=lambda p: None)
    assert store.load()
    second = MsalTokenProvider(settings, cache_store=store).acquire(on_device_code=lambda p: None)
    assert second.token == first.token
    assert second.source is TokenSource.CACHE
    MsalTokenProvider(settings, cache_store=store).sign_out()
    assert store.load() is None
    assert memory_backend().store == {}
