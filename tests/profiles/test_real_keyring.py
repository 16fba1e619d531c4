"""Profiles against the real Secret Service: gnome-keyring on a private D-Bus session, as CI runs it.

Each scenario runs in a subprocess under its own ``dbus-run-session`` with a throwaway HOME
(tests/helpers/secret_service.py), so the user's keyring is never touched and every file the run
wrote (the profile file, its backup, gnome-keyring's own keyring files) can be searched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.secret import secret_forms
from tests.helpers.secret_service import run_in_private_secret_service

SCENARIO = Path(__file__).with_name("_realkeyring_scenario.py")
PAYLOAD = {
    "password": "Real-Keyring-Pw-8086",
    "client_secret": "Rk~client.secret-4242",
    "token_cache": '{"RefreshToken": "' + "real-rt-" * 1200 + '"}',  # about 19 kB in UTF-16: chunked
}


def files_with_secrets(root: Path) -> list[str]:
    needles = [form.encode() for value in PAYLOAD.values() for form in secret_forms(value)]
    needles += [form.encode() for form in secret_forms("real-rt-" * 4)]
    return [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*"))
        if path.is_file() and any(needle in path.read_bytes() for needle in needles)
    ]


@pytest.mark.realkeyring
@pytest.mark.timeout(120)
def test_save_reload_rename_delete_with_secrets_only_in_the_keyring(tmp_path: Path) -> None:
    home = tmp_path / "home"
    facts = run_in_private_secret_service(SCENARIO, {"mode": "lifecycle", **PAYLOAD}, home=home)

    assert facts["keyring_available"] is True
    assert facts["problem"] is None
    assert facts["backend"] == "Secret Service (GNOME Keyring / KWallet)"
    assert facts["names_after_reload"] == ["Acme MFP", "Contoso app-only"]
    assert facts["password_after_reload"]
    assert facts["cache_after_reload"]
    assert facts["client_secret_after_reload"]
    assert facts["same_id_after_rename"]
    assert facts["password_after_rename"]
    # Read back with secretstorage directly: the secrets are in the keyring...
    assert facts["password_in_keyring"]
    assert facts["client_secret_in_keyring"]
    assert any(key.endswith(":token_cache:manifest") for key in facts["keyring_keys"])
    assert facts["largest_item_utf16_bytes"] <= 2560  # chunks would fit Windows Credential Manager too
    # ...and in no file, not even gnome-keyring's own (encrypted) one, while they were stored.
    assert "login.keyring" in facts["keyring_files"]
    assert facts["files_with_secrets_while_stored"] == []
    # Deleting the profiles removed every keyring item, chunks included.
    assert facts["items_after_delete"] == 0
    assert facts["names_after_delete"] == []

    written = {p.name for p in home.rglob("*") if p.is_file()}
    assert {"profiles.json", "profiles.json.bak", "login.keyring"} <= written
    assert files_with_secrets(home) == []


@pytest.mark.realkeyring
@pytest.mark.timeout(120)
def test_locked_keyring_is_reported_and_session_only_is_offered(tmp_path: Path) -> None:
    home = tmp_path / "home"
    created = run_in_private_secret_service(SCENARIO, {"mode": "create", **PAYLOAD}, home=home)
    assert created == {"keyring_available": True, "items": 1}
    facts = run_in_private_secret_service(
        SCENARIO, {"mode": "locked", **PAYLOAD}, home=home, unlock_password="not-the-password"
    )
    assert facts["keyring_available"] is False
    assert facts["can_remember"] is False
    assert "The keyring is locked" in facts["problem"]
    assert "session only" in facts["problem"]
    assert facts["backend"].startswith("This session only")
    assert facts["refused_without_consent"] == "SecretStoreError"
    assert PAYLOAD["password"] not in facts["refusal_message"]
    assert facts["session_secret_usable"] is True
    assert facts["secret_location"].startswith("This session only")
    assert files_with_secrets(home) == []
