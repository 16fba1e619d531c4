"""Errors of the profile store and the secret stores.

Every message is one or two plain sentences a technician can act on. None of them ever contains a
secret: messages are written here from fixed text plus file paths and backend names, and the
original exception is never chained (``from None``) where it might carry a value.
"""

from __future__ import annotations

from core.errors import InputError, SmtpDoctorError


class ProfileError(SmtpDoctorError):
    """Base of the profile store's errors; ``message`` is the text to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SaveError(ProfileError):
    """The profile file could not be written; the file on disk is unchanged."""


class ReadOnlyStoreError(SaveError):
    """The profile file was written by a newer SMTP Doctor; this version does not overwrite it."""


class ImportFileError(ProfileError):
    """A file chosen for import is not a readable SMTP Doctor profile export."""


class ProfileNotFound(InputError, KeyError):
    """No profile has that name. An ``InputError``, so the CLI reports it as bad input (exit 2)."""

    def __init__(self, name: str, known: list[str], field: str = "profile") -> None:
        if known:
            listing = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
            message = f"No profile is named '{name}'. Saved profiles: {listing}."
        else:
            message = f"No profile is named '{name}'; there are no saved profiles yet."
        super().__init__(field, message)
        self.name = name

    def __str__(self) -> str:
        # KeyError's __str__ would quote the message; show it as written.
        return self.message


class SecretStoreError(SmtpDoctorError):
    """The secret store (the OS keyring) could not do what was asked. Never contains the secret."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
