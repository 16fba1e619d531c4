"""``smtp-doctor probe --profile NAME``: the saved settings and the keyring's password, nothing typed."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest

from core.cli.main import main
from core.profiles.model import Profile, SecretKind
from core.profiles.service import ProfileService
from core.secret import Secret, secret_forms
from tests.cli.conftest import PASSWORD, USER, Submission


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_DOCTOR_CONFIG_DIR", str(tmp_path))
    return tmp_path


def _save_profile(config_dir: Path, port: int, ca_file: str, *, remember: bool = True) -> None:
    service = ProfileService.open(config_dir)
    profile = Profile(
        name="Contoso MFP 3rd floor",
        host="127.0.0.1",
        port=port,
        username=USER,
        mail_from=USER,
        rcpt_to=("desk@example.test",),
        ca_file=ca_file,
        remember_secret=remember,
    )
    service.save(profile, {SecretKind.PASSWORD: Secret(PASSWORD)} if remember else None)


@pytest.mark.network
def test_profile_probe_uses_the_keyring_password(
    submission_server: Submission, ca_file: str, config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _save_profile(config_dir, submission_server.port, ca_file)
    assert any(v == PASSWORD for v in keyring.get_keyring().store.values())  # type: ignore[attr-defined]
    rc = main(["probe", "--profile", "contoso mfp 3rd floor", "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    data = json.loads(out.out)
    assert data["authenticated"] is True
    assert data["settings"]["profile"] == "Contoso MFP 3rd floor"
    assert len(submission_server.handler.messages) == 1
    written = b"".join(p.read_bytes() for p in config_dir.rglob("*") if p.is_file()).decode(errors="replace")
    for form in secret_forms(PASSWORD):
        assert form not in out.out + out.err + written


def test_unknown_profile_is_a_usage_error(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--profile", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "nope" in err[0]


def test_profile_without_a_saved_password_says_how_to_give_one(
    config_dir: Path, ca_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _save_profile(config_dir, 2525, ca_file, remember=False)
    assert main(["probe", "--profile", "Contoso MFP 3rd floor"]) == 2
    assert "--password-env" in capsys.readouterr().err
