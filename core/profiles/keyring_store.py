"""Secrets in the OS keyring through ``keyring``: Secret Service, macOS Keychain, Windows Credential Manager.

Layout under the service name ``smtp-doctor`` (the keyring's "username" is our key):

* ``<profile id>:<kind>`` holds the value when it fits in one entry;
* a larger value (an MSAL token cache) is split: ``<profile id>:<kind>:manifest`` holds a small
  JSON manifest (generation, chunk count, SHA-256), the chunks sit in
  ``<profile id>:<kind>:<generation>:<n>``. Windows allows 2560 bytes per credential and keyring
  stores UTF-16 there, so a chunk is at most 2400 UTF-16 bytes.

Writes are ordered so that a reader sees the old or the new value, never a mix: new chunks go under a
fresh generation, then the manifest, and only then is the old entry removed.

Only secure backends are used. ``keyrings.alt`` backends (plaintext or weakly encrypted files),
the null and fail backends count as "no keyring": there is no plaintext fallback, ever.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from core.profiles.errors import SecretStoreError
from core.profiles.model import SecretKind, SecretRef
from core.secret import Secret, secret_forms

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE: Final = "smtp-doctor"
CHUNK_UTF16_BYTES: Final = 2400  # under Windows Credential Manager's 2560-byte blob limit
_MANIFEST_FORMAT: Final = "smtp-doctor-chunks"
_PROBE_KEY: Final = "availability-check"  # read, never written: makes a locked keyring say so early

NO_KEYRING: Final = (
    "No OS keyring is available (no Secret Service, macOS Keychain or Windows Credential Manager was found)."
)
_FRIENDLY_NAMES: Final = {
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring / KWallet)",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}
_KIND_WORDS: Final = {
    SecretKind.PASSWORD: "password",
    SecretKind.CLIENT_SECRET: "client secret",
    SecretKind.REFRESH_TOKEN: "refresh token",
    SecretKind.TOKEN_CACHE: "sign-in token cache",
}


def backend_label(backend: KeyringBackend) -> str:
    """A name a person recognises, e.g. 'Windows Credential Manager'."""
    qualified = f"{type(backend).__module__}.{type(backend).__qualname__}"
    return _FRIENDLY_NAMES.get(qualified, qualified)


def insecure_reason(backend: KeyringBackend) -> str | None:
    """Why this backend must not hold secrets, or None if it is a real OS keyring."""
    module = type(backend).__module__
    if module.startswith("keyrings.alt"):
        return (
            f"No OS keyring is available (the active backend {backend_label(backend)} keeps secrets in a file, "
            "which SMTP Doctor does not use)."
        )
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return NO_KEYRING
    if module == "keyring.backends.chainer":
        return NO_KEYRING  # only reached when the chain holds no secure backend
    return None


def choose_secure_backend(backend: KeyringBackend) -> KeyringBackend:
    """The backend to use: itself, or for a chain the best secure member. Raises ``SecretStoreError``."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        # The chain would fall through to a plaintext file for reads; use the best real one alone.
        for member in backend.backends:
            if insecure_reason(member) is None:
                return member  # type: ignore[no-any-return]
        rejected = next((insecure_reason(m) for m in backend.backends if insecure_reason(m)), None)
        raise SecretStoreError(rejected or NO_KEYRING)
    reason = insecure_reason(backend)
    if reason is not None:
        raise SecretStoreError(reason)
    return backend


def utf16_size(text: str) -> int:
    return sum(4 if ord(ch) > 0xFFFF else 2 for ch in text)


def split_utf16(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-16 bytes, never inside a character."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        width = 4 if ord(ch) > 0xFFFF else 2
        if current and size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces


class KeyringSecretStore:
    """A ``SecretStore`` in the OS keyring. ``KeyringSecretStore()`` uses keyring's active backend."""

    is_secure = True
    is_persistent = True

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = SERVICE,
        chunk_bytes: int = CHUNK_UTF16_BYTES,
    ) -> None:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        self._backend = choose_secure_backend(backend)
        self._service = service
        self._chunk_bytes = chunk_bytes

    @property
    def backend_name(self) -> str:
        return backend_label(self._backend)

    def check(self) -> None:
        """Touch the keyring once; raises ``SecretStoreError`` if it is locked or missing."""
        self._call("open the keyring", lambda: self._backend.get_password(self._service, _PROBE_KEY), "")

    def get(self, ref: SecretRef) -> Secret | None:
        key = _key(ref)
        direct = self._read(key, ref, "read")
        if direct is not None:
            return Secret(direct)
        manifest = self._manifest(ref)
        if manifest is None:
            return None
        generation, count, digest = manifest
        parts = [self._read(_chunk_key(ref, generation, i), ref, "read") for i in range(count)]
        if any(part is None for part in parts):
            raise SecretStoreError(f"Part of the saved {_KIND_WORDS[ref.kind]} is missing from the keyring.")
        text = "".join(part or "" for part in parts)
        if _sha256(text) != digest:
            raise SecretStoreError(f"The saved {_KIND_WORDS[ref.kind]} in the keyring is incomplete.")
        return Secret(text)

    def set(self, ref: SecretRef, value: Secret) -> None:
        text = value.reveal()
        if not text:
            self.delete(ref)
            return
        old_manifest = self._manifest(ref)
        if utf16_size(text) <= self._chunk_bytes:
            self._write(_key(ref), text, ref, text)
            self._delete_chunked(ref, old_manifest)
            return
        generation = secrets.token_hex(4)
        pieces = split_utf16(text, self._chunk_bytes)
        for index, piece in enumerate(pieces):
            self._write(_chunk_key(ref, generation, index), piece, ref, text)
        manifest = {"format": _MANIFEST_FORMAT, "version": 1, "generation": generation, "count": len(pieces)}
        manifest["sha256"] = _sha256(text)
        self._write(_manifest_key(ref), json.dumps(manifest), ref, text)
        self._remove(_key(ref), ref)
        if old_manifest is not None:
            self._remove_chunks(ref, old_manifest)

    def delete(self, ref: SecretRef) -> None:
        """Remove the value and all its chunks; a missing value is not an error."""
        self._remove(_key(ref), ref)
        self._delete_chunked(ref, self._manifest(ref))

    # ----- internals -----------------------------------------------------------------------

    def _manifest(self, ref: SecretRef) -> tuple[str, int, str] | None:
        text = self._read(_manifest_key(ref), ref, "read")
        if text is None:
            return None
        try:
            data = json.loads(text)
            if data.get("format") != _MANIFEST_FORMAT:
                raise ValueError(data.get("format"))
            generation, count, digest = str(data["generation"]), int(data["count"]), str(data["sha256"])
        except (ValueError, TypeError, KeyError, AttributeError):
            raise SecretStoreError(
                f"The keyring entry for the {_KIND_WORDS[ref.kind]} is not in a format SMTP Doctor knows."
            ) from None
        return generation, count, digest

    def _delete_chunked(self, ref: SecretRef, manifest: tuple[str, int, str] | None) -> None:
        if manifest is None:
            return
        self._remove(_manifest_key(ref), ref)
        self._remove_chunks(ref, manifest)

    def _remove_chunks(self, ref: SecretRef, manifest: tuple[str, int, str]) -> None:
        generation, count, _ = manifest
        for index in range(count):
            self._remove(_chunk_key(ref, generation, index), ref)

    def _read(self, key: str, ref: SecretRef, verb: str) -> str | None:
        value = self._call(
            f"{verb} the {_KIND_WORDS[ref.kind]}", lambda: self._backend.get_password(self._service, key), ""
        )
        return value if isinstance(value, str) else None

    def _write(self, key: str, piece: str, ref: SecretRef, whole: str) -> None:
        self._call(
            f"save the {_KIND_WORDS[ref.kind]}", lambda: self._backend.set_password(self._service, key, piece), whole
        )

    def _remove(self, key: str, ref: SecretRef) -> None:
        from keyring.errors import PasswordDeleteError

        try:
            self._backend.delete_password(self._service, key)
        except PasswordDeleteError:
            return  # nothing stored under that key: deleting it is already done
        except Exception as exc:  # noqa: BLE001 - every backend has its own error types (D-Bus, OSError, ...)
            raise _store_error(f"delete the {_KIND_WORDS[ref.kind]}", exc, "", self.backend_name) from None

    def _call(self, action: str, operation: Callable[[], object], secret_text: str) -> object:
        try:
            return operation()
        except Exception as exc:  # noqa: BLE001 - see _remove
            raise _store_error(action, exc, secret_text, self.backend_name) from None


def _store_error(action: str, exc: Exception, secret_text: str, backend: str) -> SecretStoreError:
    """A plain message for a backend failure; the secret cannot appear in it."""
    from keyring.errors import InitError, KeyringLocked, NoKeyringError, PasswordSetError

    detail = _scrub(str(exc), secret_text)
    if isinstance(exc, NoKeyringError):
        reason = NO_KEYRING
    elif isinstance(exc, KeyringLocked):
        reason = "The keyring is locked. Unlock it (for example by signing in to the desktop) and try again."
    elif isinstance(exc, InitError):
        reason = f"The keyring could not be opened ({detail or 'no reason given'})."
    elif isinstance(exc, PasswordSetError):
        reason = f"The keyring refused the value ({detail or 'no reason given'})."
    else:
        reason = f"The keyring failed ({type(exc).__name__}{': ' + detail if detail else ''})."
    return SecretStoreError(f"Could not {action} in {backend}. {reason}")


def _scrub(text: str, secret_text: str) -> str:
    """Remove every form of the secret from a backend's message and keep it short."""
    for form in sorted(secret_forms(secret_text), key=len, reverse=True):
        text = text.replace(form, "***")
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


def _key(ref: SecretRef) -> str:
    return f"{ref.profile_id}:{ref.kind.value}"


def _manifest_key(ref: SecretRef) -> str:
    return f"{_key(ref)}:manifest"


def _chunk_key(ref: SecretRef, generation: str, index: int) -> str:
    return f"{_key(ref)}:{generation}:{index}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
