"""ProfileService: where secrets go (keyring or this session), and what the CLI and GUI get from it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from core.cli.profile_flags import load_profile_for_cli
from core.errors import InputError
from core.model import CredentialKind
from core.profiles.errors import ProfileNotFound, SecretStoreError
from core.profiles.keyring_store import SERVICE
from core.profiles.model import Profile, SecretKind
from core.profiles.service import ProfileService
from core.secret import Secret
from tests.helpers.memory_keyring import MemoryKeyring

PW = Secret("Correct-Horse-42")


def acme(**fields: object) -> Profile:
    return Profile(
        "Acme MFP",
        host="smtp.acme.test",
        username="scan@acme.test",
        mail_from="scan@acme.test",
        **fields,  # type: ignore[arg-type]
    )


def keyring_values(backend: MemoryKeyring) -> list[str]:
    return [value for (service, _), value in backend.store.items() if service == SERVICE]


def test_remembered_secret_goes_to_the_keyring_and_survives_a_restart(
    service: ProfileService, memory_keyring: MemoryKeyring
) -> None:
    saved = service.save(acme(), {SecretKind.PASSWORD: PW})
    assert keyring_values(memory_keyring) == [PW.reveal()]
    assert PW.reveal() not in service.store.path.read_text()
    restarted = ProfileService.open(service.store.path.parent)
    assert restarted.secret(restarted.get("acme mfp")) == PW
    assert restarted.secret_location(saved) == restarted.secret_backend_name
    assert restarted.secret_backend_name.endswith("MemoryKeyring")


def test_not_remembered_secret_stays_in_this_session(service: ProfileService, memory_keyring: MemoryKeyring) -> None:
    saved = service.save(acme(remember_secret=False), {SecretKind.PASSWORD: PW})
    assert keyring_values(memory_keyring) == []
    assert service.secret(saved) == PW
    assert service.secret_location(saved).startswith("This session only")
    assert ProfileService.open(service.store.path.parent).secret(saved) is None


def test_switching_remember_moves_the_existing_secret(service: ProfileService, memory_keyring: MemoryKeyring) -> None:
    saved = service.save(acme(), {SecretKind.PASSWORD: PW})
    forgetful = service.save(replace(saved, remember_secret=False))  # no new password typed
    assert keyring_values(memory_keyring) == []
    assert service.secret(forgetful) == PW
    service.save(replace(forgetful, remember_secret=True))
    assert keyring_values(memory_keyring) == [PW.reveal()]


def test_none_forgets_a_secret_and_missing_kinds_are_kept(
    service: ProfileService, memory_keyring: MemoryKeyring
) -> None:
    saved = service.save(acme(), {SecretKind.PASSWORD: PW, SecretKind.CLIENT_SECRET: Secret("cs")})
    service.save(saved, {SecretKind.CLIENT_SECRET: None})
    assert service.secret(saved) == PW
    assert service.secret(saved, SecretKind.CLIENT_SECRET) is None
    assert keyring_values(memory_keyring) == [PW.reveal()]


def test_rename_keeps_and_duplicate_copies_secrets(service: ProfileService) -> None:
    service.save(acme(), {SecretKind.PASSWORD: PW})
    renamed = service.rename("Acme MFP", "Acme scanner")
    assert service.secret(renamed) == PW
    copy = service.duplicate("Acme scanner")
    assert copy.name == "Acme scanner (copy)"
    assert service.secret(copy) == PW
    bare = service.duplicate("Acme scanner", "Acme bare", with_secrets=False)
    assert service.secret(bare) is None


def test_delete_removes_every_secret(service: ProfileService, memory_keyring: MemoryKeyring) -> None:
    saved = service.save(acme(), {SecretKind.PASSWORD: PW, SecretKind.TOKEN_CACHE: Secret("c" * 8000)})
    service.set_session_secret(saved, SecretKind.CLIENT_SECRET, Secret("typed"))
    service.delete("acme mfp")
    assert memory_keyring.store == {}
    assert service.names() == []
    assert service.secret(saved, SecretKind.CLIENT_SECRET) is None


def test_name_clash_is_refused_before_any_secret_is_written(
    service: ProfileService, memory_keyring: MemoryKeyring
) -> None:
    service.save(acme(), {SecretKind.PASSWORD: PW})
    with pytest.raises(InputError, match="already exists"):
        service.save(Profile("ACME mfp"), {SecretKind.PASSWORD: Secret("other")})
    assert keyring_values(memory_keyring) == [PW.reveal()]


def test_plan_and_credentials_for_the_cli(service: ProfileService) -> None:
    service.save(acme(), {SecretKind.PASSWORD: PW})
    plan, credentials = service.plan("acme mfp", send=False)
    assert plan.host == "smtp.acme.test"
    assert plan.profile_name == "Acme MFP"
    assert plan.send is False
    assert credentials.password == PW
    assert credentials.token is None
    oauth = service.save(Profile("OAuth", host="h.example", credential_kind=CredentialKind.OAUTH_DELEGATED))
    assert service.credentials(oauth).password is None


def test_token_cache_adapter_follows_the_remember_rule(service: ProfileService, memory_keyring: MemoryKeyring) -> None:
    remembered = service.save(Profile("O", credential_kind=CredentialKind.OAUTH_DELEGATED))
    cache = service.token_cache_store(remembered)
    assert cache.load() is None
    cache.save('{"RefreshToken": {"x": "' + "t" * 6000 + '"}}')
    loaded = cache.load()
    assert loaded is not None
    assert "t" * 6000 in loaded
    assert len(keyring_values(memory_keyring)) > 2  # chunked in the keyring
    cache.clear()
    assert cache.load() is None
    assert memory_keyring.store == {}
    session_only = service.save(Profile("S", remember_secret=False))
    service.token_cache_store(session_only).save("cache")
    assert memory_keyring.store == {}
    assert service.token_cache_store(session_only).load() == "cache"


# ----- no keyring ------------------------------------------------------------------------------


def test_without_a_keyring_the_user_is_told_and_asked(config_dir: Path, tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    service = ProfileService.open()
    assert not service.can_remember
    assert service.keyring_problem
    assert service.keyring_problem.startswith("No OS keyring is available (")
    assert service.secret_backend_name.startswith("This session only")
    with pytest.raises(SecretStoreError, match="No OS keyring is available") as refused:
        service.save(acme(), {SecretKind.PASSWORD: PW})
    assert PW.reveal() not in str(refused.value)
    assert not config_dir.exists()  # refused before anything was written
    saved = service.save(acme(), {SecretKind.PASSWORD: PW}, allow_session_only=True)
    assert service.secret(saved) == PW
    assert service.secret_location(saved).startswith("This session only")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(p.name for p in written) == ["profiles.json", "profiles.json.bak"]
    assert all(PW.reveal().encode() not in p.read_bytes() for p in written)
    assert ProfileService.open().secret(saved) is None  # gone with the session


# ----- CLI support -----------------------------------------------------------------------------


def test_cli_loads_plan_and_stored_password(service: ProfileService) -> None:
    service.save(acme(), {SecretKind.PASSWORD: PW})
    plan, credentials = load_profile_for_cli("ACME MFP")
    assert plan.profile_name == "Acme MFP"
    assert credentials.password == PW


def test_cli_unknown_profile_is_bad_input(service: ProfileService) -> None:
    service.save(acme())
    with pytest.raises(ProfileNotFound) as raised:
        load_profile_for_cli("nope")
    assert raised.value.field == "--profile"
    assert "Saved profiles: Acme MFP" in raised.value.message


def test_cli_missing_password_only_an_error_when_required(service: ProfileService) -> None:
    service.save(acme())
    assert load_profile_for_cli("Acme MFP")[1].password is None
    with pytest.raises(InputError, match="No password is saved for profile 'Acme MFP'") as raised:
        load_profile_for_cli("Acme MFP", require_secret=True)
    assert "--password-stdin" in raised.value.message


def test_cli_reports_unusable_profile_field(service: ProfileService) -> None:
    service.save(Profile("Broken", host="smtp://x.example"))
    with pytest.raises(InputError) as raised:
        load_profile_for_cli("Broken")
    assert raised.value.field == "host"


def test_cli_without_keyring_names_the_reason(service: ProfileService) -> None:
    service.save(acme(), {SecretKind.PASSWORD: PW})
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    with pytest.raises(InputError, match="No OS keyring is available"):
        load_profile_for_cli("Acme MFP", require_secret=True)


def test_cli_does_not_touch_the_keyring_when_nothing_is_stored(service: ProfileService) -> None:
    from tests.profiles.test_keyring_store import LockedKeyring

    service.save(Profile("No login", host="relay.example.test"))
    service.save(acme(remember_secret=False))
    keyring.set_keyring(LockedKeyring())  # type: ignore[no-untyped-call]
    assert load_profile_for_cli("No login")[1] == load_profile_for_cli("Acme MFP")[1]
    with pytest.raises(InputError, match="does not remember its password"):
        load_profile_for_cli("Acme MFP", require_secret=True)
