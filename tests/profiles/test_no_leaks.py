"""Profiles with known secrets go through every operation; then every file written is searched.

Neither the secrets nor their base64 forms (alone, or inside an AUTH PLAIN payload) may appear in
the config dir, exports, logs or anything else under the test's HOME. They must be in the keyring.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from core.model import CredentialKind
from core.profiles.errors import SecretStoreError
from core.profiles.keyring_store import KeyringSecretStore
from core.profiles.model import Profile, SecretKind
from core.profiles.service import ProfileService
from core.profiles.store import ProfileStore
from core.secret import Secret, secret_forms
from tests.helpers.memory_keyring import MemoryKeyring
from tests.profiles.test_keyring_store import LeakyKeyring

USER = "scan@acme.test"
SECRETS = {
    SecretKind.PASSWORD: "Leak-Check-Pw-5150",
    SecretKind.CLIENT_SECRET: "Cs8Q~leak.check-0123456789abcdef",
    SecretKind.REFRESH_TOKEN: "0.AXoA-refresh-leak-check",
    SecretKind.TOKEN_CACHE: json.dumps({"RefreshToken": {"k": {"secret": "rt-leak-" + "Q" * 7000}}}),
}


def forbidden_forms() -> set[bytes]:
    forms: set[str] = set()
    for value in SECRETS.values():
        forms |= secret_forms(value)
    # What AUTH PLAIN would send for the password.
    forms |= secret_forms(f"\0{USER}\0{SECRETS[SecretKind.PASSWORD]}")
    # A distinctive piece of the token cache is enough to spot it anywhere.
    forms |= secret_forms("rt-leak-" + "Q" * 40)
    return {form.encode() for form in forms}


@pytest.fixture
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    for variable, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.delenv("SMTP_DOCTOR_CONFIG_DIR", raising=False)  # the platform dir, under this HOME
    log_file = home / "logs" / "smtp-doctor.log"
    log_file.parent.mkdir()
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield home
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


def test_no_secret_reaches_any_file(app_home: Path, memory_keyring: MemoryKeyring) -> None:
    log = logging.getLogger("leak-test")
    service = ProfileService(ProfileStore(), KeyringSecretStore(memory_keyring))
    assert str(service.store.path).startswith(str(app_home))
    password = Profile("Acme MFP", host="smtp.acme.test", username=USER, mail_from=USER, rcpt_to=(USER,))
    password = service.save(password, {SecretKind.PASSWORD: Secret(SECRETS[SecretKind.PASSWORD])})
    oauth = Profile("Contoso", host="smtp.office365.com", username=USER, credential_kind=CredentialKind.OAUTH_APP_ONLY)
    oauth = service.save(
        oauth, {kind: Secret(value) for kind, value in SECRETS.items() if kind is not SecretKind.PASSWORD}
    )
    session_only = service.save(
        replace(password, id="f" * 32, name="Session only", remember_secret=False),
        {SecretKind.PASSWORD: Secret(SECRETS[SecretKind.PASSWORD])},
    )

    # Everything a user does with profiles, with whatever a log or report might record of it.
    service.rename("Acme MFP", "Acme scanner")
    copy = service.duplicate("Acme scanner")
    service.save(replace(copy, notes="copied"))
    exported = service.export(service.names(), app_home / "exports" / "all.smtpdoctor.json")
    service.import_file(exported)
    plan, credentials = service.plan("Acme scanner")
    (app_home / "reports").mkdir()
    (app_home / "reports" / "plan.json").write_text(json.dumps(plan.settings_dict()))
    log.info("plan %r credentials %r profile %r", plan, credentials, service.get("Contoso"))
    log.info("secrets %s %r", service.secret(oauth, SecretKind.CLIENT_SECRET), service.secret(session_only))
    try:
        KeyringSecretStore(LeakyKeyring()).set(password.secret_ref(), Secret(SECRETS[SecretKind.PASSWORD]))
    except SecretStoreError as exc:
        log.error("keyring failed: %s", exc)
    service.store.path.write_text("{ damaged")  # moved aside and restored from the backup
    reloaded = ProfileService(ProfileStore(), KeyringSecretStore(memory_keyring))
    assert reloaded.load_warning
    assert "moved to" in reloaded.load_warning
    service.delete("Acme scanner (copy)")

    # The secrets are where they belong...
    in_keyring = "\n".join(memory_keyring.store.values())
    assert SECRETS[SecretKind.PASSWORD] in in_keyring
    assert SECRETS[SecretKind.CLIENT_SECRET] in in_keyring
    assert reloaded.secret(reloaded.get("Contoso"), SecretKind.TOKEN_CACHE) == Secret(SECRETS[SecretKind.TOKEN_CACHE])
    # ...and nowhere else.
    files = [p for p in app_home.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"profiles.json", "profiles.json.bak", "all.smtpdoctor.json", "smtp-doctor.log", "plan.json"} <= names
    assert any(name.startswith("profiles.json.corrupt-") for name in names)
    assert (app_home / "logs" / "smtp-doctor.log").read_text()  # the log did record things
    needles = forbidden_forms()
    leaks = [str(p.relative_to(app_home)) for p in files if any(n in p.read_bytes() for n in needles)]
    assert leaks == []


def test_secret_forms_cover_auth_plain_payload() -> None:
    """Guard for the test above: the needle list really contains the AUTH PLAIN base64."""
    payload = base64.b64encode(f"\0{USER}\0{SECRETS[SecretKind.PASSWORD]}".encode())
    assert payload in forbidden_forms()
