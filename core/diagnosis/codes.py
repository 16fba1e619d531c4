"""The public list of diagnosis codes: each code's category, one-line meaning and default severity.

This is a contract shared with the CLI's JSON, saved reports, tests and support tickets (copied
from the project's diagnosis-codes list). Keep codes stable: add new ones, never rename.
"""

from __future__ import annotations

from typing import NamedTuple

from core.diagnosis.finding import Severity


class CodeInfo(NamedTuple):
    category: str
    meaning: str
    severity: Severity


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

_CONNECTION = "connection"
_HELLO = "greeting"
_AUTH = "authentication"
_OAUTH = "oauth"
_ENVELOPE = "envelope"
_NOTE = "note"

CODES: dict[str, CodeInfo] = {
    # Connection and transport
    "dns_lookup_failed": CodeInfo(_CONNECTION, "The host name does not resolve.", _E),
    "connect_refused": CodeInfo(_CONNECTION, "Nothing listens on that port (TCP reset).", _E),
    "connect_timeout_port_blocked": CodeInfo(
        _CONNECTION, "TCP connect timed out: the port is blocked by a firewall or ISP, or the host is wrong.", _E
    ),
    "connect_failed": CodeInfo(_CONNECTION, "Another socket-level failure (network unreachable, no route).", _E),
    "not_smtp_service": CodeInfo(_CONNECTION, "Something answered, but not with an SMTP greeting.", _E),
    "greeting_rejected": CodeInfo(_CONNECTION, "The server's greeting is a refusal (4xx/5xx banner).", _E),
    "port_tls_mismatch_implicit_on_starttls_port": CodeInfo(
        _CONNECTION, "SSL/TLS from the first byte was used on a port that speaks plaintext first (25/587).", _E
    ),
    "port_tls_mismatch_starttls_on_implicit_port": CodeInfo(
        _CONNECTION, "A plaintext greeting was awaited on an implicit-TLS port (465): it never arrives.", _E
    ),
    "starttls_not_offered": CodeInfo(_CONNECTION, "STARTTLS was asked for but the server does not advertise it.", _E),
    "starttls_failed": CodeInfo(_CONNECTION, "The server refused the STARTTLS command.", _E),
    "tls_handshake_failed": CodeInfo(
        _CONNECTION, "The TLS handshake failed (old TLS stack, interception, ciphers).", _E
    ),
    "tls_version_too_old": CodeInfo(_CONNECTION, "The TLS version the client can offer is refused by the server.", _E),
    "tls_certificate_untrusted": CodeInfo(_CONNECTION, "The certificate chain does not lead to a trusted root.", _E),
    "tls_certificate_expired": CodeInfo(_CONNECTION, "The certificate is outside its validity dates.", _E),
    "tls_certificate_hostname_mismatch": CodeInfo(
        _CONNECTION, "The certificate does not name the host that was dialled.", _E
    ),
    "server_timeout": CodeInfo(_CONNECTION, "The server stopped answering in the middle of a conversation.", _E),
    "server_disconnected": CodeInfo(_CONNECTION, "The server closed the connection unexpectedly.", _E),
    "protocol_error": CodeInfo(_CONNECTION, "The server sent something that is not valid SMTP.", _E),
    # Greeting and EHLO
    "ehlo_rejected": CodeInfo(_HELLO, "The server refused or closed the session at EHLO/HELO.", _E),
    # Authentication
    "tls_required_before_auth": CodeInfo(_AUTH, "The server requires STARTTLS before AUTH or MAIL.", _E),
    "auth_not_advertised": CodeInfo(_AUTH, "The server offers no AUTH and no STARTTLS path to get it.", _E),
    "mechanism_not_supported": CodeInfo(_AUTH, "The AUTH mechanism used is not one the server offers.", _E),
    "bad_credentials": CodeInfo(_AUTH, "The username or password (or key) was rejected.", _E),
    "auth_rejected_unspecified": CodeInfo(
        _AUTH, "A login rejection whose cause cannot be told from the reply; the checks are listed.", _E
    ),
    "smtp_auth_disabled_tenant": CodeInfo(_AUTH, "Exchange Online's organisation-wide SMTP AUTH switch is off.", _E),
    "smtp_auth_disabled_mailbox": CodeInfo(_AUTH, "SMTP AUTH is disabled on this mailbox.", _E),
    "basic_auth_disabled": CodeInfo(_AUTH, "Password (Basic) SMTP AUTH is refused; OAuth2 is still possible.", _E),
    "security_defaults_or_conditional_access": CodeInfo(
        _AUTH, "Security Defaults, per-user MFA or Conditional Access blocks the password sign-in.", _E
    ),
    "federated_identity_provider_error": CodeInfo(
        _AUTH, "The federated identity provider (AD FS or similar) could not validate the password.", _E
    ),
    "mfa_app_password_required": CodeInfo(_AUTH, "The account has 2-step verification: use an app password.", _E),
    "account_verification_required": CodeInfo(
        _AUTH, "The provider wants a person to sign in on the web before SMTP works.", _E
    ),
    "account_blocked_or_restricted": CodeInfo(_AUTH, "The sender account is blocked from sending.", _E),
    "rate_limited": CodeInfo(_AUTH, "Temporary throttling: too many connections, logins or messages.", _E),
    # OAuth2 / XOAUTH2
    "oauth_token_invalid_or_expired": CodeInfo(_OAUTH, "The OAuth token was not accepted (expired or invalid).", _E),
    "oauth_wrong_scope_or_audience": CodeInfo(_OAUTH, "The token was requested for the wrong resource or scope.", _E),
    "oauth_token_user_mismatch": CodeInfo(_OAUTH, "The token belongs to a different account than user=.", _E),
    "oauth_mailbox_permission_missing": CodeInfo(
        _OAUTH, "The app-only token is fine but the app has no permission on the mailbox.", _E
    ),
    "oauth_app_registration_misconfigured": CodeInfo(
        _OAUTH, "The Entra ID app registration is wrong for this flow.", _E
    ),
    "oauth_consent_required": CodeInfo(_OAUTH, "User or admin consent has not been granted.", _E),
    "oauth_blocked_by_conditional_access": CodeInfo(_OAUTH, "Conditional Access refused to issue the token.", _E),
    "oauth_auth_data_malformed": CodeInfo(_OAUTH, "The XOAUTH2 data was missing or could not be decoded.", _E),
    "oauth_token_fetch_failed": CodeInfo(_OAUTH, "The token request failed for another reason.", _E),
    # Envelope and message
    "not_authenticated": CodeInfo(_ENVELOPE, "MAIL/RCPT was sent without a successful login.", _E),
    "send_as_denied": CodeInfo(_ENVELOPE, "The From address is not one this account may send as.", _E),
    "sender_not_verified": CodeInfo(_ENVELOPE, "The provider requires the From address/domain to be verified.", _E),
    "relay_denied": CodeInfo(_ENVELOPE, "The server will not relay for this client or sender.", _E),
    "direct_send_rejected": CodeInfo(_ENVELOPE, "The tenant rejects anonymous Direct Send mail.", _E),
    "wrong_host_for_submission": CodeInfo(
        _ENVELOPE, "This endpoint is not meant for authenticated submission from this account.", _E
    ),
    "sender_ip_or_tenant_blocked": CodeInfo(_ENVELOPE, "The connection or tenant is refused by reputation.", _E),
    "recipient_rejected": CodeInfo(_ENVELOPE, "The recipient address does not exist or is refused.", _E),
    "quota_exceeded": CodeInfo(_ENVELOPE, "The daily or rolling sending quota is reached.", _E),
    "sender_mailbox_full": CodeInfo(_ENVELOPE, "The sending mailbox itself is over its storage quota.", _E),
    "message_too_large": CodeInfo(_ENVELOPE, "The message exceeds the server's size limit.", _E),
    "message_rejected": CodeInfo(_ENVELOPE, "The server refused the message content at the end of DATA.", _E),
    "envelope_syntax_error": CodeInfo(_ENVELOPE, "A MAIL FROM or RCPT TO address is malformed.", _E),
    "transient_server_error": CodeInfo(_ENVELOPE, "A temporary failure at the provider; retry later.", _E),
    # Added by this project (not in the first list): honest fall-backs.
    "reply_rejected_unspecified": CodeInfo(
        _ENVELOPE, "The server refused a command with a reply whose cause cannot be told; the text is shown.", _E
    ),
    "input_not_recognised": CodeInfo(_NOTE, "The pasted text holds no server reply or error this tool knows.", _I),
    # Warnings and notes (never the primary cause)
    "credentials_sent_without_tls": CodeInfo(_NOTE, "A password or token crossed the network unencrypted.", _W),
    "tls_verification_disabled": CodeInfo(_NOTE, "The test ran with certificate checks switched off.", _W),
    "legacy_tls_negotiated": CodeInfo(_NOTE, "The session used TLS 1.0 or 1.1.", _W),
    "basic_auth_retirement": CodeInfo(_NOTE, "Password AUTH works, but the provider is retiring it.", _W),
    "auth_only_after_starttls": CodeInfo(_NOTE, "AUTH appears only after STARTTLS: the device must use STARTTLS.", _I),
    "clock_skew": CodeInfo(_NOTE, "The local clock differs from the server's or the token's times.", _W),
    "plaintext_submission_port": CodeInfo(_NOTE, "Submission on port 25 or without TLS where 587 is expected.", _W),
    # Pre-flight checks (smtp-doctor detect, Find settings)
    "password_characters_risky": CodeInfo(
        _NOTE, "The password has characters that common printer firmware mishandles (a warning only).", _W
    ),
}

# Codes that may never be the primary cause (they are warnings or notes by nature).
NOTE_CODES: frozenset[str] = frozenset(code for code, info in CODES.items() if info.category == _NOTE)


def info(code: str) -> CodeInfo:
    """The entry for ``code``; a KeyError here is a bug in a rule table."""
    return CODES[code]
