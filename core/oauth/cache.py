"""Where MSAL's token cache (refresh tokens included) is kept between runs: the OS keyring.

The provider only needs three calls, ``load() -> str | None``, ``save(text)`` and ``clear()``
(the ``TokenCacheStore`` protocol), so any secret store with that shape can back it. The
serialized cache is a few kilobytes of JSON, more than some keyrings take in one entry (Windows
Credential Manager stores at most 2560 bytes, and keyring writes UTF-16 there), so
``KeyringTokenCacheStore`` splits it into chunks under numbered keys.
"""

from __future__ import annotations

import hashlib
from typing import Final, Generic, Protocol, TypeVar

from core.errors import SmtpDoctorError
from core.secret import Secret

KEYRING_SERVICE: Final = "smtp-doctor"
# 1200 characters = 2400 bytes in UTF-16: under Windows' 2560-byte limit per credential.
CHUNK_CHARS: Final = 1200
_HEADER: Final = "smtp-doctor-chunked:v1"


class TokenCacheStoreError(SmtpDoctorError):
    """The secret store could not be read or written (locked, missing, refused)."""


class TokenCacheStore(Protocol):
    """A place for one profile's serialized token cache."""

    def load(self) -> str | None: ...

    def save(self, text: str) -> None: ...

    def clear(self) -> None: ...


class MemoryTokenCacheStore:
    """A cache that lives as long as the object: for one-off CLI runs without a profile."""

    def __init__(self) -> None:
        self._text: str | None = None

    def load(self) -> str | None:
        return self._text

    def save(self, text: str) -> None:
        self._text = text

    def clear(self) -> None:
        self._text = None


Ref = TypeVar("Ref")
RefIn = TypeVar("RefIn", contravariant=True)


class SecretStoreLike(Protocol[RefIn]):
    """The shape of the profiles' secret store (``core.profiles``): values addressed by a ref."""

    def get(self, ref: RefIn) -> Secret | None: ...

    def set(self, ref: RefIn, value: Secret) -> None: ...

    def delete(self, ref: RefIn) -> None: ...


class SecretStoreTokenCacheStore(Generic[Ref]):
    """Keeps the token cache in a profile secret store under ``ref`` (its TOKEN_CACHE entry).

    The store's own errors (locked keyring and the like; they never contain the value) become
    ``TokenCacheStoreError`` so the provider can carry on without persisting.
    """

    def __init__(self, store: SecretStoreLike[Ref], ref: Ref) -> None:
        self._store = store
        self._ref = ref

    def load(self) -> str | None:
        try:
            value = self._store.get(self._ref)
        except SmtpDoctorError as exc:
            raise TokenCacheStoreError(str(exc)) from None
        return value.reveal() if value is not None else None

    def save(self, text: str) -> None:
        try:
            self._store.set(self._ref, Secret(text))
        except SmtpDoctorError as exc:
            raise TokenCacheStoreError(str(exc)) from None

    def clear(self) -> None:
        try:
            self._store.delete(self._ref)
        except SmtpDoctorError as exc:
            raise TokenCacheStoreError(str(exc)) from None


def token_cache_key(profile_id: str) -> str:
    return f"token-cache:{profile_id}"


class KeyringTokenCacheStore:
    """The token cache of one profile in the OS keyring, under service ``smtp-doctor``.

    Small caches sit in the entry ``token-cache:<profile id>`` as they are. Larger ones are split:
    that entry then holds a header with the chunk count and a hash, and the chunks sit in
    ``token-cache:<profile id>:<n>``. A cache that does not add up (a chunk missing or changed)
    loads as empty, which only means signing in again.
    """

    def __init__(self, profile_id: str, *, service: str = KEYRING_SERVICE) -> None:
        if not profile_id:
            raise ValueError("profile_id must not be empty")
        self._service = service
        self._key = token_cache_key(profile_id)

    def load(self) -> str | None:
        head = self._get(self._key)
        if head is None:
            return None
        layout = _parse_header(head)
        if layout is None:
            return head
        count, digest = layout
        parts = [self._get(self._chunk_key(i)) for i in range(count)]
        if any(p is None for p in parts):
            return None
        text = "".join(p for p in parts if p is not None)
        return text if _digest(text) == digest else None

    def save(self, text: str) -> None:
        old_count = self._chunk_count()
        if len(text) <= CHUNK_CHARS and not text.startswith(_HEADER):
            self._set(self._key, text)
            new_count = 0
        else:
            chunks = [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
            # Chunks first, header last: a reader never sees a header without its chunks.
            for i, chunk in enumerate(chunks):
                self._set(self._chunk_key(i), chunk)
            self._set(self._key, f"{_HEADER}:{len(chunks)}:{_digest(text)}")
            new_count = len(chunks)
        for i in range(new_count, old_count):
            self._delete(self._chunk_key(i))

    def clear(self) -> None:
        for i in range(self._chunk_count()):
            self._delete(self._chunk_key(i))
        self._delete(self._key)

    def _chunk_key(self, index: int) -> str:
        return f"{self._key}:{index}"

    def _chunk_count(self) -> int:
        head = self._get(self._key)
        layout = _parse_header(head) if head is not None else None
        return layout[0] if layout else 0

    def _get(self, key: str) -> str | None:
        import keyring
        import keyring.errors

        try:
            value: str | None = keyring.get_password(self._service, key)
        except keyring.errors.KeyringError as exc:
            raise TokenCacheStoreError(f"The keyring could not be read: {exc}") from None
        return value

    def _set(self, key: str, value: str) -> None:
        import keyring
        import keyring.errors

        try:
            keyring.set_password(self._service, key, value)
        except keyring.errors.KeyringError as exc:
            # The message names the backend problem, never the value.
            raise TokenCacheStoreError(f"The keyring could not be written: {exc}") from None

    def _delete(self, key: str) -> None:
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(self._service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: that is what clearing wants
        except keyring.errors.KeyringError as exc:
            raise TokenCacheStoreError(f"The keyring entry could not be deleted: {exc}") from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _parse_header(head: str) -> tuple[int, str] | None:
    if not head.startswith(_HEADER + ":"):
        return None
    count_text, _, digest = head[len(_HEADER) + 1 :].partition(":")
    if not count_text.isdigit() or not digest:
        return None
    return int(count_text), digest
