"""The real-keyring scenario, run by tests/profiles/test_real_keyring.py inside a private Secret Service.

It reads {"mode": ..., "password": ..., "token_cache": ..., "client_secret": ...} on stdin and prints
one JSON line of facts (never a secret). Modes:

* ``lifecycle``: save two profiles with secrets, reload, rename, check the keyring's own items and
  the files on disk, delete, and check that the keyring is empty again;
* ``create``: save one profile with a password (to leave a keyring behind for ``locked``);
* ``locked``: open the secret store of a keyring that could not be unlocked.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from core.profiles.model import Profile, SecretKind
from core.profiles.secrets import open_secret_store
from core.profiles.service import ProfileService
from core.secret import Secret, secret_forms


def keyring_items() -> list[tuple[str, str]]:
    """(key, value) of every smtp-doctor item, read with secretstorage itself, not through our code."""
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        items = collection.search_items({"service": "smtp-doctor"})
        return [(item.get_attributes().get("username", ""), item.get_secret().decode()) for item in items]
    finally:
        connection.close()


def files_containing(root: Path, secrets: list[str]) -> list[str]:
    needles = [form.encode() for value in secrets for form in secret_forms(value)]
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                hits.append(str(path.relative_to(root)))
    return hits


def lifecycle(payload: dict[str, Any]) -> dict[str, Any]:
    home = Path(os.environ["HOME"])
    secrets = [payload["password"], payload["token_cache"], payload["client_secret"]]
    status = open_secret_store()
    facts: dict[str, Any] = {
        "backend": status.backend_name,
        "keyring_available": status.keyring_available,
        "problem": status.problem,
    }
    service = ProfileService.open()
    acme = Profile("Acme MFP", host="smtp.office365.com", username="scan@acme.test", mail_from="scan@acme.test")
    acme = service.save(acme, {SecretKind.PASSWORD: Secret(payload["password"])})
    app = Profile("Contoso app-only", host="smtp.office365.com", credential_kind=_app_only())
    app = service.save(
        app,
        {
            SecretKind.CLIENT_SECRET: Secret(payload["client_secret"]),
            SecretKind.TOKEN_CACHE: Secret(payload["token_cache"]),
        },
    )
    facts["items_after_save"] = len(keyring_items())

    reloaded = ProfileService.open()
    facts["names_after_reload"] = reloaded.names()
    facts["password_after_reload"] = _same(reloaded.secret(reloaded.get("acme mfp")), payload["password"])
    big = reloaded.get("Contoso app-only")
    facts["cache_after_reload"] = _same(reloaded.secret(big, SecretKind.TOKEN_CACHE), payload["token_cache"])
    facts["client_secret_after_reload"] = _same(
        reloaded.secret(big, SecretKind.CLIENT_SECRET), payload["client_secret"]
    )

    reloaded.rename("Acme MFP", "Acme Scanner")
    renamed = ProfileService.open()
    scanner = renamed.get("Acme Scanner")
    facts["same_id_after_rename"] = scanner.id == acme.id
    facts["password_after_rename"] = _same(renamed.secret(scanner), payload["password"])

    items = keyring_items()
    facts["keyring_keys"] = sorted(key for key, _ in items)
    facts["password_in_keyring"] = any(value == payload["password"] for _, value in items)
    facts["client_secret_in_keyring"] = any(value == payload["client_secret"] for _, value in items)
    facts["largest_item_utf16_bytes"] = max(len(value.encode("utf-16-le")) for _, value in items)
    facts["files_with_secrets_while_stored"] = files_containing(home, secrets)
    facts["keyring_files"] = sorted(p.name for p in (home / ".local/share/keyrings").glob("*"))

    renamed.delete("Acme Scanner")
    renamed.delete("Contoso app-only")
    facts["items_after_delete"] = len(keyring_items())
    facts["names_after_delete"] = ProfileService.open().names()
    return facts


def create(payload: dict[str, Any]) -> dict[str, Any]:
    service = ProfileService.open()
    service.save(
        Profile("Acme MFP", host="smtp.acme.test", username="scan@acme.test"),
        {SecretKind.PASSWORD: Secret(payload["password"])},
    )
    return {"keyring_available": service.can_remember, "items": len(keyring_items())}


def locked(payload: dict[str, Any]) -> dict[str, Any]:
    status = open_secret_store()
    service = ProfileService.open()
    facts: dict[str, Any] = {
        "keyring_available": status.keyring_available,
        "problem": status.problem,
        "backend": status.backend_name,
        "can_remember": service.can_remember,
    }
    profile = Profile("Session only", host="smtp.example.test", username="u@example.test")
    try:
        service.save(profile, {SecretKind.PASSWORD: Secret(payload["password"])})
        facts["refused_without_consent"] = False
    except Exception as exc:
        facts["refused_without_consent"] = type(exc).__name__
        facts["refusal_message"] = str(exc)
    saved = service.save(profile, {SecretKind.PASSWORD: Secret(payload["password"])}, allow_session_only=True)
    facts["session_secret_usable"] = _same(service.secret(saved), payload["password"])
    facts["secret_location"] = service.secret_location(saved)
    return facts


def _app_only() -> Any:
    from core.model import CredentialKind

    return CredentialKind.OAUTH_APP_ONLY


def _same(value: Secret | None, expected: str) -> bool:
    return value is not None and value.reveal() == expected


def main() -> None:
    payload = json.loads(sys.stdin.read())
    mode = {"lifecycle": lifecycle, "create": create, "locked": locked}[payload["mode"]]
    print(json.dumps(mode(payload)))


if __name__ == "__main__":
    main()
