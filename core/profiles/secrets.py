"""Where profile secrets live: the ``SecretStore`` protocol, the session-only store, and the choice.

``KeyringSecretStore`` (the OS keyring, with chunking) is in ``keyring_store`` and re-exported here.

``open_secret_store()`` returns the OS keyring when a secure one works; otherwise a
``SessionSecretStore`` (memory only, forgotten when the app exits) together with the reason, so
the GUI can say "No OS keyring is available (...)" and offer to keep the secret for this run only.
There is no plaintext fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from core.profiles.errors import SecretStoreError
from core.profiles.keyring_store import KeyringSecretStore
from core.profiles.model import SecretKind, SecretRef
from core.secret import Secret

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SESSION_LABEL: Final = "This session only (not saved; forgotten when SMTP Doctor closes)"


class SecretStore(Protocol):
    """Get, set and delete secrets by ``SecretRef``. Implementations raise ``SecretStoreError``."""

    @property
    def backend_name(self) -> str:
        """What to show the user, e.g. 'Windows Credential Manager'."""
        ...

    @property
    def is_secure(self) -> bool:
        """True: the secret never reaches a file in plaintext."""
        ...

    @property
    def is_persistent(self) -> bool:
        """True: the secret is still there after the app restarts."""
        ...

    def get(self, ref: SecretRef) -> Secret | None: ...

    def set(self, ref: SecretRef, value: Secret) -> None: ...

    def delete(self, ref: SecretRef) -> None:
        """Remove the secret; a missing one is not an error."""
        ...


class SessionSecretStore:
    """Secrets in memory for this run only: used when there is no OS keyring, or when a profile's
    "Remember password" is off."""

    backend_name = SESSION_LABEL
    is_secure = True
    is_persistent = False

    def __init__(self) -> None:
        self._values: dict[SecretRef, Secret] = {}

    def get(self, ref: SecretRef) -> Secret | None:
        return self._values.get(ref)

    def set(self, ref: SecretRef, value: Secret) -> None:
        if value:
            self._values[ref] = value
        else:
            self._values.pop(ref, None)

    def delete(self, ref: SecretRef) -> None:
        self._values.pop(ref, None)

    def clear(self) -> None:
        self._values.clear()


def delete_all(store: SecretStore, profile_id: str) -> None:
    """Delete every kind of secret a profile may have."""
    for kind in SecretKind:
        store.delete(SecretRef(profile_id, kind))


@dataclass(frozen=True)
class SecretStoreStatus:
    """The outcome of ``open_secret_store``.

    ``store`` is the keyring store when ``keyring_available``; otherwise a ``SessionSecretStore``
    and ``problem`` says why there is no keyring, in one or two sentences for the user.
    """

    store: SecretStore
    keyring_available: bool
    problem: str | None = None

    @property
    def backend_name(self) -> str:
        return self.store.backend_name


def open_secret_store(backend: KeyringBackend | None = None) -> SecretStoreStatus:
    """The OS keyring if a secure one works, else a session-only store and the reason."""
    try:
        store = KeyringSecretStore(backend)
        store.check()
    except SecretStoreError as exc:
        problem = exc.message + " Secrets can be kept for this session only."
        return SecretStoreStatus(SessionSecretStore(), keyring_available=False, problem=problem)
    return SecretStoreStatus(store, keyring_available=True)


__all__ = [
    "SESSION_LABEL",
    "KeyringSecretStore",
    "SecretStore",
    "SecretStoreStatus",
    "SessionSecretStore",
    "delete_all",
    "open_secret_store",
]
