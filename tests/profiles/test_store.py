"""ProfileStore: CRUD, names, atomic saves with backup, migrations, damaged and read-only files."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from core.errors import InputError
from core.profiles.errors import ProfileNotFound, ReadOnlyStoreError, SaveError
from core.profiles.model import SCHEMA_VERSION, Profile
from core.profiles.paths import config_dir
from core.profiles.store import ProfileStore


def make(name: str, **fields: object) -> Profile:
    return Profile(name, host=f"{name.split()[0].lower()}.example.test", **fields)  # type: ignore[arg-type]


def test_default_location_follows_the_environment_override(config_dir: Path) -> None:
    assert ProfileStore().path == config_dir / "profiles.json"


def test_default_location_is_the_platform_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("SMTP_DOCTOR_CONFIG_DIR", raising=False)
    assert config_dir() == Path(platformdirs.user_config_dir("smtp-doctor", appauthor=False))


def test_first_start_is_empty_and_writes_nothing(store: ProfileStore) -> None:
    assert store.list() == []
    assert store.load_warning is None
    assert not store.path.parent.exists()


def test_save_get_list_and_reload(store: ProfileStore) -> None:
    saved = store.save(make("Zeta Corp"))
    store.save(make("acme MFP"))
    assert saved.created
    assert saved.modified
    assert store.names() == ["acme MFP", "Zeta Corp"]  # case-insensitive order
    assert store.get("ZETA corp").id == saved.id
    again = ProfileStore(store.path)
    assert again.names() == ["acme MFP", "Zeta Corp"]
    assert again.get("Zeta Corp") == saved
    assert again.load_warning is None


def test_file_is_versioned_private_and_mirrored_in_the_backup(store: ProfileStore) -> None:
    store.save(make("Acme"))
    document = json.loads(store.path.read_text())
    assert document["schema_version"] == SCHEMA_VERSION
    assert [p["name"] for p in document["profiles"]] == ["Acme"]
    assert store.backup_path.read_bytes() == store.path.read_bytes()
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["profiles.json", "profiles.json.bak"]
    if sys.platform != "win32":
        assert store.path.stat().st_mode & 0o077 == 0  # other users cannot read it


def test_update_keeps_created_and_moves_modified(store: ProfileStore, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(["2026-03-01T10:00:00+00:00", "2026-03-01T10:05:00+00:00"])
    monkeypatch.setattr("core.profiles.store.utc_now_text", lambda: next(clock))
    first = store.save(make("Acme", notes="v1"))
    second = store.save(replace(first, notes="v2"))
    assert second.created == first.created
    assert second.modified > first.modified
    assert len(store) == 1
    assert store.get("acme").notes == "v2"


def test_names_are_unique_regardless_of_case(store: ProfileStore) -> None:
    store.save(make("Acme MFP"))
    with pytest.raises(InputError, match="already exists") as raised:
        store.save(make("ACME mfp"))
    assert raised.value.field == "name"
    assert store.names() == ["Acme MFP"]


def test_rename_keeps_the_id_and_allows_a_change_of_case(store: ProfileStore) -> None:
    original = store.save(make("acme"))
    store.save(make("Other"))
    assert store.rename("acme", "Acme").id == original.id
    renamed = store.rename("Acme", "Acme Ltd scanner")
    assert renamed.id == original.id
    assert store.find("acme") is None
    with pytest.raises(InputError, match="already exists"):
        store.rename("Acme Ltd scanner", "other")


def test_duplicate_gets_a_new_id_and_a_free_name(store: ProfileStore) -> None:
    original = store.save(make("Acme", notes="n"))
    copy = store.duplicate("Acme")
    second = store.duplicate("acme")
    named = store.duplicate("Acme", "Acme branch")
    assert (copy.name, second.name, named.name) == ("Acme (copy)", "Acme (copy) (2)", "Acme branch")
    assert len({original.id, copy.id, second.id, named.id}) == 4
    assert copy.notes == "n"
    assert copy.host == original.host


def test_delete_and_not_found(store: ProfileStore) -> None:
    store.save(make("Acme"))
    store.save(make("Beta"))
    assert store.delete("acme").name == "Acme"
    assert ProfileStore(store.path).names() == ["Beta"]
    with pytest.raises(ProfileNotFound) as raised:
        store.get("Acme")
    assert isinstance(raised.value, InputError)
    assert raised.value.field == "profile"
    assert str(raised.value) == "No profile is named 'Acme'. Saved profiles: Beta."


def test_search_matches_every_word_in_any_field(store: ProfileStore) -> None:
    store.save(make("Acme MFP", username="scan@acme.test", notes="third floor"))
    store.save(make("Beta", rcpt_to=("desk@beta.test",)))
    store.save(make("Gamma", device_profile="legacy-mfp"))
    assert [p.name for p in store.search("acme")] == ["Acme MFP"]
    assert [p.name for p in store.search("FLOOR scan@")] == ["Acme MFP"]
    assert [p.name for p in store.search("desk@beta")] == ["Beta"]
    assert [p.name for p in store.search("mfp")] == ["Acme MFP", "Gamma"]
    assert len(store.search("")) == 3
    assert store.search("nowhere") == []


def test_save_many_is_all_or_nothing(store: ProfileStore) -> None:
    store.save(make("Acme"))
    with pytest.raises(InputError):
        store.save_many([make("New one"), make("ACME")])
    assert store.names() == ["Acme"]
    assert ProfileStore(store.path).names() == ["Acme"]


# ----- migrations ----------------------------------------------------------------------------


def test_schema_0_is_migrated_and_its_plaintext_password_removed(config_dir: Path) -> None:
    config_dir.mkdir()
    path = config_dir / "profiles.json"
    old = [
        {
            "name": "Old MFP",
            "server": "smtp.example.test",
            "port": 465,
            "encryption": "ssl",
            "user": "scan@example.test",
            "password": "Legacy-Plain-Pw-1",
            "from": "scan@example.test",
            "to": "a@example.test, b@example.test",
            "verify_tls": False,
        }
    ]
    path.write_text(json.dumps(old))
    store = ProfileStore(path)
    profile = store.get("Old MFP")
    assert (profile.host, profile.port, profile.security.value, profile.username) == (
        "smtp.example.test",
        465,
        "tls",
        "scan@example.test",
    )
    assert profile.rcpt_to == ("a@example.test", "b@example.test")
    assert profile.tls_verify is False
    assert store.load_warning
    assert "removed" in store.load_warning
    assert "keyring" in store.load_warning
    for written in (path, store.backup_path):
        text = written.read_text()
        assert "Legacy-Plain-Pw-1" not in text
        assert json.loads(text)["schema_version"] == SCHEMA_VERSION
    assert ProfileStore(path).load_warning is None  # rewritten once, quiet afterwards


def test_schema_1_is_migrated(config_dir: Path) -> None:
    config_dir.mkdir()
    path = config_dir / "profiles.json"
    record = {
        "id": "0123456789abcdef0123456789abcdef",
        "name": "Contoso",
        "host": "smtp.office365.com",
        "port": 587,
        "security": "starttls",
        "auth": "xoauth2",
        "username": "scan@contoso.test",
        "credential": "oauth_delegated",
        "rcpt_to": ["it@contoso.test"],
        "tls_verify": True,
        "ca_file": "",
        "timeout": 20,
        "remember_password": False,
        "oauth_flow": "device",
        "oauth_tenant": "contoso.onmicrosoft.com",
        "oauth_client_id": "11111111-2222-3333-4444-555555555555",
        "notes": "n",
    }
    path.write_text(json.dumps({"schema_version": 1, "profiles": [record]}))
    profile = ProfileStore(path).get("contoso")
    assert profile.id == record["id"]  # keyring entries stay attached
    assert profile.credential_kind.value == "oauth_delegated"
    assert profile.remember_secret is False
    assert profile.oauth.tenant == "contoso.onmicrosoft.com"
    assert profile.timeout == 20.0
    assert profile.issues == ()


def test_newer_schema_is_shown_but_never_overwritten(store: ProfileStore) -> None:
    store.save(make("Acme"))
    document = json.loads(store.path.read_text())
    document["schema_version"] = SCHEMA_VERSION + 1
    store.path.write_text(json.dumps(document))
    before = store.path.read_bytes()
    newer = ProfileStore(store.path)
    assert newer.names() == ["Acme"]
    assert newer.read_only_reason
    assert "newer SMTP Doctor" in newer.read_only_reason
    with pytest.raises(ReadOnlyStoreError, match="newer SMTP Doctor"):
        newer.save(make("Beta"))
    assert store.path.read_bytes() == before


# ----- damaged files ---------------------------------------------------------------------------


def corrupt_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("profiles.json.corrupt-*"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated mid-write by another tool
        lambda data: b"\x00" * 64,  # zero-filled after a power cut
        lambda data: b'{"schema_version": 2, "profiles": "oops"}',
        lambda data: b'{"profiles": []}',  # no version
        lambda data: b"\xff\xfe not utf-8",
        lambda data: b'{"schema_version": 2, "profiles": [1, 2]}',
    ],
    ids=["truncated", "zeros", "profiles-not-a-list", "no-version", "not-utf8", "entries-not-objects"],
)
def test_damaged_file_is_moved_aside_and_nothing_is_lost(store: ProfileStore, damage: object) -> None:
    for name in ("Acme", "Beta", "Gamma"):
        store.save(make(name))
    damaged = damage(store.path.read_bytes())  # type: ignore[operator]
    store.path.write_bytes(damaged)
    reopened = ProfileStore(store.path)
    assert reopened.names() == ["Acme", "Beta", "Gamma"]  # restored from the backup
    (aside,) = corrupt_files(store.path.parent)
    assert aside.read_bytes() == damaged  # kept for inspection, byte for byte
    assert reopened.load_warning is not None
    assert str(aside) in reopened.load_warning
    assert "restored from the backup" in reopened.load_warning
    assert ProfileStore(store.path).load_warning is None  # the good file is back in place


def test_damaged_file_without_backup_starts_empty_with_a_message(store: ProfileStore) -> None:
    store.save(make("Acme"))
    store.backup_path.unlink()
    store.path.write_text("{ not json")
    reopened = ProfileStore(store.path)
    assert reopened.names() == []
    assert reopened.load_warning
    assert "not valid JSON" in reopened.load_warning
    assert "no saved profiles" in reopened.load_warning
    assert len(corrupt_files(store.path.parent)) == 1
    reopened.save(make("Fresh"))  # the app works on
    assert ProfileStore(store.path).names() == ["Fresh"]


def test_two_damaged_loads_keep_both_damaged_files(store: ProfileStore) -> None:
    store.save(make("Acme"))
    store.backup_path.unlink()
    store.path.write_text("first damage")
    ProfileStore(store.path)
    store.path.write_text("second damage")
    ProfileStore(store.path)
    assert sorted(p.read_text() for p in corrupt_files(store.path.parent)) == ["first damage", "second damage"]


def test_missing_file_is_restored_from_the_backup(store: ProfileStore) -> None:
    store.save(make("Acme"))
    store.path.unlink()
    reopened = ProfileStore(store.path)
    assert reopened.names() == ["Acme"]
    assert reopened.load_warning
    assert "missing" in reopened.load_warning
    assert store.path.exists()


def test_hand_edited_duplicates_are_repaired(store: ProfileStore) -> None:
    store.path.parent.mkdir(parents=True)
    same_id = "abcdef0123456789abcdef0123456789"
    records = [
        {**make("Acme").to_dict(), "id": same_id},
        {**make("ACME").to_dict(), "id": same_id},
        {**make("x").to_dict(), "id": "bad id!", "name": ""},
    ]
    store.path.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "profiles": records}))
    reopened = ProfileStore(store.path)
    assert reopened.names() == ["Acme", "ACME (2)", "Unnamed profile"]
    assert len({p.id for p in reopened.list()}) == 3
    assert reopened.get("Acme").id == same_id
    assert reopened.load_warning
    assert "Two profiles were named 'ACME'" in reopened.load_warning
    assert ProfileStore(store.path).names() == ["Acme", "ACME (2)", "Unnamed profile"]  # repair was saved


def test_unusable_values_stay_in_the_file_until_that_profile_is_saved(store: ProfileStore) -> None:
    store.path.parent.mkdir(parents=True)
    edited = {**make("Edited").to_dict(), "port": "lots", "future_setting": {"x": 1}}
    store.path.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "profiles": [edited]}))
    reopened = ProfileStore(store.path)
    assert reopened.load_warning
    assert "'Edited'" in reopened.load_warning
    assert [p.field for p in reopened.get("Edited").problems()] == ["port"]
    reopened.save(make("Other"))  # saving another profile must not rewrite this one
    kept = json.loads(store.path.read_text())["profiles"][0]
    assert kept["port"] == "lots"
    assert kept["future_setting"] == {"x": 1}
    fixed = reopened.save(replace(reopened.get("Edited"), port=2525))
    assert fixed.issues == ()
    assert ProfileStore(store.path).get("Edited").port == 2525


def test_stale_temp_files_of_killed_saves_are_cleaned(store: ProfileStore) -> None:
    store.save(make("Acme"))
    stale = store.path.parent / ".profiles.json.abc123.tmp"
    fresh = store.path.parent / ".profiles.json.def456.tmp"
    stale.write_text("half")
    fresh.write_text("being written")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    ProfileStore(store.path)
    assert not stale.exists()
    assert fresh.exists()


# ----- a folder that cannot be written ----------------------------------------------------------


@contextlib.contextmanager
def read_only_directory(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable for this process (root ignores permissions: use the immutable flag)."""
    if sys.platform != "win32" and os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(path)], check=False).returncode != 0:
            pytest.skip("running as root and 'chattr +i' is not available to make a folder read-only")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(path)], check=True)
    else:
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(0o755)


def test_read_only_folder_gives_a_clear_save_error_and_loses_nothing(store: ProfileStore) -> None:
    store.save(make("Acme"))
    before = store.path.read_bytes()
    with read_only_directory(store.path.parent):
        with pytest.raises(SaveError) as raised:
            store.save(make("Beta"))
        with pytest.raises(SaveError):
            store.delete("Acme")
    message = raised.value.message
    assert str(store.path) in message
    assert "read-only or you do not have permission" in message
    assert "SMTP_DOCTOR_CONFIG_DIR" in message
    assert "Traceback" not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    assert store.names() == ["Acme"]  # the store still matches the file
    assert store.path.read_bytes() == before
    assert [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    store.save(make("Beta"))  # works again once the folder is writable
    assert ProfileStore(store.path).names() == ["Acme", "Beta"]
