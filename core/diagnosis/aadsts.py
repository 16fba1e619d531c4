"""Microsoft Entra ID (AADSTS) token-endpoint errors mapped to diagnosis codes, with a plain cause.

The OAuth helper stores a failed token request in ``result.extra["token_error"]`` as
``{error, description, aadsts: [int], correlation_id}``. ``classify_token_error`` turns that into
a code and the specific cause; unknown numbers fall back to ``oauth_token_fetch_failed`` so the
provider's own code and text are shown rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple


class TokenCause(NamedTuple):
    code: str  # a diagnosis code
    cause: str  # one plain sentence: what went wrong
    fix: str  # the one thing to change


_REG = "oauth_app_registration_misconfigured"
_CA = "oauth_blocked_by_conditional_access"
_CONSENT = "oauth_consent_required"
_SCOPE = "oauth_wrong_scope_or_audience"
_EXPIRED = "oauth_token_invalid_or_expired"

AADSTS: dict[int, TokenCause] = {
    65001: TokenCause(
        _CONSENT,
        "Nobody has agreed (consented) yet that this app may send mail for this account.",
        "Sign in once interactively and accept, or have an admin grant consent in Entra admin center > "
        "Enterprise applications > the app > Permissions > Grant admin consent.",
    ),
    65004: TokenCause(_CONSENT, "The user declined the permission request.", "Sign in again and accept the request."),
    90094: TokenCause(
        _CONSENT,
        "This permission needs an administrator's consent.",
        "Ask a Global or Application Administrator to grant admin consent for the app.",
    ),
    7000218: TokenCause(
        _REG,
        "The app registration does not allow public client flows (device code / desktop sign-in).",
        "Entra admin center > App registrations > the app > Authentication > Allow public client flows = Yes.",
    ),
    700016: TokenCause(
        _REG,
        "The application (client) ID is not known in this tenant: wrong client ID or wrong tenant.",
        "Copy the Application (client) ID again from App registrations and check the tenant ID or domain.",
    ),
    50020: TokenCause(
        _REG,
        "This account belongs to another tenant (or is a personal account) than the one the app signs in to.",
        "Use the tenant the mailbox lives in as the authority, or make the app multi-tenant.",
    ),
    90002: TokenCause(
        _REG,
        "The tenant in the sign-in address does not exist.",
        "Check the tenant ID or domain (e.g. contoso.onmicrosoft.com) in the OAuth settings.",
    ),
    50194: TokenCause(
        _REG,
        "A single-tenant app was used with the /common authority.",
        "Use https://login.microsoftonline.com/<tenant-id> as the authority.",
    ),
    7000222: TokenCause(
        _REG,
        "The app's client secret has expired.",
        "Create a new client secret under App registrations > Certificates & secrets and enter it.",
    ),
    7000215: TokenCause(
        _REG,
        "The client secret is wrong (often the secret's ID was entered instead of its value).",
        "Enter the secret's Value (shown once when created), not its Secret ID; create a new one if lost.",
    ),
    700027: TokenCause(
        _REG, "The app's certificate credential did not validate.", "Upload the current certificate to the app."
    ),
    50011: TokenCause(
        _REG,
        "The redirect URI does not match the app registration.",
        "Add http://localhost as a 'Mobile and desktop applications' redirect URI.",
    ),
    500113: TokenCause(_REG, "No reply address is registered for the app.", "Add http://localhost as a redirect URI."),
    50105: TokenCause(
        _REG,
        "The app requires user assignment and this user is not assigned.",
        "Assign the user in Enterprise applications > the app > Users and groups.",
    ),
    7000112: TokenCause(_REG, "The application is disabled.", "Enable the app in Enterprise applications."),
    53003: TokenCause(
        _CA,
        "A Conditional Access policy refused to issue the token.",
        "In Entra sign-in logs, open the failed sign-in > Conditional Access to see which policy blocked it; "
        "exclude this flow or sign in with the browser instead of a device code.",
    ),
    53000: TokenCause(_CA, "Conditional Access requires a compliant device.", "Sign in from a compliant device."),
    53001: TokenCause(_CA, "Conditional Access requires a domain-joined device.", "Sign in from a joined device."),
    53002: TokenCause(_CA, "Conditional Access allows only approved client apps.", "Ask the admin to allow it."),
    530032: TokenCause(_CA, "A security policy blocked the sign-in.", "Ask the admin which policy applies."),
    50076: TokenCause(
        _CA,
        "Multi-factor authentication is required for this sign-in.",
        "Use the interactive (browser) sign-in so the second factor can be completed.",
    ),
    50079: TokenCause(
        _CA, "The user must register for multi-factor authentication.", "Complete MFA registration first."
    ),
    70011: TokenCause(
        _SCOPE,
        "The requested scope is invalid, or Graph and Outlook scopes were asked for together.",
        "Request only https://outlook.office.com/SMTP.Send (delegated) or "
        "https://outlook.office365.com/.default (app-only) in one token request.",
    ),
    1002012: TokenCause(
        _SCOPE,
        "Client-credential (app-only) requests need a scope ending in /.default.",
        "Use the scope https://outlook.office365.com/.default.",
    ),
    500011: TokenCause(
        _SCOPE,
        "The resource in the scope was not found in the tenant (e.g. https://graph.microsoft.com/SMTP.Send).",
        "Use https://outlook.office.com/SMTP.Send (delegated) or https://outlook.office365.com/.default.",
    ),
    70008: TokenCause(_EXPIRED, "The saved sign-in (refresh token) has expired.", "Sign in again."),
    700082: TokenCause(_EXPIRED, "The saved sign-in expired after being unused.", "Sign in again."),
    50173: TokenCause(_EXPIRED, "The saved sign-in was revoked (password change).", "Sign in again."),
    50126: TokenCause("bad_credentials", "The user name or password is wrong.", "Re-enter them."),
    50053: TokenCause(
        "account_blocked_or_restricted",
        "The account is locked after too many wrong sign-ins, or a sign-in from a blocked location.",
        "Wait, or have an admin unlock it.",
    ),
    50057: TokenCause("account_blocked_or_restricted", "The user account is disabled.", "Ask an admin to enable it."),
}

# OAuth error names and phrases seen without an AADSTS number (other providers, truncated text).
_PHRASES: tuple[tuple[str, TokenCause], ...] = (
    ("not compatible with each other", AADSTS[70011]),
    ("invalid_scope", AADSTS[70011]),
    ("consent_required", AADSTS[65001]),
    ("has not consented", AADSTS[65001]),
    ("invalid_client", TokenCause(_REG, "The client ID or client secret was not accepted.", "Check both values.")),
    (
        "unauthorized_client",
        TokenCause(_REG, "The app is not allowed to use this flow.", "Check the app registration."),
    ),
    ("conditional access", AADSTS[53003]),
    ("device code", TokenCause(_CA, "The device code sign-in was blocked.", "Sign in with the browser instead.")),
    ("invalid_grant", TokenCause(_EXPIRED, "The saved sign-in is no longer valid.", "Sign in again.")),
)

_AADSTS_IN_TEXT = re.compile(r"AADSTS(\d{4,7})", re.IGNORECASE)
_CORRELATION = re.compile(r"correlation id:?\s*([0-9a-f-]{36})", re.IGNORECASE)


def aadsts_numbers(text: str) -> list[int]:
    """Every AADSTS number mentioned in ``text``, in order, without repeats."""
    seen: list[int] = []
    for match in _AADSTS_IN_TEXT.finditer(text):
        number = int(match.group(1))
        if number not in seen:
            seen.append(number)
    return seen


def correlation_id(text: str) -> str | None:
    match = _CORRELATION.search(text)
    return match.group(1) if match else None


def classify_token_error(token_error: Mapping[str, object]) -> TokenCause | None:
    """The known cause of a token-endpoint error, or None (then: oauth_token_fetch_failed)."""
    numbers = token_error.get("aadsts") or []
    description = str(token_error.get("description") or "")
    error = str(token_error.get("error") or "")
    codes = [int(n) for n in numbers if isinstance(n, int)] if isinstance(numbers, Sequence) else []
    codes += [n for n in aadsts_numbers(description) if n not in codes]
    for number in codes:
        if number in AADSTS:
            return AADSTS[number]
    if codes:
        return None  # a number we do not know: show it rather than guess from the prose
    text = f"{error} {description}".lower()
    return next((cause for phrase, cause in _PHRASES if phrase in text), None)
