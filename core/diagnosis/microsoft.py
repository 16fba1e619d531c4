"""Microsoft 365 fix steps: the policy layers an admin must check, with paste-ready commands.

SMTP AUTH in Exchange Online is governed by several independent layers (tenant switch, mailbox
switch, authentication policies, Security Defaults, per-user MFA, Conditional Access, the Basic-auth
retirement). Commands are filled with the user's own address, but only when it is a plain address:
anything that could break out of a PowerShell string becomes a placeholder instead.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MAILBOX_PLACEHOLDER = "<mailbox@yourdomain.com>"
_SAFE_ADDRESS = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,63}$")

CONNECT = "Connect-ExchangeOnline"
ENTRA = "Microsoft Entra admin center (entra.microsoft.com)"
M365_ADMIN = "Microsoft 365 admin center (admin.microsoft.com)"


class Steps(NamedTuple):
    """Fix steps and the commands quoted in them."""

    fix: tuple[str, ...]
    commands: tuple[str, ...]


def safe_mailbox(address: str | None) -> str:
    """The address when it can go into a PowerShell string safely, else a placeholder."""
    if address and _SAFE_ADDRESS.match(address.strip()):
        return address.strip()
    return MAILBOX_PLACEHOLDER


def _q(mailbox: str) -> str:
    return f'"{mailbox}"'


def mailbox_switch(mailbox: str) -> Steps:
    check = f"Get-CASMailbox -Identity {_q(mailbox)} | Format-List SmtpClientAuthenticationDisabled"
    enable = f"Set-CASMailbox -Identity {_q(mailbox)} -SmtpClientAuthenticationDisabled $false"
    return Steps(
        (
            f"Admin, in {M365_ADMIN}: Users > Active users > {mailbox} > Mail > Manage email apps > tick "
            "'Authenticated SMTP' > Save.",
            f"Or in Exchange Online PowerShell ({CONNECT}): check with `{check}` (True = blocked, empty = follows "
            f"the organisation), then allow it with `{enable}`.",
            "Wait up to an hour for the change to take effect, then test again.",
        ),
        (CONNECT, check, enable),
    )


def tenant_switch(mailbox: str) -> Steps:
    check = "Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled"
    enable_org = "Set-TransportConfig -SmtpClientAuthenticationDisabled $false"
    enable_one = f"Set-CASMailbox -Identity {_q(mailbox)} -SmtpClientAuthenticationDisabled $false"
    return Steps(
        (
            f"Best: allow it only for the device's mailbox. Admin, in {M365_ADMIN}: Users > Active users > "
            f"{mailbox} > Mail > Manage email apps > tick 'Authenticated SMTP'. In PowerShell: `{enable_one}`.",
            f"Or for the whole organisation (less secure): check with `{check}`, then `{enable_org}` "
            "(Exchange admin center > Settings > Mail flow > untick 'Turn off SMTP AUTH protocol').",
            "Wait up to an hour for the change to take effect, then test again.",
        ),
        (CONNECT, enable_one, check, enable_org),
    )


def policy_layers(mailbox: str) -> Steps:
    """The layers that block a password login although SMTP AUTH is on, in order of likelihood."""
    user_policy = f"Get-User -Identity {_q(mailbox)} | Format-List AuthenticationPolicy"
    policies = "Get-AuthenticationPolicy | Format-List Name,AllowBasicAuthSmtp"
    return Steps(
        (
            f"Security Defaults: {ENTRA} > Identity > Overview > Properties > Manage security defaults. If they "
            "are on, password logins for devices are blocked; switching them off weakens the whole "
            "organisation, so prefer OAuth2 or a relay instead.",
            f"Conditional Access: {ENTRA} > Protection > Conditional Access > look for a policy that blocks "
            f"'legacy authentication' or 'other clients'; the sign-in logs of {mailbox} (Client app: "
            "Authenticated SMTP) name the policy that blocked it.",
            f"Per-user MFA: {ENTRA} > Users > Per-user multifactor authentication. An app password is still a "
            "password (Basic) and stops working when Basic is switched off.",
            f"Authentication policy: check `{user_policy}`; if a policy is shown, `{policies}` must say "
            "AllowBasicAuthSmtp = True for it.",
        ),
        (CONNECT, user_policy, policies),
    )


def alternatives() -> Steps:
    """Paths that avoid password logins altogether (Microsoft's own advice for devices)."""
    return Steps(
        (
            "Ways that do not need a password login: OAuth2 (XOAUTH2) if the device supports it; a relay "
            "connector (port 25 to your MX host, recognised by your static public IP); Direct Send (port 25 to "
            "your MX host, internal recipients only); or a third-party or local relay.",
        ),
        (),
    )


def unspecified_checks(mailbox: str) -> Steps:
    """Microsoft's bare 535 5.7.3 after a password: every check, most likely first."""
    switch = mailbox_switch(mailbox)
    layers = policy_layers(mailbox)
    return Steps(
        (
            f"Sign in at https://outlook.office.com with {mailbox} and the same password. If that fails, the "
            "password is wrong or the account is locked.",
            *switch.fix[:2],
            "Check the tenant switch too: `Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled`.",
            *layers.fix,
            *alternatives().fix,
        ),
        (*switch.commands, "Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled", *layers.commands[1:]),
    )


def app_only_setup(mailbox: str) -> Steps:
    sp = "New-ServicePrincipal -AppId <APPLICATION_ID> -ObjectId <ENTERPRISE_APP_OBJECT_ID>"
    check = "Get-ServicePrincipal | Format-List DisplayName,AppId,Identity"
    grant = f"Add-MailboxPermission -Identity {_q(mailbox)} -User <SERVICE_PRINCIPAL_ID> -AccessRights FullAccess"
    return Steps(
        (
            f"Register the app in Exchange Online ({CONNECT}): `{sp}`. The Object ID is the one on the "
            "Enterprise applications page, not on App registrations.",
            f"Check it with `{check}`.",
            f"Give it access to the mailbox: `{grant}`.",
        ),
        (CONNECT, sp, check, grant),
    )


def app_registration_for_smtp() -> Steps:
    return Steps(
        (
            f"{ENTRA} > App registrations > the app > API permissions > Add a permission > APIs my organization "
            "uses > 'Office 365 Exchange Online' > Application permissions > SMTP.SendAsApp; then 'Grant admin "
            "consent'. Microsoft Graph's Mail.Send does not cover SMTP.",
            "Request the token with the scope https://outlook.office365.com/.default.",
        ),
        (),
    )


def send_as(sender: str, user: str) -> Steps:
    grant = f"Add-RecipientPermission -Identity {_q(sender)} -Trustee {_q(user)} -AccessRights SendAs"
    return Steps(
        (f"Microsoft 365 admin: grant Send As in PowerShell with `{grant}` (takes up to an hour).",),
        (CONNECT, grant),
    )


def legacy_tls() -> Steps:
    enable = "Set-TransportConfig -AllowLegacyTLSClients $true"
    return Steps(
        (
            "If the printer cannot do TLS 1.2: the admin opts in with "
            f"`{enable}` and the printer uses smtp-legacy.office365.com, port 587, STARTTLS.",
        ),
        (CONNECT, enable),
    )


def direct_send() -> Steps:
    check = "Get-OrganizationConfig | Format-List RejectDirectSend"
    return Steps(
        (
            f"Confirm the setting with `{check}` (True = Direct Send is rejected).",
            "Recommended: create a partner/relay connector for this site's static public IP (Exchange admin "
            "center > Mail flow > Connectors) so the device's mail is recognised, and keep Reject Direct Send on.",
            "Or send with a login instead: smtp.office365.com, port 587, STARTTLS, with a mailbox and OAuth2 or "
            "password.",
        ),
        (CONNECT, check),
    )
