"""Export and import of profiles: no secrets, no ids, renames on clashes, clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.model import CredentialKind, SecurityMode
from core.profiles.errors import ImportFileError, SaveError
from core.profiles.exchange import EXPORT_FORMAT, export_profiles, import_profiles, read_export
from core.profiles.model import SCHEMA_VERSION, Profile, SecretKind
from core.profiles.service import ProfileService
from core.profiles.store import ProfileStore
from core.secret import Secret


def test_export_holds_settings_only(service: ProfileService, tmp_path: Path) -> None:
    service.save(Profile("Acme", host="smtp.acme.test", username="u@acme.test"), {SecretKind.PASSWORD: Secret("Pw-1")})
    service.save(Profile("Beta", host="smtp.beta.test"))
    path = service.export(["acme", "Beta"], tmp_path / "share.json")
    document = json.loads(path.read_text())
    assert document["format"] == EXPORT_FORMAT
    assert document["version"] == 1
    assert document["profile_schema"] == SCHEMA_VERSION
    assert "never exported" in document["note"]
    assert [p["name"] for p in document["profiles"]] == ["Acme", "Beta"]
    assert all("id" not in p and "created" not in p for p in document["profiles"])
    assert "Pw-1" not in path.read_text()


def test_import_into_another_store_renames_on_clash(tmp_path: Path) -> None:
    source = ProfileStore(tmp_path / "a" / "profiles.json")
    original = source.save(
        Profile("Acme", host="smtp.acme.test", port=465, security=SecurityMode.TLS, notes="3rd floor")
    )
    source.save(Profile("Beta", host="smtp.beta.test"))
    path = export_profiles(source.list(), tmp_path / "share.json")

    target = ProfileStore(tmp_path / "b" / "profiles.json")
    target.save(Profile("ACME", host="other.test"))
    result = import_profiles(path, target)
    assert [p.name for p in result.imported] == ["Acme (imported)", "Beta"]
    assert result.renamed == (("Acme", "Acme (imported)"),)
    imported = target.get("Acme (imported)")
    assert imported.id != original.id  # never shares keyring entries with the exporter's copy
    assert (imported.port, imported.security, imported.notes) == (465, SecurityMode.TLS, "3rd floor")
    again = import_profiles(path, target)
    assert [p.name for p in again.imported] == ["Acme (imported 2)", "Beta (imported)"]
    assert len(ProfileStore(target.path)) == 5


def test_import_of_an_older_profile_schema_is_migrated_and_secrets_ignored(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    record = {"name": "Legacy", "host": "mail.example.test", "credential": "app_password", "password": "Pw-Old"}
    document = {"format": EXPORT_FORMAT, "version": 1, "profile_schema": 1, "profiles": [record]}
    path.write_text(json.dumps(document))
    store = ProfileStore(tmp_path / "s" / "profiles.json")
    result = import_profiles(path, store)
    assert store.get("Legacy").credential_kind is CredentialKind.APP_PASSWORD
    assert result.notes
    assert "never imported" in result.notes[0]
    assert "Pw-Old" not in store.path.read_text()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "not valid JSON"),
        (b"\x89PNG\r\n", "not valid JSON"),
        (b'{"schema_version": 2, "profiles": []}', "is not an SMTP Doctor profile export"),
        (b'{"format": "smtp-doctor-profiles"}', "without a valid version"),
        (b'{"format": "smtp-doctor-profiles", "version": 9, "profile_schema": 2}', "newer SMTP Doctor"),
        (b'{"format": "smtp-doctor-profiles", "version": 1, "profile_schema": 2, "profiles": 3}', "damaged"),
    ],
)
def test_bad_import_files_give_a_clear_message(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    store = ProfileStore(tmp_path / "s" / "profiles.json")
    with pytest.raises(ImportFileError, match=fragment) as raised:
        import_profiles(path, store)
    assert str(path) in raised.value.message
    assert not store.path.exists()


def test_missing_import_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot be read"):
        read_export(tmp_path / "nope.json")


def test_export_to_an_impossible_place_is_a_save_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SaveError, match="could not be exported"):
        export_profiles([Profile("A")], blocker / "share.json")
