"""The rules generalise: other suffixes, wording, case and providers; unknown replies stay unspecified."""

from __future__ import annotations

import pytest

from core.diagnosis.engine import diagnose
from core.diagnosis.explain import explain_text
from core.diagnosis.finding import primary
from core.model import CredentialKind
from core.probe.phases import Phase
from tests.diagnosis.builders import NOW, make_result

M365 = "smtp.office365.com"

# (phase, reply, host, expected code)
VARIANTS = [
    (
        Phase.AUTH,
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
        "Visit https://aka.ms/smtp_auth_disabled for more information. [AM6P193CA0101.EURP193.PROD.OUTLOOK.COM "
        "2025-02-03T10:00:00.000Z 08DD1234ABCD]",
        M365,
        "smtp_auth_disabled_tenant",
    ),
    (
        Phase.AUTH,
        "535 5.7.139 AUTHENTICATION UNSUCCESSFUL, SMTPCLIENTAUTHENTICATION IS DISABLED FOR THE TENANT.",
        M365,
        "smtp_auth_disabled_tenant",
    ),
    (
        Phase.AUTH,
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. "
        "[[LO2P265CA0001.GBRP265.PROD.OUTLOOK.COM]]",
        M365,
        "smtp_auth_disabled_mailbox",
    ),
    (
        Phase.AUTH,
        "535 5.7.139 Authentication unsuccessful, user is locked by your organization\u2019s security defaults "
        "policy. Contact your administrator. [DB9PR01CA0001.eurprd01.prod.exchangelabs.com]",
        M365,
        "security_defaults_or_conditional_access",
    ),
    (
        Phase.AUTH,
        "535 5.7.139 Authentication unsuccessful, Basic authentication is disabled. (x)",
        M365,
        "basic_auth_disabled",
    ),
    (
        Phase.AUTH,
        "550 5.7.30 Basic authentication is not supported for Client Submission.",
        M365,
        "basic_auth_disabled",
    ),
    (
        Phase.MAIL_FROM,
        "530 5.7.57 Client was not authenticated to send anonymous mail during MAIL FROM "
        "[PR3P191CA0001.EURP191.PROD.OUTLOOK.COM 2025-01-01T00:00:00.000Z 08DD]",
        M365,
        "not_authenticated",
    ),
    (
        Phase.AUTH,
        "535 5.7.3 Authentication unsuccessful [BN9PR03CA0001.namprd03.prod.outlook.com 2025-06-01T10:11:12Z 1]",
        M365,
        "auth_rejected_unspecified",
    ),
    (Phase.AUTH, "535 Authentication credentials invalid", "email-smtp.eu-west-1.amazonaws.com", "bad_credentials"),
    (Phase.AUTH, "535 Incorrect authentication data", "mail.example.net", "bad_credentials"),
    (
        Phase.AUTH,
        "535 5.7.8 Error: authentication failed: authentication failure",
        "mail.example.net",
        "bad_credentials",
    ),
    (
        Phase.AUTH,
        "535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  "
        "https://support.google.com/mail/?p=BadCredentials 2adb3069b0e04-12345 - gsmtp",
        "smtp.gmail.com",
        "bad_credentials",
    ),
    (
        Phase.AUTH,
        "534-5.7.9 Application-specific password required. For more information, go to\n534 5.7.9 "
        "https://support.google.com/mail/?p=InvalidSecondFactor abc - gsmtp",
        "smtp.gmail.com",
        "mfa_app_password_required",
    ),
    (Phase.AUTH, "535 5.7.0 (#AUTH005) Too many bad auth attempts.", "smtp.mail.yahoo.com", "rate_limited"),
    (
        Phase.DATA,
        "550 5.4.5 Daily user sending limit exceeded. For more information, go to https://support.google.com/"
        "a/answer/166852 - gsmtp",
        "smtp.gmail.com",
        "quota_exceeded",
    ),
    (
        Phase.DATA,
        "554 Message rejected: Email address is not verified. The following identities failed the check in "
        "region EU-WEST-1: scanner@contoso.com",
        "email-smtp.eu-west-1.amazonaws.com",
        "sender_not_verified",
    ),
    (
        Phase.MAIL_FROM,
        "553 5.7.1 <boss@contoso.com>: Sender address rejected: not owned by user scanner@contoso.com",
        "mail.example.net",
        "send_as_denied",
    ),
    (
        Phase.MAIL_FROM,
        "451 5.7.3 STARTTLS is required to send mail [SG2PR04CA0205.apcprd04.prod.outlook.com]",
        M365,
        "tls_required_before_auth",
    ),
    (
        Phase.RCPT_TO,
        "550 5.7.606 Access denied, banned sending IP [203.0.113.5].",
        "contoso-com.mail.protection.outlook.com",
        "sender_ip_or_tenant_blocked",
    ),
    (
        Phase.RCPT_TO,
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        M365,
        "recipient_rejected",
    ),
    (
        Phase.EHLO,
        "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2.",
        M365,
        "tls_version_too_old",
    ),
    (
        Phase.DATA,
        "4.3.111 Temporary server error. Please try again later MRH2 "
        "[Hostname=AM0PR01MB0001.eurprd01.prod.outlook.com]",
        M365,
        "transient_server_error",
    ),
]


@pytest.mark.parametrize(
    ("phase", "reply", "host", "expected"), VARIANTS, ids=[v[3] + str(i) for i, v in enumerate(VARIANTS)]
)
def test_variants_reach_the_same_cause(phase: Phase, reply: str, host: str, expected: str) -> None:
    result = make_result(fail_phase=phase, reply=reply, host=host)
    first = primary(diagnose(result, now=NOW))
    assert first is not None
    assert first.code == expected, first.rule_id


# Replies that do not say why: no specific cause may be claimed.
UNKNOWN = [
    (Phase.AUTH, "535 5.7.0 Authentication rejected"),
    (Phase.AUTH, "535 Error"),
    (Phase.AUTH, "550 5.7.1 Access denied"),
    (Phase.MAIL_FROM, "550 5.0.0 Requested action not taken"),
    (Phase.RCPT_TO, "554 5.7.1 Command rejected for policy reasons"),
    (Phase.MAIL_FROM, "553 Sorry"),
]
HONEST = {"auth_rejected_unspecified", "reply_rejected_unspecified", "message_rejected", "transient_server_error"}


@pytest.mark.parametrize(("phase", "reply"), UNKNOWN)
def test_unknown_replies_get_no_specific_cause(phase: Phase, reply: str) -> None:
    first = primary(diagnose(make_result(fail_phase=phase, reply=reply), now=NOW))
    assert first is not None
    assert first.code in HONEST


@pytest.mark.parametrize(("phase", "reply"), UNKNOWN)
def test_unknown_replies_pasted_get_no_specific_cause(phase: Phase, reply: str) -> None:
    first = primary(explain_text(reply, now=NOW))
    assert first is not None
    assert first.code in HONEST


def test_same_enhanced_code_means_different_things_in_context() -> None:
    starttls = make_result(fail_phase=Phase.MAIL_FROM, reply="451 5.7.3 STARTTLS is required to send mail", host=M365)
    login = make_result(fail_phase=Phase.AUTH, reply="535 5.7.3 Authentication unsuccessful", host=M365)
    oauth = make_result(
        fail_phase=Phase.AUTH,
        reply="535 5.7.3 Authentication unsuccessful",
        host=M365,
        credential=CredentialKind.OAUTH_DELEGATED,
        mechanism="XOAUTH2",
        offered=("LOGIN", "XOAUTH2"),
    )
    codes = [primary(diagnose(r, now=NOW)).code for r in (starttls, login, oauth)]  # type: ignore[union-attr]
    assert codes == ["tls_required_before_auth", "auth_rejected_unspecified", "oauth_token_invalid_or_expired"]


def test_embedded_error_wins_over_the_outer_reply() -> None:
    reply = (
        "530 5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 Authentication unsuccessful, "
        "SmtpClientAuthentication is disabled for the Mailbox."
    )
    first = primary(diagnose(make_result(fail_phase=Phase.MAIL_FROM, reply=reply, host=M365), now=NOW))
    assert first is not None
    assert first.code == "smtp_auth_disabled_mailbox"


def test_unspecified_lists_microsoft_checks_with_the_users_address() -> None:
    result = make_result(
        fail_phase=Phase.AUTH, reply="535 5.7.3 Authentication unsuccessful", host=M365, username="printer@fabrikam.com"
    )
    first = primary(diagnose(result, now=NOW))
    assert first is not None
    assert len(first.fix) >= 5
    assert (
        'Get-CASMailbox -Identity "printer@fabrikam.com" | Format-List SmtpClientAuthenticationDisabled'
        in first.commands
    )
    assert any("Security Defaults" in step for step in first.fix)
    assert any("Conditional Access" in step for step in first.fix)


def test_unsafe_usernames_never_reach_a_command() -> None:
    result = make_result(
        fail_phase=Phase.AUTH,
        host=M365,
        username='x"; Remove-Mailbox -Identity *; "',
        reply="535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.",
    )
    first = primary(diagnose(result, now=NOW))
    assert first is not None
    assert all("Remove-Mailbox" not in c for c in first.commands)
    assert any("<mailbox@yourdomain.com>" in c for c in first.commands)
