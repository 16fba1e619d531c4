"""The values that fill a finding's text placeholders, computed from one probe's context."""

from __future__ import annotations

from datetime import UTC, datetime

from core.diagnosis import claims, policy
from core.diagnosis.aadsts import classify_token_error
from core.diagnosis.clock import clock_findings
from core.diagnosis.context import Context
from core.diagnosis.providers import endpoint_role, preset_for

# Issuer words of products that re-sign TLS traffic (firewalls, antivirus): name them as the cause.
_INTERCEPTORS = (
    "fortinet",
    "fortigate",
    "sophos",
    "palo alto",
    "zscaler",
    "kaspersky",
    "avast",
    "avg",
    "eset",
    "bitdefender",
    "watchguard",
    "barracuda",
    "check point",
    "checkpoint",
    "cisco",
    "umbrella",
    "netskope",
    "mcafee",
    "trend micro",
    "sonicwall",
    "untangle",
    "forcepoint",
    "blue coat",
    "symantec web",
)


def _reply_line(ctx: Context) -> str:
    reply = ctx.outer or ctx.reply
    if reply is None:
        return ""
    text = reply.text
    return f"{reply.code} {text}" if not text.startswith(str(reply.code)) else text


def _cert_cause(ctx: Context) -> tuple[str, str]:
    tls = ctx.result.tls
    chain = tls.chain if tls else ()
    if not chain:
        return "It may be self-signed, from a private (company) authority, or re-signed by a firewall.", "not shown"
    issuer = chain[-1].issuer or chain[0].issuer
    lowered = " ".join(c.issuer.lower() for c in chain)
    if any(word in lowered for word in _INTERCEPTORS):
        return (
            "The certificate was issued by a security product, which means a firewall or antivirus is "
            "inspecting (re-encrypting) the mail traffic.",
            issuer,
        )
    if len(chain) == 1 and chain[0].self_signed:
        return "The server signed its own certificate (self-signed), as test and internal servers often do.", issuer
    return "It comes from a private (company) certificate authority this computer does not know.", issuer


def _validity(ctx: Context) -> tuple[str, str]:
    tls = ctx.result.tls
    if not tls or not tls.chain:
        return "dates not shown", "If the clocks here or on the printer are wrong, fix them first."
    leaf = tls.chain[0]
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
    span = f"valid from {leaf.not_before:%d %b %Y} to {leaf.not_after:%d %b %Y}"
    if now < leaf.not_before:
        return span, "The certificate starts in the future, so this computer's clock is most likely wrong."
    if now > leaf.not_after and (now - leaf.not_after).days > 3650:
        return span, "The dates are years apart from today: check this computer's clock first."
    if now > leaf.not_after:
        return span, "It has expired, so the server's owner must renew it (unless this computer's clock is wrong)."
    return span, "The certificate's dates look fine for today, so check the clocks."


def _scope_detail(ctx: Context) -> str:
    if ctx.token_error is not None:
        return _token_cause(ctx)
    audience = claims.audience(ctx.claims)
    if audience and claims.wrong_audience(ctx):
        return f"The token was issued for another service ({audience}), not for sending mail."
    return "The token was issued without the mail-sending permission (SMTP.Send)."


def _token_detail(ctx: Context) -> str:
    if ctx.token_error is not None:
        return _token_cause(ctx)
    if ctx.xoauth2_error:
        status = ctx.xoauth2_error.get("status", "?")
        scope = ctx.xoauth2_error.get("scope", "?")
        return (
            f"The server answered with status {status} and asks for the scope {scope}: the token is invalid, "
            "expired or lacks that scope."
        )
    if claims.expired(ctx):
        exp = claims._epoch(ctx.claims.get("exp"))
        when = datetime.fromtimestamp(exp or 0, tz=UTC).strftime("%d %b %Y %H:%M UTC")
        return f"The token expired at {when}."
    return (
        "The server's reply does not say why. The usual causes: the token expired, was issued for another "
        "service (e.g. Microsoft Graph), or for another account than the user name; or SMTP login is "
        "switched off for the mailbox."
    )


def _token_cause(ctx: Context) -> str:
    error = ctx.token_error
    if error is None:
        return "The token's permissions do not allow sending mail over SMTP."
    cause = classify_token_error(error)
    listed = error.get("aadsts")
    numbers = ", ".join(f"AADSTS{n}" for n in listed if isinstance(n, int)) if isinstance(listed, list) else ""
    description = str(error.get("description") or error.get("error") or "").strip()
    prefix = f"{numbers} " if numbers and numbers not in description else ""
    shown = f" The sign-in service said: {prefix}{description[:300]}".rstrip()
    correlation = error.get("correlation_id")
    if correlation:
        shown += f" (correlation id {correlation})"
    if cause is None:
        return (shown + ".").strip()
    return f"{cause.cause}{shown}."


def _wrong_host_detail(ctx: Context) -> str:
    role = endpoint_role(ctx.host)
    if role == "relay":
        return (
            f"{ctx.host} is Google Workspace's relay service for organisations. It does not accept a personal "
            "Gmail login; personal accounts (and Workspace users who log in) send through smtp.gmail.com."
        )
    if role == "mx":
        return (
            f"{ctx.host} is a server that receives mail for a domain (its MX host). It does not offer logins: "
            "it is used only for Direct Send or a relay connector, without a user name and password."
        )
    return f"{ctx.host} is not meant for sending with a login."


def _offer_note(ctx: Context) -> str:
    if ctx.offered_before_tls:
        return "refused it"
    return "did not even offer a login before encryption"


def _size_note(ctx: Context) -> str:
    caps = ctx.result.capabilities
    if caps and caps.size:
        return f" (the server's limit is {caps.size / 1_048_576:.1f} MB)"
    return ""


def _policy_status(ctx: Context) -> str:
    if ctx.provider_is("outlook_com"):
        return policy.outlook_com_status(ctx.now)
    if ctx.microsoft:
        return policy.exchange_online_status(ctx.now)
    return ""


def fields(ctx: Context) -> dict[str, str]:
    """Every placeholder a text may use, as display strings."""
    provider = ctx.provider
    cert_cause, issuer = _cert_cause(ctx)
    validity, clock_hint = _validity(ctx)
    tls = ctx.result.tls
    sans = tls.chain[0].sans if tls and tls.chain else ()
    preset = preset_for(provider)
    failure = ctx.failure
    token_user = claims.token_user(ctx.claims) or "another account"
    return {
        "host": ctx.host or "the server",
        "port": str(ctx.port) if ctx.port else "this port",
        "phase": ctx.phase.value.replace("_", " ").upper() if ctx.phase else "session",
        "reply": _reply_line(ctx),
        "reply_code": " ".join(filter(None, (str(ctx.code or ""), ctx.enhanced or ""))) or "none",
        "failure_message": failure.message if failure else "",
        "mechanism": ctx.mechanism or "the chosen method",
        "offered": ", ".join(ctx.offered) or "none",
        "offer_note": _offer_note(ctx),
        "provider": provider.label if provider else "The mail provider",
        "username_hint": provider.username_hint if provider else "usually the full email address",
        "secret_hint": provider.secret_hint if provider else "the mailbox password or app password",
        "user": ctx.username or ctx.mail_from or "the mailbox",
        "sender": ctx.mail_from or "the sender address",
        "token_user": token_user,
        "scope_detail": _scope_detail(ctx),
        "token_detail": _token_detail(ctx),
        "token_cause": _token_cause(ctx),
        "wrong_host_detail": _wrong_host_detail(ctx),
        "policy_status": _policy_status(ctx),
        "cert_cause": cert_cause,
        "issuer": issuer,
        "validity": validity,
        "clock_hint": clock_hint,
        "sans": ", ".join(sans) or "other names",
        "first_san": sans[0] if sans else "the provider's documented server name",
        "timeout_hint": "The server may simply be slow; a firewall can also hold connections open.",
        "size_note": _size_note(ctx),
        "skew_detail": " ".join(clock_findings(ctx)) or "The clock differs from the server's.",
        "tls_version": (tls.version or "?").replace("TLSv", "") if tls else "?",
        "preset_host": preset.host if preset else "the provider's submission server",
        "preset_port": str(preset.port) if preset else "587",
        "preset_security": preset.security.label if preset else "STARTTLS",
    }
