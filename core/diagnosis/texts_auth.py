"""Plain-language texts for login (AUTH) and OAuth findings.

Microsoft-specific admin steps (PowerShell, admin centres) are added by ``core.diagnosis.microsoft``
with the user's own address filled in; the texts here stay provider-neutral where they can.
"""

from __future__ import annotations

from core.diagnosis.texts_model import Text

AUTH_TEXTS: dict[str, Text] = {
    "tls_required_before_auth": Text(
        "Encryption (STARTTLS) must be switched on before logging in",
        "This server only accepts a login, or mail, over an encrypted connection. The device tried without "
        "encryption, so the server {offer_note}.",
        (
            'In the device\'s email settings, set the encryption to STARTTLS (often labelled "TLS" or "Use '
            'secure connection") for port {port}.',
            "Or use port 465 with SSL/TLS if the provider offers it.",
        ),
    ),
    "auth_not_advertised": Text(
        "The server does not offer a login on port {port}",
        "The server's list of features has no login (AUTH) and no way to switch encryption on to get one. "
        "Logging in is not enabled on this server or port.",
        (
            "Use the provider's submission port (usually 587 with STARTTLS).",
            "If this is a relay that works without a login, clear the user name and password on the device.",
            "If it is your own server, enable SMTP authentication on this port.",
        ),
    ),
    "mechanism_not_supported": Text(
        "The login method {mechanism} is not offered by this server",
        "There are several ways to send a login. The device used {mechanism}, but this server only offers: {offered}.",
        (
            "In the device's settings, change the authentication method to one of: {offered} (LOGIN is the "
            "most common choice for passwords).",
            'If the device cannot choose, set it to "Auto".',
        ),
    ),
    "bad_credentials": Text(
        "User name or password rejected",
        "The server checked the login and said the user name or password is wrong.",
        (
            "Re-enter the password carefully (watch for caps lock and similar-looking characters).",
            "User name: {username_hint}. Password: {secret_hint}.",
            "If the password was changed recently, update it on the device too.",
        ),
    ),
    "auth_rejected_unspecified": Text(
        "Login rejected – the server does not say why",
        'The server refused the login with a general message ("{reply}"). This reply is the same for several '
        "different causes, so here they are in order of likelihood.",
        (
            "Check the user name ({username_hint}) and password ({secret_hint}).",
            "Check that the account is allowed to send with a password (app password, 2-step verification).",
        ),
    ),
    "smtp_auth_disabled_tenant": Text(
        "SMTP login is switched off for the whole Microsoft 365 organisation",
        'Microsoft 365 has a switch that allows devices to log in to send mail ("SMTP AUTH"). It is off for '
        "your organisation, and this mailbox has no exception. This blocks passwords and OAuth alike.",
        (),
    ),
    "smtp_auth_disabled_mailbox": Text(
        "SMTP login is switched off for this mailbox",
        'Microsoft 365 lets an administrator allow or block device logins ("Authenticated SMTP") per '
        "mailbox. It is blocked for {user}. This blocks passwords and OAuth alike.",
        (),
    ),
    "basic_auth_disabled": Text(
        "Password login is no longer accepted for this account",
        'The server no longer accepts a plain password ("Basic authentication") for sending. App passwords '
        "count as passwords too. Signing in with OAuth2 (a Microsoft sign-in instead of a stored password) "
        "still works. {policy_status}",
        (),
    ),
    "security_defaults_or_conditional_access": Text(
        "A Microsoft 365 security policy blocks password logins",
        "The organisation's security settings (Security Defaults, multi-factor authentication or a Conditional "
        "Access policy) block old-style password logins such as a printer's, even when SMTP login is switched on "
        "for the mailbox.",
        (),
    ),
    "federated_identity_provider_error": Text(
        "The company's own sign-in service could not check the password",
        "This account signs in through the company's own sign-in service (federation, e.g. AD FS). Microsoft "
        "could not reach it or it is set up in a way Microsoft cannot use for mail logins.",
        (
            "Ask the identity administrator to check the federation service for this domain: it must be "
            "reachable from the internet over HTTPS.",
            "Or use a cloud-only account (e.g. name@yourtenant.onmicrosoft.com) or OAuth2 for the device.",
        ),
    ),
    "mfa_app_password_required": Text(
        "This account needs an app password",
        "The account is protected with 2-step verification, so its normal password cannot be used by devices. "
        "The provider wants a separate app password for the device.",
        (
            "Sign in to the account's security page (Google: myaccount.google.com > Security > App passwords).",
            'Create an app password for "Scanner" and enter it on the device instead of the normal password.',
            "Or sign the device in with OAuth2 if it supports it.",
        ),
    ),
    "account_verification_required": Text(
        "The provider wants a person to sign in on the web first",
        "The provider blocked this login until someone signs in to the account in a web browser (a security "
        "check, e.g. for a new account or an unusual location).",
        (
            "Sign in to the account in a web browser, ideally from the same network as the printer, and "
            "answer any security prompts.",
            "Then use an app password (needs 2-step verification) or OAuth2 on the device; normal passwords "
            "are refused by most providers.",
        ),
    ),
    "account_blocked_or_restricted": Text(
        "The sending account is blocked",
        "The provider has blocked this account from sending, usually after it sent mail that looked like spam "
        "(possibly because the account was misused).",
        (
            "Sign in to the account on the web and look for a warning; change the password if it may be compromised.",
            "An administrator can release the account (Microsoft 365: Defender portal > Restricted entities).",
        ),
    ),
    "rate_limited": Text(
        "Too many attempts or messages – the server is slowing down",
        "The provider limits how many connections, logins or messages are allowed in a short time, and this "
        "limit was reached. It is temporary.",
        (
            "Wait a few minutes (up to an hour) and try again.",
            "Check that no other device is retrying with a wrong password using the same account.",
            "If the device sends a lot, ask the provider for a higher limit or spread the sending.",
        ),
    ),
    "oauth_token_invalid_or_expired": Text(
        "The sign-in token was not accepted",
        "The device signed in with OAuth2, but the mail server did not accept the token. {token_detail}",
        (
            "Sign in again to get a fresh token.",
            "Check that the token is for mail sending (Microsoft: scope https://outlook.office.com/SMTP.Send; "
            "Google: scope https://mail.google.com/).",
            "Check that the user name sent with the token is the account that signed in.",
        ),
    ),
    "oauth_wrong_scope_or_audience": Text(
        "The sign-in token is for the wrong service",
        "{scope_detail} A token can only be used for the service it was requested for.",
        (
            "Request the token for Exchange, not Microsoft Graph: delegated scope "
            "https://outlook.office.com/SMTP.Send (app-only: https://outlook.office365.com/.default).",
            "Request Graph and Outlook permissions in separate sign-ins, never together.",
        ),
    ),
    "oauth_token_user_mismatch": Text(
        "The token belongs to a different account",
        "The token was issued to {token_user}, but the device said it is sending as {user}. The user name sent "
        "with the token must be the account that signed in.",
        (
            "Set the user name to {token_user} (the account that signed in), or sign in as {user}.",
            "To send from a shared mailbox: sign in as your own account, keep your own address as user name, "
            "use the shared address only as sender (From), and have an admin grant Send As permission.",
        ),
    ),
    "oauth_mailbox_permission_missing": Text(
        "The app has no permission on this mailbox",
        "The app's token is correct, but Exchange has not been told that this app may use the mailbox {user}.",
        (),
    ),
    "oauth_app_registration_misconfigured": Text(
        "The app registration in Entra ID is not set up for this",
        "{token_cause}",
        (),
    ),
    "oauth_consent_required": Text(
        "Permission for the app has not been granted",
        "{token_cause}",
        (),
    ),
    "oauth_blocked_by_conditional_access": Text(
        "A Conditional Access policy blocked the sign-in",
        "{token_cause}",
        (),
    ),
    "oauth_auth_data_malformed": Text(
        "The OAuth login data was malformed",
        "The server could not read the OAuth2 login data: the token may be missing or empty, or the login "
        "line was not built correctly.",
        (
            "Sign in again so a token is actually present.",
            "If a separate tool builds the XOAUTH2 data, check it is base64 of "
            "user=<address>^Aauth=Bearer <token>^A^A (^A is the byte 0x01).",
        ),
    ),
    "oauth_token_fetch_failed": Text(
        "The sign-in token could not be fetched",
        "Asking the sign-in service for a token failed. {token_cause}",
        (
            "Check the internet connection and that login.microsoftonline.com (or accounts.google.com) is reachable.",
            "Look up the error code shown in the provider's documentation or the Entra sign-in logs.",
        ),
    ),
}
