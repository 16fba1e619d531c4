"""The profile store: every profile's settings (never a secret) in one schema-versioned JSON file.

Guarantees:

* Saving is atomic (``atomic.write_atomically``): a process killed at any moment leaves the old or
  the new file, so no profile is ever lost. A second copy, ``profiles.json.bak``, is written after
  each save.
* A file that cannot be read (damaged, hand-edited into invalid JSON) is moved aside to
  ``profiles.json.corrupt-<timestamp>``; the store then loads the backup if it is good, else starts
  empty, and says what happened in ``load_warning``. The app starts either way.
* Older schemas are migrated on load and the file is rewritten at once; anything that looks like a
  secret in the file is removed from it.
* A file written by a newer SMTP Doctor is read but never overwritten (``read_only_reason``).
* A failed save raises ``SaveError`` with a plain message and leaves both the file and the store's
  contents as they were.

Names are unique regardless of case. Profiles are addressed by name in the API (that is what people
and the CLI use) and keep a stable ``id`` for their secrets.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.profiles import atomic
from core.profiles.errors import ProfileNotFound, ReadOnlyStoreError, SaveError
from core.profiles.migrations import MigrationError, NewerSchemaError, migrate, strip_secrets
from core.profiles.model import (
    NAME_MAX,
    SCHEMA_VERSION,
    Profile,
    name_key,
    new_profile_id,
    utc_now_text,
    validate_profile_name,
)
from core.profiles.paths import CONFIG_DIR_ENV, default_profiles_path

log = logging.getLogger(__name__)

FILE_APP_MARKER = "smtp-doctor"
# Aliases for annotations inside ProfileStore, where ``list`` names the method.
RecordList = list[dict[str, Any]]
ProfileList = list[Profile]
TextList = list[str]
_VALID_ID_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")


class _Unreadable(Exception):
    """The file's content is not a profile file (reason in args[0])."""


class ProfileStore:
    """Profiles in a JSON file. ``ProfileStore()`` uses the platform config dir (or the env override)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_profiles_path()
        self.load_warning: str | None = None
        self.read_only_reason: str | None = None
        self._lock = threading.RLock()
        self._records: RecordList = []
        self._profiles: ProfileList = []
        self.reload()

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    # ----- reading --------------------------------------------------------------------------

    def names(self) -> TextList:
        return [p.name for p in self.list()]

    def list(self) -> ProfileList:
        """All profiles, sorted by name (case-insensitive)."""
        with self._lock:
            return sorted(self._profiles, key=lambda p: name_key(p.name))

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def find(self, name: str) -> Profile | None:
        key = name_key(name)
        with self._lock:
            return next((p for p in self._profiles if name_key(p.name) == key), None)

    def get(self, name: str, *, field: str = "profile") -> Profile:
        """The profile with this name (any case); ``ProfileNotFound`` (an ``InputError``) if none."""
        found = self.find(name)
        if found is None:
            raise ProfileNotFound(name, self.names(), field)
        return found

    def get_by_id(self, profile_id: str) -> Profile | None:
        with self._lock:
            return next((p for p in self._profiles if p.id == profile_id), None)

    def search(self, text: str) -> ProfileList:
        """Profiles whose name, host, login, addresses, device or notes contain every word of ``text``."""
        words = [w.casefold() for w in text.split()]
        return [p for p in self.list() if all(w in _haystack(p) for w in words)]

    def unique_name(self, base: str, *, ignore_id: str | None = None) -> str:
        """``base`` if no other profile has it, else ``base (2)``, ``base (3)``..."""
        stem = (base.strip() or "Unnamed profile")[:NAME_MAX]
        candidate, number = stem, 2
        while self._name_taken(candidate, ignore_id):
            suffix = f" ({number})"
            candidate = stem[: NAME_MAX - len(suffix)] + suffix
            number += 1
        return candidate

    # ----- changing ---------------------------------------------------------------------------

    def save(self, profile: Profile) -> Profile:
        """Insert or update (by id). Returns the profile as stored, with its times set."""
        return self.save_many([profile])[0]

    def save_many(self, profiles: Iterable[Profile]) -> ProfileList:
        """Insert or update several profiles in one write: all are saved, or none."""
        with self._lock:
            records = list(self._records)
            stored_list = list(self._profiles)
            saved: ProfileList = []
            for profile in profiles:
                stored = self._prepared(profile, stored_list)
                index = next((i for i, p in enumerate(stored_list) if p.id == stored.id), None)
                if index is None:
                    records.append(stored.to_dict())
                    stored_list.append(stored)
                else:
                    records[index] = stored.to_dict()
                    stored_list[index] = stored
                saved.append(stored)
            self._commit(records, stored_list)
            return saved

    def rename(self, old_name: str, new_name: str) -> Profile:
        """Rename; the id (and so every secret) stays with the profile."""
        with self._lock:
            return self.save(replace(self.get(old_name), name=new_name))

    def duplicate(self, name: str, new_name: str | None = None) -> Profile:
        """A copy with a new id and the name ``new_name`` (default: '<name> (copy)'). Secrets are not copied."""
        with self._lock:
            original = self.get(name)
            target = new_name if new_name is not None else self.unique_name(f"{original.name} (copy)")
            copy = replace(original, id=new_profile_id(), name=target, created="", modified="")
            return self.save(copy)

    def delete(self, name: str) -> Profile:
        """Remove the profile; returns it (its secrets are the caller's to delete: see ProfileService)."""
        with self._lock:
            victim = self.get(name)
            keep = [i for i, p in enumerate(self._profiles) if p.id != victim.id]
            self._commit([self._records[i] for i in keep], [self._profiles[i] for i in keep])
            return victim

    def reload(self) -> None:
        """Read the file again (discarding nothing on disk; see the module docstring)."""
        with self._lock:
            self.load_warning = None
            self.read_only_reason = None
            notes: TextList = []
            atomic.remove_stale_temp_files(self.path)
            document, rewrite = self._read_document(notes)
            records, profiles, changed = self._normalised(document.get("profiles", []), notes)
            self._records, self._profiles = records, profiles
            if (rewrite or changed) and self.read_only_reason is None:
                try:
                    self._write(records)
                except SaveError as exc:
                    notes.append(exc.message)
            unusable = [p.name for p in profiles if p.issues]
            if unusable:
                notes.append(
                    "These profiles have settings that could not be read and need checking: "
                    + ", ".join(f"'{n}'" for n in unusable)
                    + "."
                )
            self.load_warning = " ".join(notes) or None
            if self.load_warning:
                log.warning("%s", self.load_warning)

    # ----- internals: loading ----------------------------------------------------------------

    def _read_document(self, notes: TextList) -> tuple[dict[str, Any], bool]:
        """The migrated document and whether it must be rewritten now."""
        if not self.path.exists():
            if self.backup_path.exists():
                return self._from_backup(notes, f"The profile file {self.path} was missing.")
            return {"profiles": []}, False
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            self.read_only_reason = f"The profile file {self.path} cannot be read ({_os_reason(exc)})."
            notes.append(self.read_only_reason + " Profiles cannot be saved until that is fixed.")
            return {"profiles": []}, False
        try:
            return self._parsed(raw, notes)
        except NewerSchemaError as exc:
            return self._newer_schema(raw, exc.version, notes), False
        except _Unreadable as exc:
            return self._set_aside(str(exc), notes)

    def _parsed(self, raw: bytes, notes: TextList) -> tuple[dict[str, Any], bool]:
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Unreadable(f"it is not valid JSON: {_json_reason(exc)}") from None
        document, secrets_removed = strip_secrets(document)
        try:
            migrated, version = migrate(document)
        except NewerSchemaError:
            raise
        except MigrationError as exc:
            raise _Unreadable(str(exc)) from None
        if secrets_removed:
            notes.append(
                f"{secrets_removed} password or token value(s) found in the profile file were removed from "
                "it: secrets are kept only in the OS keyring. Enter them again where needed."
            )
        if version < SCHEMA_VERSION:
            log.info("profile file upgraded from schema %d to %d", version, SCHEMA_VERSION)
        return migrated, bool(secrets_removed) or version < SCHEMA_VERSION

    def _newer_schema(self, raw: bytes, version: int, notes: TextList) -> dict[str, Any]:
        self.read_only_reason = (
            f"The profile file was written by a newer SMTP Doctor (schema {version}); this version shows "
            "its profiles but does not change the file. Update SMTP Doctor to edit them."
        )
        notes.append(self.read_only_reason)
        document, _ = strip_secrets(json.loads(raw.decode("utf-8-sig")))
        profiles = document.get("profiles") if isinstance(document, dict) else None
        usable = [p for p in profiles if isinstance(p, dict)] if isinstance(profiles, list) else []
        return {"profiles": usable}

    def _set_aside(self, reason: str, notes: TextList) -> tuple[dict[str, Any], bool]:
        aside = self._corrupt_name()
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self.read_only_reason = (
                f"The profile file {self.path} is damaged ({reason}) and could not be moved aside "
                f"({_os_reason(exc)}). Profiles cannot be saved until it is moved or deleted."
            )
            notes.append(self.read_only_reason)
            return {"profiles": []}, False
        log.warning("damaged profile file moved to %s", aside)
        return self._from_backup(notes, f"The profile file was damaged ({reason}); it was moved to {aside}.")

    def _from_backup(self, notes: TextList, what_happened: str) -> tuple[dict[str, Any], bool]:
        try:
            document, _ = self._parsed(self.backup_path.read_bytes(), [])
        except (OSError, _Unreadable, NewerSchemaError):
            notes.append(what_happened + " SMTP Doctor started with no saved profiles.")
            return {"profiles": []}, False
        notes.append(what_happened + f" The profiles were restored from the backup {self.backup_path}.")
        return document, True

    def _corrupt_name(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        candidate = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        number = 2
        while candidate.exists():
            candidate = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{number}")
            number += 1
        return candidate

    def _normalised(self, raw_records: RecordList, notes: TextList) -> tuple[RecordList, ProfileList, bool]:
        """Records with valid unique ids and names, their Profiles, and whether anything changed."""
        records: RecordList = []
        profiles: ProfileList = []
        changed = False
        seen_ids: set[str] = set()
        seen_names: set[str] = set()
        for raw in raw_records:
            record = dict(raw)
            record_id = record.get("id")
            if not _valid_id(record_id) or record_id in seen_ids:
                record["id"], changed = new_profile_id(), True
            profile = Profile.from_dict(record)
            name = profile.name
            if name_key(name) in seen_names or record.get("name") != name:
                renamed = _first_free(name, seen_names)
                if name_key(name) in seen_names:
                    notes.append(f"Two profiles were named '{name}'; the second one is now '{renamed}'.")
                record["name"], changed = renamed, True
                profile = replace(profile, name=renamed)
            seen_ids.add(profile.id)
            seen_names.add(name_key(profile.name))
            records.append(record)
            profiles.append(profile)
        return records, profiles, changed

    # ----- internals: saving -------------------------------------------------------------------

    def _prepared(self, profile: Profile, others: ProfileList) -> Profile:
        if self.read_only_reason is not None:
            raise ReadOnlyStoreError(self.read_only_reason)
        if not _valid_id(profile.id):
            raise InputError("id", "The profile id is not valid.")
        name = validate_profile_name(profile.name)
        clash = next((p for p in others if p.id != profile.id and name_key(p.name) == name_key(name)), None)
        if clash is not None:
            raise InputError("name", f"A profile named '{clash.name}' already exists; choose another name.")
        existing = next((p for p in others if p.id == profile.id), None)
        now = utc_now_text()
        created = (existing.created if existing else "") or profile.created or now
        return replace(profile, name=name, created=created, modified=now, issues=())

    def _commit(self, records: RecordList, profiles: ProfileList) -> None:
        if self.read_only_reason is not None:
            raise ReadOnlyStoreError(self.read_only_reason)
        self._write(records)
        self._records, self._profiles = records, profiles

    def _write(self, records: RecordList) -> None:
        document = {"schema_version": SCHEMA_VERSION, "app": FILE_APP_MARKER, "profiles": records}
        data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            atomic.write_atomically(self.path, data)
        except OSError as exc:
            raise SaveError(
                f"The profiles could not be saved to {self.path}: {_os_reason(exc)}. The saved profiles "
                f"are unchanged. Fix the folder's permissions, or set {CONFIG_DIR_ENV} to a writable folder."
            ) from None
        try:
            # The backup mirrors the file just written: if the file is damaged later, nothing is lost.
            atomic.write_atomically(self.backup_path, data)
        except OSError as exc:
            log.warning("profile backup %s not written: %s", self.backup_path, _os_reason(exc))

    def _name_taken(self, name: str, ignore_id: str | None) -> bool:
        key = name_key(name)
        with self._lock:
            return any(name_key(p.name) == key and p.id != ignore_id for p in self._profiles)


def _haystack(profile: Profile) -> str:
    parts = [
        profile.name,
        profile.host,
        profile.username,
        profile.mail_from,
        profile.header_from,
        *profile.rcpt_to,
        profile.device_profile,
        profile.notes,
    ]
    return "\n".join(parts).casefold()


def _valid_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and set(value) <= _VALID_ID_CHARS


def _first_free(name: str, taken: set[str]) -> str:
    stem, number, candidate = name[:NAME_MAX], 2, name[:NAME_MAX]
    while name_key(candidate) in taken:
        suffix = f" ({number})"
        candidate = stem[: NAME_MAX - len(suffix)] + suffix
        number += 1
    return candidate


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return "the folder is read-only or you do not have permission to write there"
    if exc.errno == errno.EROFS:
        return "the disk is mounted read-only"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return type(exc).__name__


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return "the file is not UTF-8 text"
