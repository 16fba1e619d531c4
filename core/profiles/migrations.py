"""Upgrades of the profile file from older schema versions to ``SCHEMA_VERSION``.

History of the file format:

* schema 0 (development builds before 0.1): a bare JSON list of profiles with the keys ``name``,
  ``server``, ``port``, ``encryption`` (printer words: ssl, tls, starttls, none), ``user``,
  ``from``, ``to`` (comma-separated), ``verify_tls`` and, alas, sometimes ``password``.
* schema 1: ``{"schema_version": 1, "profiles": [...]}`` with flat keys: ``id``, ``name``, ``host``,
  ``port``, ``security``, ``auth``, ``username``, ``credential``, ``mail_from``, ``rcpt_to`` (list),
  ``helo``, ``tls_verify``, ``ca_file``, ``timeout``, ``remember_password``, ``oauth_flow``,
  ``oauth_tenant``, ``oauth_client_id``, ``notes``.
* schema 2 (current): TLS and OAuth settings in groups, ``credential_kind``, ``remember_secret``,
  ``created``/``modified`` times, device profile and attachment size (``Profile.to_dict``).

Each step takes the whole document of version N and returns version N+1. Secrets are never carried
over: ``strip_secrets`` removes anything that looks like one, wherever it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.profiles.model import SCHEMA_VERSION

Document = dict[str, Any]

# Keys that would hold a secret. The current schema has none; older or hand-edited files might.
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "secret",
        "app_password",
        "api_key",
        "client_secret",
        "token",
        "access_token",
        "refresh_token",
        "token_cache",
    }
)


class MigrationError(ValueError):
    """The document's structure does not match the version it claims."""


def detect_version(document: object) -> int:
    """The schema version of a parsed profile file; raises ``MigrationError`` if there is none."""
    if isinstance(document, list):
        return 0
    if not isinstance(document, dict):
        raise MigrationError("the file does not hold a list of profiles")
    version = document.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise MigrationError("the file has no valid schema_version")
    return version


def migrate(document: object) -> tuple[Document, int]:
    """Return the document at ``SCHEMA_VERSION`` and the version it had.

    Raises ``MigrationError`` for a document that is not a profile file and ``NewerSchemaError``
    for one written by a newer SMTP Doctor (which this version must not rewrite).
    """
    version = detect_version(document)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(version)
    current: object = document
    for step in range(version, SCHEMA_VERSION):
        current = MIGRATIONS[step](current)
    if not isinstance(current, dict) or not isinstance(current.get("profiles"), list):
        raise MigrationError("the file has no list of profiles")
    if not all(isinstance(record, dict) for record in current["profiles"]):
        raise MigrationError("an entry in the list of profiles is not a profile")
    return current, version


class NewerSchemaError(MigrationError):
    def __init__(self, version: int) -> None:
        super().__init__(f"schema {version} is newer than this version of SMTP Doctor understands")
        self.version = version


def strip_secrets(value: Any) -> tuple[Any, int]:
    """A copy of ``value`` without secret-looking keys (at any depth), and how many were removed."""
    if isinstance(value, dict):
        removed = 0
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.strip().lower() in SECRET_KEYS:
                removed += 1
                continue
            kept[key], count = strip_secrets(item)
            removed += count
        return kept, removed
    if isinstance(value, list):
        items = [strip_secrets(item) for item in value]
        return [item for item, _ in items], sum(count for _, count in items)
    return value, 0


def _records(document: object, version: int) -> list[dict[str, Any]]:
    profiles = (
        document if isinstance(document, list) else document.get("profiles") if isinstance(document, dict) else None
    )
    if not isinstance(profiles, list) or not all(isinstance(p, dict) for p in profiles):
        raise MigrationError(f"the schema {version} file has no list of profiles")
    return profiles


def _from_0(document: object) -> Document:
    upgraded = []
    for old in _records(document, 0):
        recipients = old.get("to", "")
        upgraded.append(
            {
                "name": old.get("name"),
                "host": old.get("server", ""),
                "port": old.get("port", 587),
                "security": old.get("encryption", "starttls"),
                "username": old.get("user", ""),
                "mail_from": old.get("from", ""),
                "rcpt_to": [a.strip() for a in recipients.split(",") if a.strip()]
                if isinstance(recipients, str)
                else recipients,
                "tls_verify": old.get("verify_tls", True),
            }
        )
    return {"schema_version": 1, "profiles": upgraded}


def _from_1(document: object) -> Document:
    upgraded = []
    for old in _records(document, 1):
        new: dict[str, Any] = {
            key: old[key]
            for key in ("id", "name", "host", "port", "security", "auth", "username", "mail_from", "rcpt_to")
            if key in old
        }
        new.update(
            {
                "credential_kind": old.get("credential", "password"),
                "header_from": "",
                "helo": old.get("helo", ""),
                "tls": {"verify": old.get("tls_verify", True), "ca_file": old.get("ca_file", ""), "min": "", "max": ""},
                "timeout": old.get("timeout"),
                "attachment_bytes": 0,
                "remember_secret": old.get("remember_password", True),
                "oauth": {
                    "flow": old.get("oauth_flow", "device"),
                    "tenant": old.get("oauth_tenant", ""),
                    "client_id": old.get("oauth_client_id", ""),
                },
                "notes": old.get("notes", ""),
                "device_profile": "",
                "created": "",
                "modified": "",
            }
        )
        upgraded.append(new)
    return {"schema_version": 2, "profiles": upgraded}


# MIGRATIONS[n] upgrades a version-n document to version n+1.
MIGRATIONS: dict[int, Callable[[object], Document]] = {0: _from_0, 1: _from_1}
assert set(MIGRATIONS) == set(range(SCHEMA_VERSION)), "every older schema needs a migration step"
