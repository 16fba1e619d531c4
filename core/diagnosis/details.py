"""Fix steps that depend on the situation (provider, credential, token), added to the fixed texts.

Each entry maps a code to a function of the context returning extra steps, the commands quoted in
them, and whether they replace the generic steps (when they cover the same ground better).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from core.diagnosis import claims, microsoft
from core.diagnosis.aadsts import classify_token_error
from core.diagnosis.context import Context
from core.diagnosis.microsoft import Steps
from core.diagnosis.providers import endpoint_role


class Detail(NamedTuple):
    fix: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    replace: bool = False  # True: these steps replace the generic ones


def _mailbox(ctx: Context) -> str:
    return microsoft.safe_mailbox(ctx.username or ctx.mail_from)


def _from(steps: Steps, replace: bool = False) -> Detail:
    return Detail(steps.fix, steps.commands, replace)


def _tenant(ctx: Context) -> Detail:
    steps = microsoft.tenant_switch(_mailbox(ctx))
    return Detail((*steps.fix, *microsoft.alternatives().fix), steps.commands)


def _mailbox_switch(ctx: Context) -> Detail:
    return _from(microsoft.mailbox_switch(_mailbox(ctx)))


def _basic_disabled(ctx: Context) -> Detail:
    if ctx.provider_is("outlook_com"):
        return Detail(
            (
                "Personal Outlook.com/Hotmail accounts can only send with OAuth2: set the device to OAuth2/Modern "
                "authentication (Microsoft sign-in) if it offers it.",
                "If the device cannot do OAuth2, send through another account or a relay that accepts it.",
            )
        )
    if ctx.microsoft:
        layers = microsoft.policy_layers(_mailbox(ctx))
        return Detail(
            (
                "Switch the device to OAuth2 (Microsoft sign-in) if it supports it: this is the lasting fix.",
                *microsoft.alternatives().fix,
                "Only if password logins must continue for now, an admin checks the layers that block them:",
                *layers.fix,
            ),
            layers.commands,
        )
    return Detail(("Switch the device to OAuth2 sign-in, or use an app password if the provider allows one.",))


def _policy(ctx: Context) -> Detail:
    layers = microsoft.policy_layers(_mailbox(ctx))
    return Detail(
        (
            "The lasting fix: switch the device to OAuth2 (Microsoft sign-in), or send without a password through "
            "a relay connector or Direct Send.",
            *layers.fix,
            *microsoft.alternatives().fix,
        ),
        layers.commands,
    )


def _unspecified(ctx: Context) -> Detail:
    if ctx.microsoft:
        return _from(microsoft.unspecified_checks(_mailbox(ctx)), replace=True)
    return Detail(
        (
            "Check whether the account is locked or needs a security check: sign in to it on the web.",
            "Ask the provider whether sending with a password (SMTP AUTH) is allowed for this account.",
        )
    )


def _retirement(ctx: Context) -> Detail:
    return Detail(
        (
            "Plan the move now: OAuth2 on the device (if supported), a relay connector, Direct Send, "
            "High Volume Email (smtp-hve.office365.com), or a third-party relay.",
            "Admins can see which devices still use passwords in the Exchange admin center > Reports > Mail flow "
            "> SMTP AUTH clients report.",
        )
    )


def _tls_old(ctx: Context) -> Detail:
    # 4.7.66 is Microsoft's own code for "TLS 1.0/1.1 refused", so its way out applies even when the host
    # name (a custom alias, an IP address) does not reveal Microsoft 365.
    return _from(microsoft.legacy_tls()) if ctx.microsoft or ctx.enhanced == "4.7.66" else Detail()


def _send_as(ctx: Context) -> Detail:
    if not ctx.microsoft or not ctx.mail_from:
        return Detail()
    return _from(microsoft.send_as(microsoft.safe_mailbox(ctx.mail_from), _mailbox(ctx)))


def _direct_send(ctx: Context) -> Detail:
    return _from(microsoft.direct_send(), replace=True)


def _mailbox_permission(ctx: Context) -> Detail:
    return _from(microsoft.app_only_setup(_mailbox(ctx)), replace=True)


def _app_registration(ctx: Context) -> Detail:
    cause = classify_token_error(ctx.token_error) if ctx.token_error else None
    if cause is not None:
        return Detail((cause.fix,), replace=True)
    steps = microsoft.app_registration_for_smtp()
    setup = microsoft.app_only_setup(_mailbox(ctx))
    return Detail((*steps.fix, *setup.fix), setup.commands, replace=True)


def _token_cause(ctx: Context) -> Detail:
    cause = classify_token_error(ctx.token_error) if ctx.token_error else None
    return Detail((cause.fix,), replace=True) if cause is not None else Detail()


def _token_rejected(ctx: Context) -> Detail:
    if ctx.microsoft:
        switch = microsoft.mailbox_switch(_mailbox(ctx))
        return Detail(
            ("SMTP login must also be allowed for the mailbox (it applies to OAuth too):", *switch.fix[:2]),
            switch.commands,
        )
    return Detail()


def _wrong_scope(ctx: Context) -> Detail:
    if claims.is_app_only(ctx):
        return _from(microsoft.app_registration_for_smtp())
    return Detail()


def _wrong_host(ctx: Context) -> Detail:
    role = endpoint_role(ctx.host)
    if role == "relay":
        return Detail(
            (
                "Personal Gmail account: use smtp.gmail.com, port 587 (STARTTLS) or 465 (SSL/TLS), your full address "
                "and an App Password.",
                "Google Workspace: an admin adds this site's public IP in Admin console > Apps > Google Workspace > "
                "Gmail > Routing > SMTP relay service, and the device sends From a Workspace address.",
            ),
            replace=True,
        )
    if role == "mx":
        return Detail(
            (
                "To send with a login, use smtp.office365.com, port 587, STARTTLS.",
                "To send without a login, clear the user name and password on the device (Direct Send, internal "
                "recipients only, or a relay connector for your static IP).",
            ),
            replace=True,
        )
    return Detail(
        ("Use the provider's documented submission server, usually on port 587 with STARTTLS.",), replace=True
    )


def _not_authenticated(ctx: Context) -> Detail:
    if ctx.provider_is("microsoft365") and endpoint_role(ctx.host) == "submission":
        return Detail(
            (
                "smtp.office365.com only accepts mail after a login. To send without a login, use your domain's MX "
                "host on port 25 instead (Direct Send or a relay connector).",
            )
        )
    return Detail()


def _mechanism(ctx: Context) -> Detail:
    if ctx.result.capabilities_before_tls is None or ctx.microsoft:
        return Detail(
            (
                "Check that encryption (STARTTLS) is on: before encryption some servers (Microsoft 365, Gmail) offer "
                "no login methods at all and answer every AUTH this way.",
            )
        )
    return Detail()


DETAILS: dict[str, Callable[[Context], Detail]] = {
    "mechanism_not_supported": _mechanism,
    "smtp_auth_disabled_tenant": _tenant,
    "smtp_auth_disabled_mailbox": _mailbox_switch,
    "basic_auth_disabled": _basic_disabled,
    "security_defaults_or_conditional_access": _policy,
    "auth_rejected_unspecified": _unspecified,
    "basic_auth_retirement": _retirement,
    "tls_version_too_old": _tls_old,
    "send_as_denied": _send_as,
    "direct_send_rejected": _direct_send,
    "oauth_mailbox_permission_missing": _mailbox_permission,
    "oauth_app_registration_misconfigured": _app_registration,
    "oauth_consent_required": _token_cause,
    "oauth_blocked_by_conditional_access": _token_cause,
    "oauth_token_fetch_failed": _token_cause,
    "oauth_token_invalid_or_expired": _token_rejected,
    "oauth_wrong_scope_or_audience": _wrong_scope,
    "wrong_host_for_submission": _wrong_host,
    "not_authenticated": _not_authenticated,
}


def detail_for(code: str, ctx: Context) -> Detail:
    builder = DETAILS.get(code)
    return builder(ctx) if builder else Detail()
