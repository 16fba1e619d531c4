"""Export and import of profiles as a file to share with colleagues: settings only, never secrets.

An export is JSON::

    {"format": "smtp-doctor-profiles", "version": 1, "profile_schema": 2, "exported": "...",
     "note": "...", "profiles": [<Profile.to_dict() without id and times>, ...]}

Import checks the marker and versions, migrates older profile schemas, drops anything that looks
like a secret, gives every profile a new id (so it never shares keyring entries with the
exporter's copy) and renames on a name clash: 'Acme MFP' becomes 'Acme MFP (imported)'.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from core.profiles import atomic
from core.profiles.errors import ImportFileError, SaveError
from core.profiles.migrations import MigrationError, NewerSchemaError, migrate, strip_secrets
from core.profiles.model import NAME_MAX, SCHEMA_VERSION, Profile, name_key, new_profile_id, utc_now_text
from core.profiles.store import ProfileStore

EXPORT_FORMAT: Final = "smtp-doctor-profiles"
EXPORT_VERSION: Final = 1
EXPORT_SUFFIX: Final = ".smtpdoctor.json"
_NOTE: Final = "SMTP Doctor profiles: settings only. Passwords, client secrets and tokens are never exported."
_LOCAL_KEYS: Final = ("id", "created", "modified")  # meaningful on this machine only
MAX_IMPORT_BYTES: Final = 10 * 1024 * 1024


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the profiles added, and the ones renamed because the name was taken."""

    imported: tuple[Profile, ...]
    renamed: tuple[tuple[str, str], ...]  # (name in the file, name given)
    notes: tuple[str, ...] = ()


def export_document(profiles: Iterable[Profile]) -> dict[str, Any]:
    records = []
    for profile in profiles:
        record = profile.to_dict()
        for key in _LOCAL_KEYS:
            record.pop(key, None)
        records.append(record)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "profile_schema": SCHEMA_VERSION,
        "exported": utc_now_text(),
        "note": _NOTE,
        "profiles": records,
    }


def export_profiles(profiles: Iterable[Profile], path: str | Path) -> Path:
    """Write the profiles to ``path`` (atomically). Raises ``SaveError`` with a plain message."""
    target = Path(path).expanduser()
    data = json.dumps(export_document(profiles), indent=2, ensure_ascii=False) + "\n"
    try:
        atomic.write_atomically(target, data.encode("utf-8"))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SaveError(f"The profiles could not be exported to {target}: {reason}.") from None
    return target


def read_export(path: str | Path) -> tuple[list[Profile], list[str]]:
    """The profiles in an export file (new ids, names as in the file) and notes for the user."""
    source = Path(path).expanduser()
    document = _load_json(source)
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportFileError(f"{source} is not an SMTP Doctor profile export.")
    version, schema = document.get("version"), document.get("profile_schema")
    if not isinstance(version, int) or not isinstance(schema, int) or isinstance(schema, bool):
        raise ImportFileError(f"{source} is an SMTP Doctor export without a valid version.")
    if version > EXPORT_VERSION or schema > SCHEMA_VERSION:
        raise ImportFileError(f"{source} was exported by a newer SMTP Doctor; update SMTP Doctor to import it.")
    cleaned, removed = strip_secrets(document.get("profiles"))
    try:
        migrated, _ = migrate({"schema_version": schema, "profiles": cleaned} if schema else cleaned)
    except (MigrationError, NewerSchemaError) as exc:
        raise ImportFileError(f"{source} is damaged: {exc}.") from None
    notes = []
    if removed:
        notes.append(f"{removed} secret value(s) in the file were ignored: secrets are never imported.")
    profiles = []
    for record in migrated["profiles"]:
        record = {k: v for k, v in record.items() if k not in _LOCAL_KEYS}
        profiles.append(replace(Profile.from_dict(record), id=new_profile_id()))
    return profiles, notes


def import_profiles(path: str | Path, store: ProfileStore) -> ImportResult:
    """Add every profile of an export file to ``store`` in one save, renaming on name clashes."""
    profiles, notes = read_export(path)
    taken = {name_key(name) for name in store.names()}
    renamed: list[tuple[str, str]] = []
    ready: list[Profile] = []
    for profile in profiles:
        name = profile.name
        if name_key(name) in taken:
            name = _free_name(profile.name, taken)
            renamed.append((profile.name, name))
        taken.add(name_key(name))
        ready.append(replace(profile, name=name, created="", modified=""))
    stored = store.save_many(ready)
    with_issues = [p.name for p, original in zip(stored, profiles, strict=True) if original.issues]
    if with_issues:
        notes.append("Check these imported profiles, some values could not be read: " + ", ".join(with_issues) + ".")
    return ImportResult(tuple(stored), tuple(renamed), tuple(notes))


def _free_name(stem: str, taken: set[str]) -> str:
    stem = stem[: NAME_MAX - len(" (imported 999)")]
    candidate, number = f"{stem} (imported)", 2
    while name_key(candidate) in taken:
        candidate = f"{stem} (imported {number})"
        number += 1
    return candidate


def _load_json(source: Path) -> object:
    try:
        size = source.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise ImportFileError(f"{source} is too large to be a profile export ({size} bytes).")
        raw = source.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{source} cannot be read ({exc.strerror or type(exc).__name__}).") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ImportFileError(f"{source} is not an SMTP Doctor profile export (it is not valid JSON).") from None
