"""Provider presets as data: host, port, encryption, username form and notes for the preset picker.

Kept as a Python module (not a JSON file) so a frozen build always finds it. Sources: the
providers' own documentation as collected in the project's knowledge notes (peers-and-presets §4).
A host containing ``<...>`` is a template the user must complete (``host_from_mx`` presets: look up
the domain's MX record, never hard-code it or use an IP address).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.model import SecurityMode


@dataclass(frozen=True)
class Preset:
    """One entry of the preset picker."""

    id: str
    label: str
    provider: str  # a provider id from core.diagnosis.providers
    host: str
    port: int
    security: SecurityMode
    username_form: str
    notes: str
    other_ports: tuple[tuple[int, SecurityMode], ...] = ()
    host_from_mx: bool = False  # the host is the sender domain's MX record
    authenticates: bool = True  # False: the path sends without AUTH (Direct Send, relay by IP)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "provider": self.provider,
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "username_form": self.username_form,
            "notes": self.notes,
            "other_ports": [{"port": p, "security": s.value} for p, s in self.other_ports],
            "host_from_mx": self.host_from_mx,
            "authenticates": self.authenticates,
        }


_S, _T, _N = SecurityMode.STARTTLS, SecurityMode.TLS, SecurityMode.NONE

PRESETS: tuple[Preset, ...] = (
    Preset(
        "microsoft365-smtp-auth",
        "Microsoft 365 – SMTP AUTH (mailbox login)",
        "microsoft365",
        "smtp.office365.com",
        587,
        _S,
        "The mailbox's sign-in address (UPN), e.g. scanner@contoso.com",
        "Password (Basic) or OAuth2 (XOAUTH2). TLS 1.2 or later. Port 465 is NOT supported. SMTP AUTH must be "
        "enabled for the tenant or the mailbox; Security Defaults, MFA and Conditional Access block passwords. "
        "Limits: 30 messages a minute, 10,000 recipients a day.",
        other_ports=((25, _S),),
    ),
    Preset(
        "microsoft365-legacy-tls",
        "Microsoft 365 – SMTP AUTH for old devices (TLS 1.0/1.1)",
        "microsoft365",
        "smtp-legacy.office365.com",
        587,
        _S,
        "The mailbox's sign-in address (UPN)",
        "Only for devices that cannot do TLS 1.2. The tenant must opt in first: "
        "Set-TransportConfig -AllowLegacyTLSClients $true. Not available in GCC/GCC-High/DoD.",
    ),
    Preset(
        "microsoft365-direct-send",
        "Microsoft 365 – Direct Send (no login, internal recipients only)",
        "microsoft365",
        "<your-domain>.mail.protection.outlook.com",
        25,
        _S,
        "No login: leave user name and password empty",
        "Use your domain's MX host (look it up; new domains may use <domain>.<random>.mx.microsoft). From must be "
        "an address in one of your domains. Reaches only your own Microsoft 365 mailboxes. Blocked when the "
        "tenant has Reject Direct Send on (550 5.7.68). Add the site's static IP to SPF.",
        host_from_mx=True,
        authenticates=False,
    ),
    Preset(
        "microsoft365-relay",
        "Microsoft 365 – SMTP relay (connector, no login)",
        "microsoft365",
        "<your-domain>.mail.protection.outlook.com",
        25,
        _S,
        "No login: the connector recognises your static public IP (or certificate)",
        "Needs an inbound connector 'from your organisation's email server' that matches your static public IP "
        "or a certificate naming one of your domains. Can send to outside recipients.",
        host_from_mx=True,
        authenticates=False,
    ),
    Preset(
        "outlook-com",
        "Outlook.com / Hotmail (personal)",
        "outlook_com",
        "smtp-mail.outlook.com",
        587,
        _S,
        "The full Outlook.com/Hotmail address",
        "Password sign-in for SMTP ended on 16 September 2024: only OAuth2 (XOAUTH2) works.",
    ),
    Preset(
        "google",
        "Gmail / Google Workspace (per user)",
        "google",
        "smtp.gmail.com",
        587,
        _S,
        "The full Gmail/Workspace address",
        "Use an App Password (needs 2-Step Verification) or OAuth2 (scope https://mail.google.com/). "
        "The normal account password is refused.",
        other_ports=((465, _T),),
    ),
    Preset(
        "google-relay",
        "Google Workspace – SMTP relay service",
        "google",
        "smtp-relay.gmail.com",
        587,
        _S,
        "A Workspace address (only if the relay requires SMTP AUTH)",
        "Workspace only, never a personal Gmail account. An admin enables it in Admin console > Apps > Google "
        "Workspace > Gmail > Routing > SMTP relay service (allowed IPs and/or SMTP AUTH).",
        other_ports=((465, _T), (25, _S)),
    ),
    Preset(
        "yahoo",
        "Yahoo Mail",
        "yahoo",
        "smtp.mail.yahoo.com",
        465,
        _T,
        "The full Yahoo address",
        "Needs an app password (turn on 2-step verification first); the normal password is refused.",
        other_ports=((587, _S),),
    ),
    Preset(
        "icloud",
        "iCloud Mail",
        "icloud",
        "smtp.mail.me.com",
        587,
        _S,
        "The full iCloud address",
        "Needs an app-specific password (two-factor authentication must be on).",
    ),
    Preset(
        "zoho",
        "Zoho Mail (personal / free)",
        "zoho",
        "smtp.zoho.com",
        587,
        _S,
        "The full Zoho address",
        "Paid organisations with their own domain use smtppro.zoho.com; regional hosts end in .eu, .in, "
        ".com.au, .jp. From must be the account or an alias. Application-specific password when 2FA is on.",
        other_ports=((465, _T),),
    ),
    Preset(
        "sendgrid",
        "Twilio SendGrid",
        "sendgrid",
        "smtp.sendgrid.net",
        587,
        _S,
        "The literal word: apikey",
        "Password = the full API key (starts with SG.) with Mail Send permission. From must be a verified "
        "Sender Identity.",
        other_ports=((465, _T), (2525, _S), (25, _S)),
    ),
    Preset(
        "mailgun",
        "Mailgun (US)",
        "mailgun",
        "smtp.mailgun.org",
        587,
        _S,
        "The domain's SMTP login, e.g. postmaster@mg.example.com",
        "Per-domain SMTP credentials, not the dashboard login. EU accounts use smtp.eu.mailgun.org.",
        other_ports=((465, _T), (2525, _S), (25, _S)),
    ),
    Preset(
        "ses",
        "Amazon SES",
        "ses",
        "email-smtp.<region>.amazonaws.com",
        587,
        _S,
        "The SES SMTP user name (generated per Region)",
        "SMTP credentials are per AWS Region and differ from console or IAM keys. STARTTLS on 25, 587, 2587; "
        "SSL/TLS on 465, 2465. From must be a verified identity.",
        other_ports=((465, _T), (2587, _S), (2465, _T)),
    ),
    Preset(
        "postmark",
        "Postmark",
        "postmark",
        "smtp.postmarkapp.com",
        587,
        _S,
        "The Server API Token",
        "Password = the same Server API Token. No port 465 (it hangs). Broadcast mail uses "
        "smtp-broadcasts.postmarkapp.com.",
        other_ports=((2525, _S), (25, _S)),
    ),
    Preset(
        "brevo",
        "Brevo (Sendinblue)",
        "brevo",
        "smtp-relay.brevo.com",
        587,
        _S,
        "The SMTP login shown under SMTP & API",
        "Password = an SMTP key (not the account password, not an API key).",
        other_ports=((465, _T), (2525, _S)),
    ),
)

# Ports on which the server talks TLS from the first byte (SMTPS), by convention.
IMPLICIT_TLS_PORTS: frozenset[int] = frozenset({465, 2465})
# Ports on which the server greets in plaintext first (STARTTLS upgrades later).
PLAINTEXT_FIRST_PORTS: frozenset[int] = frozenset({25, 587, 2525, 2587})
