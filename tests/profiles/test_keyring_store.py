"""KeyringSecretStore against keyring backends in-process: chunking, errors, insecure backends."""

from __future__ import annotations

import base64

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordSetError

from core.profiles.errors import SecretStoreError
from core.profiles.keyring_store import (
    CHUNK_UTF16_BYTES,
    SERVICE,
    KeyringSecretStore,
    split_utf16,
    utf16_size,
)
from core.profiles.model import SecretKind, SecretRef
from core.profiles.secrets import SessionSecretStore, open_secret_store
from core.secret import Secret
from tests.helpers.memory_keyring import MemoryKeyring

REF = SecretRef("0123456789abcdef0123456789abcdef", SecretKind.TOKEN_CACHE)
PASSWORD = SecretRef("0123456789abcdef0123456789abcdef", SecretKind.PASSWORD)


def entries(backend: MemoryKeyring) -> dict[str, str]:
    return {user: value for (service, user), value in backend.store.items() if service == SERVICE}


def test_small_secret_is_one_entry_keyed_by_profile_and_kind(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    store.set(PASSWORD, Secret("p@ss wörd"))
    assert entries(memory_keyring) == {f"{PASSWORD.profile_id}:password": "p@ss wörd"}
    assert store.get(PASSWORD) == Secret("p@ss wörd")
    assert store.get(REF) is None
    store.delete(PASSWORD)
    store.delete(PASSWORD)  # deleting twice is fine
    assert entries(memory_keyring) == {}


def test_large_value_is_chunked_under_the_windows_limit_and_reassembled(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    cache = '{"RefreshToken": "' + "r" * 9000 + '"}'
    store.set(REF, Secret(cache))
    stored = entries(memory_keyring)
    chunks = {k: v for k, v in stored.items() if not k.endswith(":manifest")}
    assert len(chunks) == -(-utf16_size(cache) // CHUNK_UTF16_BYTES)
    assert all(len(v.encode("utf-16-le")) <= 2560 for v in stored.values())  # Windows Credential Manager
    assert f"{REF.profile_id}:token_cache:manifest" in stored
    assert store.get(REF) == Secret(cache)
    store.delete(REF)
    assert entries(memory_keyring) == {}


def test_replacing_between_sizes_leaves_no_stale_entries(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    big, bigger, small = "a" * 5000, "b" * 12000, "tiny"
    store.set(REF, Secret(big))
    store.set(REF, Secret(bigger))
    assert store.get(REF) == Secret(bigger)
    assert len(entries(memory_keyring)) == 1 + 10  # manifest + ceil(24000 / 2400) chunks
    store.set(REF, Secret(small))
    assert entries(memory_keyring) == {f"{REF.profile_id}:token_cache": small}
    store.set(REF, Secret(big))
    assert store.get(REF) == Secret(big)
    assert f"{REF.profile_id}:token_cache" not in entries(memory_keyring)


def test_characters_outside_the_bmp_are_never_split() -> None:
    text = "😀" * 1000 + "é" * 1001
    pieces = split_utf16(text, CHUNK_UTF16_BYTES)
    assert "".join(pieces) == text
    assert all(utf16_size(p) <= CHUNK_UTF16_BYTES for p in pieces)
    store = KeyringSecretStore()
    store.set(REF, Secret(text))
    assert store.get(REF) == Secret(text)


def test_a_missing_or_altered_chunk_is_reported_not_returned(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    store.set(REF, Secret("z" * 6000))
    chunk_key = next(k for k in entries(memory_keyring) if k.endswith(":1"))
    memory_keyring.store[(SERVICE, chunk_key)] = "tampered"
    with pytest.raises(SecretStoreError, match="incomplete"):
        store.get(REF)
    del memory_keyring.store[(SERVICE, chunk_key)]
    with pytest.raises(SecretStoreError, match="missing"):
        store.get(REF)


def test_empty_secret_means_delete(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    store.set(PASSWORD, Secret("x"))
    store.set(PASSWORD, Secret(""))
    assert entries(memory_keyring) == {}


class LockedKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class LeakyKeyring(MemoryKeyring):
    """A backend whose error message repeats the value (some do): it must not reach our message."""

    def set_password(self, service: str, username: str, password: str) -> None:
        encoded = base64.b64encode(password.encode()).decode()
        raise PasswordSetError(f"cannot store {password!s} ({encoded}) for {username}")


def test_locked_keyring_says_so() -> None:
    store = KeyringSecretStore(LockedKeyring())  # type: ignore[no-untyped-call]
    with pytest.raises(SecretStoreError) as raised:
        store.get(PASSWORD)
    assert "The keyring is locked" in raised.value.message
    status = open_secret_store(LockedKeyring())  # type: ignore[no-untyped-call]
    assert not status.keyring_available
    assert isinstance(status.store, SessionSecretStore)
    assert status.problem
    assert "The keyring is locked" in status.problem


def test_backend_errors_never_contain_the_secret() -> None:
    store = KeyringSecretStore(LeakyKeyring())
    secret = "Sup3r-Secret-Value"
    with pytest.raises(SecretStoreError) as raised:
        store.set(PASSWORD, Secret(secret))
    text = str(raised.value)
    assert "refused the value" in text
    assert secret not in text
    assert base64.b64encode(secret.encode()).decode() not in text
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring()],  # type: ignore[no-untyped-call]
    ids=["fail", "null"],
)
def test_no_keyring_backends_are_refused(backend: KeyringBackend) -> None:
    with pytest.raises(SecretStoreError, match="No OS keyring is available"):
        KeyringSecretStore(backend)


def fake_keyrings_alt_backend() -> KeyringBackend:
    """A backend class living in the keyrings.alt namespace (the package itself is not installed)."""
    plaintext = type("PlaintextKeyring", (MemoryKeyring,), {"__module__": "keyrings.alt.file"})
    backend: KeyringBackend = plaintext()
    return backend


def test_keyrings_alt_backends_count_as_no_keyring() -> None:
    with pytest.raises(SecretStoreError) as raised:
        KeyringSecretStore(fake_keyrings_alt_backend())
    assert "No OS keyring is available" in raised.value.message
    assert "keyrings.alt.file.PlaintextKeyring" in raised.value.message


def test_a_chain_uses_its_secure_member_only(monkeypatch: pytest.MonkeyPatch) -> None:
    secure = MemoryKeyring()
    monkeypatch.setattr(ChainerBackend, "backends", [fake_keyrings_alt_backend(), secure])
    store = KeyringSecretStore(ChainerBackend())  # type: ignore[no-untyped-call]
    store.set(PASSWORD, Secret("s"))
    assert secure.store
    assert store.backend_name.endswith("MemoryKeyring")
    monkeypatch.setattr(ChainerBackend, "backends", [fake_keyrings_alt_backend()])
    with pytest.raises(SecretStoreError, match="keeps secrets in a file"):
        KeyringSecretStore(ChainerBackend())  # type: ignore[no-untyped-call]


def test_active_fail_backend_gives_session_store_and_clear_message() -> None:
    # The root conftest puts the memory keyring back afterwards.
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    status = open_secret_store()
    assert not status.keyring_available
    assert status.problem
    assert status.problem.startswith("No OS keyring is available (")
    assert "session only" in status.problem
    assert status.backend_name.startswith("This session only")
    assert status.store.is_persistent is False
