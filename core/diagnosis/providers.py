"""Which mail provider a server belongs to, from its host name, greeting, EHLO and the sender's MX.

Provider knowledge changes what a reply means (``535 5.7.3`` at Microsoft, no AUTH before STARTTLS
at Google) and which fix steps apply. Detection never needs the network: MX records are only
looked up when the caller hands in a resolver (``default_mx_lookup`` uses dnspython, imported
lazily, with a short timeout, and returns nothing on any failure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from core.diagnosis.presets import PRESETS, Preset

__all__ = [
    "PRESETS",
    "PROVIDERS",
    "MxLookup",
    "Preset",
    "Provider",
    "default_mx_lookup",
    "detect_provider",
    "endpoint_role",
    "provider_by_id",
]

# A function from a mail domain to its MX host names (best preference first); [] when unknown.
MxLookup = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Provider:
    """A mail provider as diagnosis needs it."""

    id: str
    label: str
    hosts: tuple[str, ...]  # exact host names or ".suffix" patterns (submission and MX hosts)
    markers: tuple[str, ...] = ()  # lower-case words seen in its greeting or EHLO host line
    mx: tuple[str, ...] = ()  # MX host suffixes of domains hosted there
    username_hint: str = "the full email address"
    secret_hint: str = "the mailbox password"
    microsoft: bool = False  # Exchange Online policy layers apply
    auth_after_starttls: bool = False  # AUTH is advertised only after STARTTLS


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "microsoft365",
        "Microsoft 365 (Exchange Online)",
        (
            "smtp.office365.com",
            "smtp-legacy.office365.com",
            "smtp-hve.office365.com",
            "outlook.office365.com",
            ".mail.protection.outlook.com",
            ".mx.microsoft",
        ),
        markers=("outlook.office365.com", "prod.outlook.com", "protection.outlook.com", "mx.microsoft"),
        mx=(".mail.protection.outlook.com", ".mx.microsoft"),
        username_hint="the mailbox's full sign-in address (UPN)",
        microsoft=True,
        auth_after_starttls=True,
    ),
    Provider(
        "outlook_com",
        "Outlook.com / Hotmail (personal Microsoft account)",
        ("smtp-mail.outlook.com", "smtp.live.com", "smtp.outlook.com"),
        mx=(".olc.protection.outlook.com",),
        username_hint="the full Outlook.com/Hotmail address",
        secret_hint="an OAuth2 sign-in (passwords are no longer accepted)",
        microsoft=True,
        auth_after_starttls=True,
    ),
    Provider(
        "google",
        "Google (Gmail / Google Workspace)",
        ("smtp.gmail.com", "smtp.googlemail.com", "smtp-relay.gmail.com", ".google.com", ".googlemail.com"),
        markers=("gsmtp", "smtp.gmail.com", "mx.google.com"),
        mx=(".google.com", ".googlemail.com", ".smtp.goog"),
        secret_hint="a 16-character App Password (needs 2-Step Verification) or an OAuth2 sign-in",
        auth_after_starttls=True,
    ),
    Provider(
        "yahoo",
        "Yahoo Mail",
        ("smtp.mail.yahoo.com", ".yahoodns.net"),
        markers=("smtp.mail.yahoo.com",),
        mx=(".yahoodns.net",),
        secret_hint="a Yahoo app password (not the account password)",
    ),
    Provider(
        "icloud",
        "iCloud Mail",
        ("smtp.mail.me.com", ".mail.icloud.com"),
        markers=("mail.me.com", "icloud.com"),
        mx=(".mail.icloud.com",),
        secret_hint="an app-specific password from appleid.apple.com",
    ),
    Provider(
        "zoho",
        "Zoho Mail",
        (".zoho.com", ".zoho.eu", ".zoho.in", ".zoho.com.au", ".zoho.jp", ".zoho.com.cn", ".zoho.sa", ".zohomail.com"),
        markers=("zohomail", "zoho"),
        mx=(".zoho.com", ".zoho.eu", ".zoho.in", ".zoho.com.au", ".zohomail.com"),
        secret_hint="the Zoho password, or an application-specific password when 2FA is on",
        auth_after_starttls=True,
    ),
    Provider(
        "sendgrid",
        "Twilio SendGrid",
        ("smtp.sendgrid.net", ".sendgrid.net"),
        markers=("sg esmtp", "sendgrid.net"),
        username_hint="the literal word apikey",
        secret_hint="the full API key (starts with SG.) with Mail Send permission",
    ),
    Provider(
        "mailgun",
        "Mailgun",
        ("smtp.mailgun.org", "smtp.eu.mailgun.org", ".mailgun.org"),
        markers=("mailgun",),
        mx=(".mailgun.org",),
        username_hint="the domain's SMTP login, e.g. postmaster@mg.yourdomain",
        secret_hint="that SMTP login's password (Sending > Domain settings > SMTP credentials)",
    ),
    Provider(
        "ses",
        "Amazon SES",
        (".amazonaws.com",),
        markers=("simpleemailservice", "email-smtp"),
        mx=(".amazonaws.com",),
        username_hint="the SMTP user name generated in the SES console (not an IAM access key id)",
        secret_hint="the SMTP password generated for the same AWS Region as the host name",
    ),
    Provider(
        "postmark",
        "Postmark",
        ("smtp.postmarkapp.com", "smtp-broadcasts.postmarkapp.com", ".postmarkapp.com"),
        markers=("postmark",),
        username_hint="the Server API Token",
        secret_hint="the same Server API Token",
    ),
    Provider(
        "brevo",
        "Brevo (Sendinblue)",
        ("smtp-relay.brevo.com", "smtp-relay.sendinblue.com"),
        markers=("brevo", "sendinblue"),
        username_hint="the SMTP login shown under SMTP & API",
        secret_hint="an SMTP key (not the account password, not an API key)",
    ),
)

_ALIASES = {
    "gmail": "google",
    "google_workspace": "google",
    "amazon_ses": "ses",
    "sendinblue": "brevo",
    "m365": "microsoft365",
}


def provider_by_id(provider_id: str | None) -> Provider | None:
    """The provider with this id (or a known alias such as ``gmail``)."""
    if not provider_id:
        return None
    wanted = _ALIASES.get(provider_id.lower(), provider_id.lower())
    return next((p for p in PROVIDERS if p.id == wanted), None)


def _host_matches(host: str, patterns: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host.endswith(p) if p.startswith(".") else host == p for p in patterns)


def _by_host(host: str) -> Provider | None:
    if host.lower().startswith("email-smtp."):  # SES: email-smtp.<region>.amazonaws.com
        return provider_by_id("ses")
    if host.lower().endswith(".amazonaws.com"):
        return None  # other AWS hosts are not SES submission endpoints
    return next((p for p in PROVIDERS if _host_matches(host, p.hosts)), None)


def detect_provider(
    host: str | None, greeting: str | None = None, ehlo_lines: Sequence[str] = (), mx: Sequence[str] = ()
) -> Provider | None:
    """The provider behind ``host``; the greeting, EHLO lines and the sender's MX hosts break ties."""
    if host:
        found = _by_host(host)
        if found is not None:
            return found
    banner = " ".join([greeting or "", *(ehlo_lines[:1])]).lower()
    if banner.strip():
        for provider in PROVIDERS:
            if any(marker in banner for marker in provider.markers):
                return provider
    for mx_host in mx:
        for provider in PROVIDERS:
            if provider.mx and _host_matches(mx_host, provider.mx):
                return provider
    return None


def endpoint_role(host: str | None) -> str | None:
    """What a known endpoint is for: submission, mx, relay, legacy_tls, hve (None: unknown host)."""
    if not host:
        return None
    name = host.lower().rstrip(".")
    roles = {
        "smtp-legacy.office365.com": "legacy_tls",
        "smtp-hve.office365.com": "hve",
        "smtp-relay.gmail.com": "relay",
    }
    if name in roles:
        return roles[name]
    if _host_matches(name, (".mail.protection.outlook.com", ".mx.microsoft", "aspmx.l.google.com")):
        return "mx"
    if _by_host(name) is not None:
        return "submission"
    return None


def default_mx_lookup(domain: str, timeout: float = 2.0) -> list[str]:
    """MX host names of ``domain`` via dnspython, best first; [] on any failure (never required)."""
    try:
        import dns.exception
        import dns.resolver
    except ImportError:  # pragma: no cover - dnspython is a dependency, but diagnosis must not need it
        return []
    try:
        answer = dns.resolver.resolve(domain, "MX", lifetime=timeout)
    except (dns.exception.DNSException, OSError):
        return []
    records = sorted(answer, key=lambda r: r.preference)
    return [str(r.exchange).rstrip(".") for r in records]


def preset_for(provider: Provider | None) -> Preset | None:
    """The main preset of a provider, for 'use these settings' fix steps."""
    if provider is None:
        return None
    return next((p for p in PRESETS if p.provider == provider.id), None)
