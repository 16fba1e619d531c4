"""The replies the practice server sends, worded the way Microsoft 365 and Gmail word them.

Reply codes, enhanced status codes and key phrases follow the real servers' replies collected in
``shared/knowledge/provider-replies-examples.yaml``; the ``[host timestamp id]`` suffix Microsoft
appends and Google's ``<id> - gsmtp`` tail are generated per reply, so whatever reads these replies
(the diagnosis rules) must cope with changing suffixes just as it must with the real servers.

A multi-line reply is one string with ``\\r\\n`` between its lines (aiosmtpd sends it as given).
"""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, datetime

# The server name in Microsoft-style suffixes; like Exchange Online's, it is not the greeting host.
_MICROSOFT_HOST = "PR3P195CA0012.PRACTICE.PROD.OUTLOOK.TEST"


class Style(enum.Enum):
    """Whose wording an account's replies copy."""

    MICROSOFT = "microsoft"
    GMAIL = "gmail"


def microsoft_suffix() -> str:
    """``[HOST 2024-11-11T21:51:32.927Z 08DD021D9EEB05BC]``, as Exchange Online appends."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"[{_MICROSOFT_HOST} {now} {secrets.token_hex(8).upper()}]"


def gmail_tail() -> str:
    """``o13sm2119833lfg.90 - gsmtp``: Google's per-reply tracking id."""
    return f"{secrets.token_hex(4)}sm{secrets.randbelow(10**7)}lfg.{secrets.randbelow(100)} - gsmtp"


def multiline(code: int, enhanced: str, lines: list[str]) -> str:
    """A multi-line reply repeating the enhanced code on every line, as Google does."""
    head = [f"{code}-{enhanced} {line}" for line in lines[:-1]]
    return "\r\n".join([*head, f"{code} {enhanced} {lines[-1]}"])


# --- Greeting and session ---------------------------------------------------------------------

GREETING_IDENT = "ESMTP SMTP Doctor practice server ready"
STARTTLS_READY = "220 2.0.0 SMTP server ready"  # Microsoft's words; aiosmtpd says "Ready to start TLS"
STARTTLS_FIRST = "530 5.7.0 Must issue a STARTTLS command first"
UNRECOGNISED_AUTH_TYPE = "504 5.7.4 Unrecognized authentication type"
BYE = "221 2.0.0 Service closing transmission channel"


SENDER_OK = "250 2.1.0 Sender OK"
RECIPIENT_OK = "250 2.1.5 Recipient OK"


def queued() -> str:
    return f"250 2.0.0 OK <{secrets.token_hex(8)}@practice.test> Queued mail for delivery"


# --- Authentication ---------------------------------------------------------------------------


def microsoft_auth_unsuccessful() -> str:
    """The bare reply Exchange Online gives for a wrong password, a rejected token and more."""
    return f"535 5.7.3 Authentication unsuccessful {microsoft_suffix()}"


def microsoft_tenant_smtp_auth_disabled() -> str:
    return (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
        f"Visit https://aka.ms/smtp_auth_disabled for more information. {microsoft_suffix()}"
    )


def microsoft_mailbox_smtp_auth_disabled() -> str:
    return (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. "
        f"Visit https://aka.ms/smtp_auth_disabled for more information. {microsoft_suffix()}"
    )


def microsoft_basic_auth_disabled() -> str:
    return f"535 5.7.139 Authentication unsuccessful, basic authentication is disabled. {microsoft_suffix()}"


def microsoft_security_defaults() -> str:
    return (
        "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults "
        f"policy. Contact your administrator. {microsoft_suffix()}"
    )


def gmail_bad_credentials() -> str:
    return multiline(
        535,
        "5.7.8",
        [
            "Username and Password not accepted. Learn more at",
            f" https://support.google.com/mail/?p=BadCredentials {gmail_tail()}",
        ],
    )


def gmail_app_password_required() -> str:
    return multiline(
        534,
        "5.7.9",
        [
            "Application-specific password required. Learn more at",
            f" https://support.google.com/mail/?p=InvalidSecondFactor {gmail_tail()}",
        ],
    )


def gmail_web_login_required() -> str:
    return multiline(
        534,
        "5.7.9",
        [
            "Please log in with your web browser and then try again. Learn more at",
            f" https://support.google.com/mail/?p=WebLoginRequired {gmail_tail()}",
        ],
    )


def gmail_too_many_logins() -> str:
    return multiline(
        454,
        "4.7.0",
        [
            "Too many login attempts, please try again later. Learn more at",
            f" https://support.google.com/mail/answer/7126229 {gmail_tail()}",
        ],
    )


# The JSON Google sends base64-encoded in a 334 challenge when it rejects an XOAUTH2 token.
GMAIL_XOAUTH2_ERROR = '{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}'

# Exchange Online's reply to XOAUTH2 data it cannot parse (seen from its High Volume Email endpoint).
XOAUTH2_MALFORMED = "501 5.5.124 Invalid XOAUTH2 auth data"


def bad_credentials(style: Style) -> str:
    """The reply to a wrong password (or an unknown login) in the account's style."""
    return gmail_bad_credentials() if style is Style.GMAIL else microsoft_auth_unsuccessful()


# --- Envelope and message ---------------------------------------------------------------------


def microsoft_not_authenticated() -> str:
    return f"530 5.7.57 Client not authenticated to send mail. {microsoft_suffix()}"


def relay_denied(recipient: str) -> str:
    """Postfix's wording, as an internal relay answers for an outside recipient."""
    return f"554 5.7.1 <{recipient}>: Relay access denied"


def recipient_not_found(recipient: str) -> str:
    return (
        f"550 5.1.1 RESOLVER.ADR.RecipientNotFound; Recipient {recipient} not found by SMTP address lookup "
        f"{microsoft_suffix()}"
    )


def send_as_denied(login: str, sender: str) -> str:
    return (
        f"554 5.2.252 SendAsDenied; {login} not allowed to send as {sender}; "
        "STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; "
        "Failed to process message due to a permanent exception with message "
        f"[BeginDiagnosticData]Cannot submit message.[EndDiagnosticData] {microsoft_suffix()}"
    )


MESSAGE_TOO_LARGE = "552 5.3.4 Message size exceeds fixed maximum message size"


# aiosmtpd's own wording for situations it answers itself, and the realistic reply sent instead.
STOCK_REPLACEMENTS: dict[str, str] = {
    "530 Must issue a STARTTLS command first": STARTTLS_FIRST,
    "220 Ready to start TLS": STARTTLS_READY,
    "504 5.5.4 Unrecognized authentication type": UNRECOGNISED_AUTH_TYPE,
    "552 Error: Too much mail data": MESSAGE_TOO_LARGE,
    "552 Error: message size exceeds fixed maximum message size": MESSAGE_TOO_LARGE,
    "221 Bye": BYE,
}
