"""What ``smtp-doctor probe --profile NAME`` needs: the saved profile's plan and stored secret.

Its own module, so the CLI imports the profile machinery (and keyring) only when a profile is used.
"""

from __future__ import annotations

import sys

from core.errors import InputError
from core.model import Credentials, ProbePlan
from core.profiles.errors import SecretStoreError
from core.profiles.model import Profile, SecretKind
from core.profiles.secrets import open_secret_store
from core.profiles.service import ProfileService
from core.profiles.store import ProfileStore

FIELD: str = "--profile"
_HOW_TO_GIVE = "Give it with --password-env VAR or --password-stdin."


def load_profile_for_cli(name: str, *, require_secret: bool = False) -> tuple[ProbePlan, Credentials]:
    """The plan and credentials of the saved profile ``name``.

    Raises ``InputError`` (field ``--profile``, or the profile field at fault) for an unknown
    profile, an unusable setting, or an unreadable keyring. A missing stored password is not an
    error unless ``require_secret`` (the caller knows whether a password came from a flag);
    warnings about the profile file go to stderr.
    """
    store = ProfileStore()
    try:
        profile = store.get(name, field=FIELD)
        plan = profile.to_plan()
    except InputError as exc:
        if not store.load_warning:
            raise
        # One line for bad input: what is wrong, then what happened to the profile file.
        raise InputError(exc.field, f"{exc.message} ({store.load_warning})") from None
    if store.load_warning:
        print(f"smtp-doctor: {store.load_warning}", file=sys.stderr)
    if not _uses_password(profile):
        return plan, Credentials()
    if not profile.remember_secret:
        # Nothing is stored, so the keyring is not touched (it might pop up an unlock prompt).
        if require_secret:
            raise InputError(FIELD, f"Profile '{profile.name}' does not remember its password. {_HOW_TO_GIVE}")
        return plan, Credentials()
    status = open_secret_store()
    if not status.keyring_available:
        if require_secret:
            raise InputError(FIELD, f"{status.problem} {_HOW_TO_GIVE}")
        return plan, Credentials()
    try:
        credentials = ProfileService(store, status.store).credentials(profile)
    except SecretStoreError as exc:
        raise InputError(FIELD, exc.message) from None
    if require_secret and credentials.password is None:
        raise InputError(FIELD, f"No password is saved for profile '{profile.name}'. {_HOW_TO_GIVE}")
    return plan, credentials


def _uses_password(profile: Profile) -> bool:
    return SecretKind.PASSWORD in profile.secret_kinds() and bool(profile.username.strip())
