"""Profiles together with their secrets: the one object the GUI and the CLI use.

``ProfileService`` pairs the ``ProfileStore`` (settings file) with the OS keyring and a
session-only store. The rule for where a secret goes:

* the profile's ``remember_secret`` is on and an OS keyring works → the keyring;
* otherwise → memory for this run only (``SessionSecretStore``), never a file.

When "Remember" is on but there is no keyring, ``save`` refuses with ``SecretStoreError`` (whose
message says why) unless the caller passes ``allow_session_only=True``: the GUI asks the user first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from core.model import ClientBehaviour, CredentialKind, Credentials, ProbePlan
from core.profiles.errors import SecretStoreError
from core.profiles.model import Profile, SecretKind, SecretRef
from core.profiles.paths import PROFILES_FILE
from core.profiles.secrets import SESSION_LABEL, SecretStore, SessionSecretStore, delete_all, open_secret_store
from core.profiles.store import ProfileList, ProfileStore, TextList
from core.secret import Secret

if TYPE_CHECKING:
    from core.profiles.exchange import ImportResult

_PASSWORD_KINDS = (CredentialKind.PASSWORD, CredentialKind.APP_PASSWORD, CredentialKind.API_KEY)


class ProfileService:
    """Profiles and their secrets. Build it with ``ProfileService.open()`` or from parts in tests."""

    def __init__(
        self,
        store: ProfileStore,
        keyring: SecretStore | None,
        *,
        keyring_problem: str | None = None,
        session: SessionSecretStore | None = None,
    ) -> None:
        self.store = store
        self.keyring = keyring if keyring is not None and keyring.is_persistent else None
        self.keyring_problem = keyring_problem if self.keyring is None else None
        self.session = session if session is not None else SessionSecretStore()

    @classmethod
    def open(cls, config_dir: str | Path | None = None) -> ProfileService:
        """The real thing: the profile file in ``config_dir`` (default: platform dir) and the OS keyring."""
        store = ProfileStore(Path(config_dir) / PROFILES_FILE if config_dir is not None else None)
        status = open_secret_store()
        keyring = status.store if status.keyring_available else None
        return cls(store, keyring, keyring_problem=status.problem)

    # ----- what the GUI shows ----------------------------------------------------------------

    @property
    def can_remember(self) -> bool:
        """False when no OS keyring works: "Remember password" cannot be honoured."""
        return self.keyring is not None

    @property
    def secret_backend_name(self) -> str:
        """E.g. 'Windows Credential Manager', or the session-only label when there is no keyring."""
        return self.keyring.backend_name if self.keyring is not None else SESSION_LABEL

    @property
    def load_warning(self) -> str | None:
        return self.store.load_warning

    def secret_location(self, profile: Profile) -> str:
        """Where this profile's secrets are kept, in words for the form."""
        if profile.remember_secret and self.keyring is not None:
            return self.keyring.backend_name
        return SESSION_LABEL

    # ----- profiles -----------------------------------------------------------------------------

    def list(self) -> ProfileList:
        return self.store.list()

    def names(self) -> TextList:
        return self.store.names()

    def get(self, name: str) -> Profile:
        return self.store.get(name)

    def find(self, name: str) -> Profile | None:
        return self.store.find(name)

    def search(self, text: str) -> ProfileList:
        return self.store.search(text)

    def save(
        self,
        profile: Profile,
        secrets: Mapping[SecretKind, Secret | None] | None = None,
        *,
        allow_session_only: bool = False,
    ) -> Profile:
        """Save the settings, then the secrets given (``None`` or empty: forget that secret).

        Kinds not in ``secrets`` keep their value, moved to where ``remember_secret`` now says.
        Settings are saved first; a keyring failure afterwards raises ``SecretStoreError`` with the
        settings already saved (the message says what was not kept).
        """
        given = dict(secrets or {})
        wants_keyring = profile.remember_secret and any(given.values())
        if wants_keyring and self.keyring is None and not allow_session_only:
            raise SecretStoreError(self.keyring_problem or "No OS keyring is available.")
        stored = self.store.save(profile)
        self._apply_secrets(stored, given)
        return stored

    def rename(self, old_name: str, new_name: str) -> Profile:
        """Rename; secrets stay (they are keyed by the profile's id)."""
        return self.store.rename(old_name, new_name)

    def duplicate(self, name: str, new_name: str | None = None, *, with_secrets: bool = True) -> Profile:
        """A copy under a new name and id; its secrets are copied too unless ``with_secrets`` is False."""
        original = self.store.get(name)
        copy = self.store.duplicate(name, new_name)
        if with_secrets:
            for kind in SecretKind:
                self._copy_secret(original, copy, kind)
        return copy

    def delete(self, name: str) -> Profile:
        """Delete the profile and every secret it has. If the keyring fails, nothing is deleted."""
        profile = self.store.get(name)
        if self.keyring is not None:
            delete_all(self.keyring, profile.id)
        delete_all(self.session, profile.id)
        return self.store.delete(name)

    def export(self, names: Iterable[str], path: str | Path) -> Path:
        """Write the named profiles to a file for colleagues: settings only, never secrets."""
        from core.profiles.exchange import export_profiles

        return export_profiles([self.store.get(name) for name in names], path)

    def import_file(self, path: str | Path) -> ImportResult:
        """Add the profiles of an export file (new ids; 'X (imported)' when the name is taken)."""
        from core.profiles.exchange import import_profiles

        return import_profiles(path, self.store)

    # ----- secrets ---------------------------------------------------------------------------------

    def secret(self, profile: Profile, kind: SecretKind = SecretKind.PASSWORD) -> Secret | None:
        """The secret for this run: one typed this session wins, then the remembered one."""
        ref = profile.secret_ref(kind)
        value = self.session.get(ref)
        if value is None and profile.remember_secret and self.keyring is not None:
            value = self.keyring.get(ref)
        return value

    def set_session_secret(self, profile: Profile, kind: SecretKind, value: Secret | None) -> None:
        """Keep a secret for this run only (e.g. typed into the form without saving the profile)."""
        ref = profile.secret_ref(kind)
        if value:
            self.session.set(ref, value)
        else:
            self.session.delete(ref)

    def credentials(self, profile: Profile) -> Credentials:
        """What AUTH presents for this profile. OAuth profiles get their token from the token provider."""
        if profile.credential_kind in _PASSWORD_KINDS:
            return Credentials(password=self.secret(profile, SecretKind.PASSWORD))
        return Credentials()

    def plan(
        self, name: str, *, send: bool = True, behaviour: ClientBehaviour | None = None
    ) -> tuple[ProbePlan, Credentials]:
        """The validated plan of a saved profile and its stored credentials (``InputError`` per field)."""
        profile = self.store.get(name)
        return profile.to_plan(send=send, behaviour=behaviour), self.credentials(profile)

    def token_cache_store(self, profile: Profile) -> ProfileTokenCache:
        """A ``core.oauth.cache.TokenCacheStore`` for this profile, following the same rule as passwords."""
        return ProfileTokenCache(self, profile)

    # ----- internals -------------------------------------------------------------------------

    def _apply_secrets(self, profile: Profile, given: dict[SecretKind, Secret | None]) -> None:
        remember = profile.remember_secret and self.keyring is not None
        for kind in SecretKind:
            ref = profile.secret_ref(kind)
            if kind in given:
                value = given[kind]
            else:
                value = self._current(ref) if self._may_move(profile, ref) else None
                if value is None:
                    continue
            self._place(ref, value, remember)

    def _may_move(self, profile: Profile, ref: SecretRef) -> bool:
        # Only look in the keyring when the value might have to leave it (Remember switched off),
        # or in the session when it might have to enter the keyring (Remember switched on).
        if profile.remember_secret:
            return self.keyring is not None and self.session.get(ref) is not None
        return self.keyring is not None

    def _current(self, ref: SecretRef) -> Secret | None:
        value = self.session.get(ref)
        if value is None and self.keyring is not None:
            value = self.keyring.get(ref)
        return value

    def _place(self, ref: SecretRef, value: Secret | None, remember: bool) -> None:
        if not value:
            if self.keyring is not None:
                self.keyring.delete(ref)
            self.session.delete(ref)
        elif remember and self.keyring is not None:
            self.keyring.set(ref, value)
            self.session.delete(ref)
        else:
            self.session.set(ref, value)
            if self.keyring is not None:
                self.keyring.delete(ref)

    def _copy_secret(self, source: Profile, target: Profile, kind: SecretKind) -> None:
        value = self.session.get(source.secret_ref(kind))
        if value is not None:
            self.session.set(target.secret_ref(kind), value)
        if source.remember_secret and self.keyring is not None:
            kept = self.keyring.get(source.secret_ref(kind))
            if kept is not None:
                self.keyring.set(target.secret_ref(kind), kept)


class ProfileTokenCache:
    """MSAL's serialized token cache of one profile (``load``/``save``/``clear``), as a secret.

    It follows the profile's "Remember" rule: the OS keyring when remembered and available, else
    memory for this run. Large caches are chunked by the keyring store.
    """

    def __init__(self, service: ProfileService, profile: Profile) -> None:
        self._service = service
        self._profile = profile

    def load(self) -> str | None:
        value = self._service.secret(self._profile, SecretKind.TOKEN_CACHE)
        return value.reveal() if value else None

    def save(self, text: str) -> None:
        remember = self._profile.remember_secret and self._service.can_remember
        self._service._place(self._profile.secret_ref(SecretKind.TOKEN_CACHE), Secret(text), remember)

    def clear(self) -> None:
        self._service._place(self._profile.secret_ref(SecretKind.TOKEN_CACHE), None, False)
