"""Token-endpoint errors (AADSTS) and token claims tell OAuth causes apart; clock skew is noticed."""

from __future__ import annotations

import pytest

from core.diagnosis.aadsts import AADSTS, aadsts_numbers, classify_token_error
from core.diagnosis.codes import CODES
from core.diagnosis.engine import diagnose
from core.diagnosis.explain import explain_text
from core.diagnosis.finding import primary
from core.model import CredentialKind
from core.probe.phases import Phase
from tests.diagnosis.builders import NOW, make_result, token_result

CASES = [
    (65001, "oauth_consent_required"),
    (7000218, "oauth_app_registration_misconfigured"),
    (700016, "oauth_app_registration_misconfigured"),
    (50020, "oauth_app_registration_misconfigured"),
    (90002, "oauth_app_registration_misconfigured"),
    (7000222, "oauth_app_registration_misconfigured"),
    (7000215, "oauth_app_registration_misconfigured"),
    (53003, "oauth_blocked_by_conditional_access"),
    (70011, "oauth_wrong_scope_or_audience"),
    (1002012, "oauth_wrong_scope_or_audience"),
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_aadsts_codes_map_to_oauth_codes(number: int, expected: str) -> None:
    error = {
        "error": "invalid_request",
        "description": f"AADSTS{number}: text",
        "aadsts": [number],
        "correlation_id": "0c6a34f9-1111-2222-3333-444455556666",
    }
    first = primary(diagnose(token_result(error), now=NOW))
    assert first is not None
    assert first.code == expected
    assert "0c6a34f9-1111-2222-3333-444455556666" in first.explanation


def test_every_aadsts_entry_names_a_documented_code() -> None:
    assert all(cause.code in CODES and cause.cause and cause.fix for cause in AADSTS.values())


def test_unknown_aadsts_shows_the_providers_code_and_text() -> None:
    error = {"error": "server_error", "description": "AADSTS123456: Something new happened.", "aadsts": [123456]}
    first = primary(diagnose(token_result(error), now=NOW))
    assert first is not None
    assert first.code == "oauth_token_fetch_failed"
    assert "AADSTS123456" in first.explanation
    assert "Something new happened" in first.explanation


def test_token_fetch_without_error_details_is_a_fetch_failure() -> None:
    first = primary(diagnose(token_result(None, message="could not reach login.microsoftonline.com"), now=NOW))
    assert first is not None
    assert first.code == "oauth_token_fetch_failed"


def test_aadsts_numbers_are_read_from_prose() -> None:
    assert aadsts_numbers("AADSTS50020: x. Also AADSTS50020 and aadsts700016") == [50020, 700016]
    assert classify_token_error({"description": "Device code flow blocked by Conditional Access policy"}) is not None


def test_explain_reads_a_pasted_aadsts_error() -> None:
    text = (
        "AADSTS65001: The user or administrator has not consented to use the application with ID "
        "'abc' named 'Scanner'. Trace ID: 1 Correlation ID: 0c6a34f9-1111-2222-3333-444455556666"
    )
    first = primary(explain_text(text, now=NOW))
    assert first is not None
    assert first.code == "oauth_consent_required"


def _rejected(claims: dict[str, object], **kw: object) -> str:
    options: dict[str, object] = {
        "credential": CredentialKind.OAUTH_DELEGATED,
        "mechanism": "XOAUTH2",
        "host": "smtp.office365.com",
        "offered": ("LOGIN", "XOAUTH2"),
        "username": "scanner@contoso.com",
    }
    options.update(kw)
    result = make_result(fail_phase=Phase.AUTH, reply="535 5.7.3 Authentication unsuccessful", claims=claims, **options)  # type: ignore[arg-type]
    first = primary(diagnose(result, now=NOW))
    assert first is not None
    return first.code


GOOD = {
    "aud": "https://outlook.office.com",
    "scp": "SMTP.Send offline_access",
    "upn": "scanner@contoso.com",
    "exp": NOW.timestamp() + 3000,
    "iat": NOW.timestamp() - 600,
}


def test_expired_token_is_named() -> None:
    assert _rejected({**GOOD, "exp": NOW.timestamp() - 60}) == "oauth_token_invalid_or_expired"


@pytest.mark.parametrize("aud", ["https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"])
def test_wrong_audience_is_named(aud: str) -> None:
    assert _rejected({**GOOD, "aud": aud}) == "oauth_wrong_scope_or_audience"


def test_exchange_audience_with_trailing_slash_is_fine() -> None:
    assert _rejected({**GOOD, "aud": "https://outlook.office365.com/"}) == "auth_rejected_unspecified"


def test_missing_smtp_send_scope_is_named() -> None:
    assert _rejected({**GOOD, "scp": "IMAP.AccessAsUser.All"}) == "oauth_wrong_scope_or_audience"


def test_user_mismatch_is_named_case_insensitively() -> None:
    assert _rejected({**GOOD, "preferred_username": "Scanner@Contoso.com", "upn": None}) == "auth_rejected_unspecified"
    assert _rejected({**GOOD, "upn": "admin@contoso.com"}) == "oauth_token_user_mismatch"


def test_app_only_without_role_then_with_role() -> None:
    app = {"credential": CredentialKind.OAUTH_APP_ONLY}
    base = {"aud": "https://outlook.office365.com", "exp": NOW.timestamp() + 3000}
    assert _rejected({**base, "roles": ["Mail.Send"]}, **app) == "oauth_app_registration_misconfigured"
    assert _rejected({**base, "roles": ["SMTP.SendAsApp"]}, **app) == "oauth_mailbox_permission_missing"


def test_mailbox_permission_steps_carry_the_exchange_commands() -> None:
    result = make_result(
        fail_phase=Phase.AUTH,
        reply="535 5.7.3 Authentication unsuccessful",
        credential=CredentialKind.OAUTH_APP_ONLY,
        mechanism="XOAUTH2",
        host="smtp.office365.com",
        offered=("LOGIN", "XOAUTH2"),
        username="scans@contoso.com",
        claims={"aud": "https://outlook.office365.com", "roles": ["SMTP.SendAsApp"]},
    )
    first = primary(diagnose(result, now=NOW))
    assert first is not None
    assert any(c.startswith("New-ServicePrincipal") for c in first.commands)
    assert any('Add-MailboxPermission -Identity "scans@contoso.com"' in c for c in first.commands)


def test_token_from_the_future_adds_clock_skew_but_not_as_the_cause() -> None:
    result = make_result(
        fail_phase=Phase.AUTH,
        reply="535 5.7.3 Authentication unsuccessful",
        credential=CredentialKind.OAUTH_DELEGATED,
        mechanism="XOAUTH2",
        host="smtp.office365.com",
        offered=("LOGIN", "XOAUTH2"),
        claims={**GOOD, "iat": NOW.timestamp() + 3600, "nbf": NOW.timestamp() + 3600},
    )
    findings = diagnose(result, now=NOW)
    assert findings[0].code != "clock_skew"
    skew = [f for f in findings if f.code == "clock_skew"]
    assert skew
    assert "60 minutes" in skew[0].explanation


def test_greeting_clock_difference_is_reported() -> None:
    result = make_result(
        greeting="220 BN1PR.outlook.office365.com Microsoft ESMTP MAIL Service ready at Sun, 1 Mar 2026 14:30:00 +0000"
    )
    skew = [f for f in diagnose(result, now=NOW) if f.code == "clock_skew"]
    assert skew
    assert "2.5 hours" in skew[0].explanation
    in_sync = make_result(greeting="220 mx ESMTP ready at Sun, 1 Mar 2026 12:01:00 +0000")
    assert not [f for f in diagnose(in_sync, now=NOW) if f.code == "clock_skew"]


def test_google_xoauth2_challenge_is_read() -> None:
    challenge: dict[str, object] = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
    result = make_result(
        fail_phase=Phase.AUTH,
        reply="535-5.7.8 Username and Password not accepted.\n535 5.7.8 x - gsmtp",
        host="smtp.gmail.com",
        credential=CredentialKind.OAUTH_DELEGATED,
        mechanism="XOAUTH2",
        offered=("LOGIN", "PLAIN", "XOAUTH2"),
        xoauth2_error=challenge,
    )
    first = primary(diagnose(result, now=NOW))
    assert first is not None
    assert first.code == "oauth_token_invalid_or_expired"
    assert "status 401" in first.explanation
    assert "https://mail.google.com/" in first.explanation
