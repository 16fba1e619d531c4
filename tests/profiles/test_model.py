"""Profile: round trip through the file format, lenient reading, and the validated ProbePlan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from core.errors import InputError
from core.model import AuthMethod, CredentialKind, SecurityMode, Timeouts
from core.oauth.settings import OAuthFlow
from core.profiles.model import (
    Profile,
    ProfileOAuth,
    SecretKind,
    SecretRef,
    validate_profile_name,
)


def full_profile(tmp_path: Path) -> Profile:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    return Profile(
        "Acme — 3rd floor MFP",
        host="SMTP.Office365.com",
        port=587,
        security=SecurityMode.STARTTLS,
        auth=AuthMethod.LOGIN,
        username="scan@acme.test",
        credential_kind=CredentialKind.APP_PASSWORD,
        mail_from="scan@acme.test",
        rcpt_to=("it@acme.test", "boss@acme.test"),
        header_from="reception@acme.test",
        helo="MFP-3F",
        tls_verify=False,
        ca_file=str(ca),
        tls_min="1.2",
        tls_max="1.3",
        timeout=12.5,
        attachment_bytes=2_000_000,
        remember_secret=False,
        oauth=ProfileOAuth(flow=OAuthFlow.CLIENT_CREDENTIALS, tenant="acme.onmicrosoft.com", client_id="abc"),
        notes="Key to the server room: ask Jo",
        device_profile="legacy-mfp",
        created="2026-01-01T00:00:00+00:00",
        modified="2026-01-02T00:00:00+00:00",
    )


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    profile = full_profile(tmp_path)
    again = Profile.from_dict(profile.to_dict())
    assert again == profile
    assert again.issues == ()


def test_to_plan_validates_and_maps_every_setting(tmp_path: Path) -> None:
    plan = full_profile(tmp_path).to_plan(send=False)
    assert plan.host == "smtp.office365.com"  # cleaned by core.validate
    assert (plan.port, plan.security, plan.auth) == (587, SecurityMode.STARTTLS, AuthMethod.LOGIN)
    assert plan.username == "scan@acme.test"
    assert plan.credential_kind is CredentialKind.APP_PASSWORD
    assert plan.message.mail_from == "scan@acme.test"
    assert plan.message.rcpt_to == ("it@acme.test", "boss@acme.test")
    assert plan.message.header_from == "reception@acme.test"
    assert plan.message.attachment_bytes == 2_000_000
    assert plan.send is False
    assert plan.helo_name == "MFP-3F"
    assert (plan.tls.verify, plan.tls.min_version, plan.tls.max_version) == (False, "1.2", "1.3")
    assert plan.tls.ca_file
    assert plan.tls.ca_file.endswith("ca.pem")
    assert plan.timeouts == Timeouts.uniform(12.5)
    assert plan.profile_name == "Acme — 3rd floor MFP"
    assert plan.device_profile == "legacy-mfp"


def test_minimal_profile_plan_uses_defaults() -> None:
    plan = Profile("Bare", host="mail.example.com").to_plan()
    assert plan.timeouts == Timeouts()
    assert plan.username is None
    assert plan.helo_name is None
    assert plan.message.header_from is None
    assert plan.device_profile is None


def test_hand_edited_nonsense_gives_input_error_per_field() -> None:
    record = Profile("Edited", host="mail.example.com").to_dict()
    record.update(port="lots", security="quantum", auth=["x"], tls={"verify": "maybe", "min": "9.9"}, timeout=-4)
    record["oauth"] = "device"  # a group turned into text
    profile = Profile.from_dict(record)  # reading never raises
    fields = {issue.field for issue in profile.issues}
    assert fields == {"port", "security", "auth", "tls.verify", "tls.min", "timeout", "oauth"}
    assert profile.port == 587
    assert profile.security is SecurityMode.STARTTLS
    problems = profile.problems()
    assert [p.field for p in problems][:3] == ["port", "security", "auth"]
    assert all(isinstance(p, InputError) and p.message for p in problems)
    assert "'lots'" in problems[0].message
    assert "port" in problems[0].message
    with pytest.raises(InputError) as raised:
        profile.to_plan()
    assert raised.value.field == "port"


def test_invalid_values_set_in_code_are_reported_too(tmp_path: Path) -> None:
    profile = Profile(
        "X",
        host="smtp://mail.example.com",
        rcpt_to=("not an address",),
        tls_min="1.3",
        tls_max="1.2",
        ca_file=str(tmp_path / "missing.pem"),
    )
    fields = [p.field for p in profile.problems()]
    assert fields == ["host", "rcpt_to", "tls_min"]
    assert "smtp://" in profile.problems()[0].message


def test_ca_file_must_exist(tmp_path: Path) -> None:
    problems = Profile("X", host="h.example", ca_file=str(tmp_path / "nope.pem")).problems()
    assert [(p.field, "does not exist" in p.message) for p in problems] == [("ca_file", True)]


def test_oauth_profile_needs_client_and_tenant() -> None:
    profile = Profile("O", host="smtp.office365.com", credential_kind=CredentialKind.OAUTH_DELEGATED)
    assert [p.field for p in profile.problems()] == ["oauth.client_id"]
    fixed = replace(profile, oauth=ProfileOAuth(client_id="c", tenant="t.example"))
    assert fixed.problems() == ()


def test_recipients_may_be_a_comma_separated_string() -> None:
    record = Profile("R", host="h.example").to_dict()
    record["rcpt_to"] = "a@x.test, b@x.test"
    assert Profile.from_dict(record).rcpt_to == ("a@x.test", "b@x.test")


def test_missing_id_gets_a_fresh_one_and_ids_are_unique() -> None:
    first, second = Profile("A"), Profile("B")
    assert first.id != second.id
    assert len(first.id) == 32
    record = first.to_dict()
    del record["id"]
    assert Profile.from_dict(record).id


@pytest.mark.parametrize(
    ("kind", "oauth", "expected"),
    [
        (CredentialKind.NONE, ProfileOAuth(), ()),
        (CredentialKind.PASSWORD, ProfileOAuth(), (SecretKind.PASSWORD,)),
        (CredentialKind.API_KEY, ProfileOAuth(), (SecretKind.PASSWORD,)),
        (CredentialKind.OAUTH_DELEGATED, ProfileOAuth(), (SecretKind.TOKEN_CACHE,)),
        (CredentialKind.OAUTH_APP_ONLY, ProfileOAuth(), (SecretKind.CLIENT_SECRET, SecretKind.TOKEN_CACHE)),
        (CredentialKind.OAUTH_APP_ONLY, ProfileOAuth(certificate_path="c.pem"), (SecretKind.TOKEN_CACHE,)),
    ],
)
def test_secret_kinds_follow_the_credential(
    kind: CredentialKind, oauth: ProfileOAuth, expected: tuple[SecretKind, ...]
) -> None:
    assert Profile("S", credential_kind=kind, oauth=oauth).secret_kinds() == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "Give the profile a name"), ("a\nb", "line breaks"), ("x" * 81, "too long")],
)
def test_bad_names_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment) as raised:
        validate_profile_name(text)
    assert raised.value.field == "name"


def test_secret_ref_refuses_ids_that_would_break_keys() -> None:
    for bad in ("", "a:b", "a\nb"):
        with pytest.raises(ValueError, match="profile id"):
            SecretRef(bad, SecretKind.PASSWORD)
