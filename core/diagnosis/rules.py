"""The diagnosis rules: an ordered table with stable ids.

``CAUSE_RULES`` are tried in order and the first that matches names the primary cause (most
specific first, honest fall-backs last). ``NOTE_RULES`` are all evaluated and add warnings and
notes. Ids are stable: tests, reports and support tickets refer to them. Each row says which code
it concludes and when; texts live in the ``texts_*`` modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.diagnosis import claims, clock
from core.diagnosis.aadsts import classify_token_error
from core.diagnosis.context import Context
from core.diagnosis.evidence import (
    Evidence,
    auth_commands,
    auth_success,
    capability_lines,
    failure_lines,
    greeting_line,
    tls_lines,
)
from core.diagnosis.matchers import (
    Predicate,
    all_of,
    any_of,
    auth_offered,
    code,
    code_class,
    embedded,
    enhanced,
    failed,
    failure_says,
    has_claims,
    implicit_tls_port,
    in_phase,
    mechanism_not_offered,
    microsoft,
    no_login,
    not_,
    oauth,
    password,
    plaintext_first_port,
    quirk,
    replied,
    says,
    security,
    starttls_offered,
    tls_up,
    token_error_present,
    verify_code,
    xoauth2_challenge,
)
from core.diagnosis.providers import endpoint_role
from core.model import SecurityMode
from core.probe.phases import Phase
from core.probe.result import FailureKind as K
from core.probe.transcript import EventKind


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    when: Predicate
    evidence: Evidence = failure_lines


# --- helpers that read more than one fact -----------------------------------------------------

AUTH, MAIL, RCPT, DATA = Phase.AUTH, Phase.MAIL_FROM, Phase.RCPT_TO, Phase.DATA
ENVELOPE = (MAIL, RCPT, DATA)


def token_cause(code_: str) -> Predicate:
    def check(ctx: Context) -> bool:
        cause = classify_token_error(ctx.token_error) if ctx.token_error else None
        return cause is not None and cause.code == code_

    return check


def auth_failed(ctx: Context) -> bool:
    """The login itself was refused (directly, or as the error embedded in a later reply)."""
    return ctx.phase is AUTH and ctx.reply is not None and ctx.kind is K.REPLY


def token_rejected(ctx: Context) -> bool:
    return oauth(ctx) and (auth_failed(ctx) or xoauth2_challenge(ctx))


def relay_endpoint(ctx: Context) -> bool:
    return endpoint_role(ctx.host) == "relay"


def mx_endpoint(ctx: Context) -> bool:
    return endpoint_role(ctx.host) == "mx"


def login_presented(ctx: Context) -> bool:
    return not no_login(ctx)


def mismatch_phrases(ctx: Context) -> bool:
    """OpenSSL, SChannel, .NET, Go and Java words for 'that was not a TLS record'."""
    return failure_says(
        "wrong version number",
        "unexpected packet format",
        "frame size",
        "corrupted frame",
        "first record does not look like a tls handshake",
        "record layer failure",
        "packet length too long",
        "unknown protocol",
        "unrecognized ssl message",
        "http request",
        "220",
    )(ctx)


def session_seen(ctx: Context) -> bool:
    """The probe saw the server's EHLO, so 'no TLS' and 'no AUTH offered' are facts, not gaps."""
    return ctx.result.capabilities_before_tls is not None


def no_tls_path_to_auth(ctx: Context) -> bool:
    return not ctx.tls_up and (ctx.starttls_offered or bool(ctx.provider and ctx.provider.auth_after_starttls))


def auth_step_ran(ctx: Context) -> bool:
    return any(e.kind is EventKind.CLIENT and e.text.lower().startswith("auth") for e in ctx.result.transcript)


def password_login_worked(ctx: Context) -> bool:
    return ctx.result.authenticated and password(ctx)


def exchange_submission(ctx: Context) -> bool:
    return ctx.provider_is("microsoft365") and endpoint_role(ctx.host) in ("submission", "legacy_tls")


def auth_only_after_tls(ctx: Context) -> bool:
    before, after = ctx.result.capabilities_before_tls, ctx.result.capabilities_after_tls
    return bool(before and after and not before.auth_mechanisms and after.auth_mechanisms)


def plaintext_submission(ctx: Context) -> bool:
    if ctx.provider is None or not login_presented(ctx) or ctx.tls_up:
        return False
    return ctx.port == 25 or ctx.security is SecurityMode.NONE


def verification_off(ctx: Context) -> bool:
    tls = ctx.result.tls
    return not ctx.result.plan.tls.verify or bool(tls and not tls.verification_enabled)


def legacy_tls(ctx: Context) -> bool:
    tls = ctx.result.tls
    return bool(tls and tls.version in ("TLSv1", "TLSv1.0", "TLSv1.1"))


STARTTLS_REQUIRED = says(
    "must issue a starttls",
    "must issue_starttls",
    "starttls_is required",
    "starttls_required",
    "encryption_required",
    "tls_required",
    "must use tls",
    "requires tls",
)
NOT_AUTHENTICATED = says(
    "not_authenticated",
    "authentication_required",
    "authentication is_required",
    "turn on smtp_authentication",
    "must authenticate",
    "please authenticate",
    "smtp_auth_required",
    "authentication needed",
    "need to authenticate",
    "login required",
    "sender must be authenticated",
)
RELAY_WORDS = says(
    "relay_access denied",
    "relaying denied",
    "relay denied",
    "relay not permitted",
    "relaying not allowed",
    "unable to relay",
    "we do not relay",
    "not permitted to relay",
    "invalid credentials for relay",
    "relay_access not permitted",
    "tenantattribution relay",
)
SEND_AS_WORDS = says(
    "sendasdenied",
    "not allowed to send as",
    "permissions to send as",
    "send as this sender",
    "relaying disallowed as",
    "not owned by user",
    "sender address rejected not owned",
    "from address not allowed",
    "not authorized to send on behalf",
    "sender_is not allowed",
)
BLOCKED_IP_WORDS = says(
    "traffic not accepted from this ip",
    "blocked using",
    "spamhaus",
    "blocklist",
    "blacklist",
    "block list",
    "poor reputation",
    "banned sending ip",
    "client host rejected",
    "listed at",
)
RATE_WORDS = says(
    "throttl",
    "rate_exceeded",
    "rate limit",
    "too many",
    "thread limit",
    "slow down",
    "temporarily deferred",
)
QUOTA_WORDS = says(
    "submissionquotaexceeded",
    "sending limit",
    "sending quota",
    "daily user sending",
    "recipient_rate limit",
    "max send quota",
    "maximum sending quota",
    "message limit exceeded",
)
MAILBOX_FULL_WORDS = says("quotaexceededexception", "mailbox is full", "mailbox full", "over quota", "storage quota")
SIZE_WORDS = says(
    "size exceeds",
    "message too large",
    "message is too large",
    "too big",
    "exceeds the maximum size",
    "message size",
    "exceeds size limit",
    "message length exceeds",
)
RECIPIENT_WORDS = says(
    "user unknown",
    "no such user",
    "recipient_address rejected",
    "does not exist",
    "recipient not found",
    "unknown recipient",
    "invalid recipient",
    "address rejected",
    "mailbox unavailable",
    "resolver.adr.recipientnotfound",
)
BAD_CREDENTIALS_WORDS = says(
    "invalid login",
    "incorrect username",
    "incorrect_password",
    "bad username",
    "authentication credentials invalid",
    "username_and_password not accepted",
    "incorrect authentication data",
    "authentication failed",
    "invalid credentials",
    "login_or_password",
    "invalid user",
    "password incorrect",
    "badcredentials",
    "not loving your login",
    "wrong password",
    "invalid username",
    "credentials were incorrect",
    "authentication credentials_invalid",
    "username or password",
    "invalid password",
)


CAUSE_RULES: tuple[Rule, ...] = (
    # OAuth token endpoint (before any SMTP)
    Rule("T01", "oauth_consent_required", token_cause("oauth_consent_required")),
    Rule("T02", "oauth_blocked_by_conditional_access", token_cause("oauth_blocked_by_conditional_access")),
    Rule("T03", "oauth_app_registration_misconfigured", token_cause("oauth_app_registration_misconfigured")),
    Rule("T04", "oauth_wrong_scope_or_audience", token_cause("oauth_wrong_scope_or_audience")),
    Rule("T05", "oauth_token_invalid_or_expired", token_cause("oauth_token_invalid_or_expired")),
    Rule("T06", "bad_credentials", token_cause("bad_credentials")),
    Rule("T07", "account_blocked_or_restricted", token_cause("account_blocked_or_restricted")),
    Rule(
        "T09",
        "oauth_token_fetch_failed",
        any_of(failed(K.TOKEN), all_of(token_error_present, in_phase(Phase.OAUTH_TOKEN))),
    ),
    # Reaching the server
    Rule("C01", "dns_lookup_failed", failed(K.DNS)),
    Rule("C02", "connect_refused", failed(K.REFUSED)),
    Rule("C03", "connect_timeout_port_blocked", failed(K.CONNECT_TIMEOUT)),
    Rule("C04", "connect_failed", failed(K.CONNECT_FAILED)),
    # TLS and port/mode mismatches
    Rule(
        "C10",
        "tls_version_too_old",
        any_of(
            all_of(
                failed(K.TLS_HANDSHAKE),
                failure_says("protocol version", "unsupported protocol", "no protocols available", "version too low"),
            ),
            enhanced("4.7.66"),
            says("tls 1.0 and 1.1", "tls_version is not supported", "legacy tls"),
        ),
    ),
    Rule(
        "C11",
        "port_tls_mismatch_implicit_on_starttls_port",
        all_of(
            security(SecurityMode.TLS),
            failed(K.TLS_HANDSHAKE, K.PROTOCOL),
            in_phase(Phase.TLS, Phase.CONNECT, Phase.GREETING),
            not_(tls_up),
            any_of(mismatch_phrases, plaintext_first_port, quirk("plaintext_greeting_on_tls")),
        ),
    ),
    # A silent port whose second connection answered our TLS hello like a web server.
    Rule("C18", "not_smtp_service", all_of(in_phase(Phase.GREETING), failed(K.TIMEOUT), quirk("http_port"))),
    Rule(
        "C12",
        "port_tls_mismatch_starttls_on_implicit_port",
        all_of(
            security(SecurityMode.NONE, SecurityMode.STARTTLS),
            in_phase(Phase.GREETING),
            any_of(failed(K.TIMEOUT), all_of(failed(K.PROTOCOL, K.DISCONNECTED), failure_says("tls", "ssl"))),
            # Confirmed by a TLS handshake on a second connection, or the well-known port says so.
            any_of(quirk("implicit_tls_port"), implicit_tls_port),
        ),
    ),
    Rule("C13", "not_smtp_service", all_of(failed(K.PROTOCOL), in_phase(Phase.GREETING))),
    Rule(
        "C14",
        "tls_certificate_expired",
        all_of(failed(K.TLS_CERTIFICATE), any_of(verify_code(9, 10), failure_says("expired", "not yet valid"))),
    ),
    Rule(
        "C15",
        "tls_certificate_hostname_mismatch",
        all_of(
            failed(K.TLS_CERTIFICATE),
            any_of(verify_code(62, 64), failure_says("hostname mismatch", "ip address mismatch", "doesn't match")),
        ),
    ),
    Rule("C16", "tls_certificate_untrusted", failed(K.TLS_CERTIFICATE)),
    # RFC 3207 §4.2: plaintext after the 220 to STARTTLS, arriving once the handshake had begun.
    Rule(
        "C19",
        "protocol_error",
        all_of(
            security(SecurityMode.STARTTLS),
            failed(K.TLS_HANDSHAKE),
            in_phase(Phase.TLS),
            quirk("data_after_starttls"),
            failure_says("plaintext"),
        ),
    ),
    Rule("C17", "tls_handshake_failed", failed(K.TLS_HANDSHAKE)),
    # Greeting, EHLO, STARTTLS
    Rule(
        "G01",
        "sender_ip_or_tenant_blocked",
        all_of(replied(Phase.GREETING), any_of(BLOCKED_IP_WORDS, enhanced("5.7.708", "5.7.705", "5.7.750", "5.7.511"))),
    ),
    Rule("G02", "rate_limited", all_of(replied(Phase.GREETING), RATE_WORDS)),
    Rule("G03", "greeting_rejected", replied(Phase.GREETING)),
    Rule("G04", "starttls_not_offered", all_of(failed(K.NOT_OFFERED), in_phase(Phase.STARTTLS))),
    Rule("G05", "starttls_failed", replied(Phase.STARTTLS)),
    # A 4xx to EHLO is the server's temporary trouble, not a verdict on the device's name.
    Rule("G07", "rate_limited", all_of(replied(Phase.EHLO), code_class(4), RATE_WORDS)),
    Rule("G08", "transient_server_error", all_of(replied(Phase.EHLO), code_class(4))),
    Rule("G06", "ehlo_rejected", all_of(in_phase(Phase.EHLO), failed(K.REPLY, K.DISCONNECTED))),
    # OAuth data and Microsoft's specific 5.7.139 texts (they say why; trust them before the token)
    Rule(
        "A01",
        "oauth_auth_data_malformed",
        all_of(
            in_phase(AUTH),
            any_of(
                enhanced("5.5.124"),
                says("invalid xoauth2", "xoauth2 auth data"),
                all_of(oauth, code(501), says("cannot decode", "decode", "malformed", "invalid")),
            ),
        ),
    ),
    Rule(
        "A02",
        "smtp_auth_disabled_tenant",
        all_of(
            in_phase(AUTH),
            says(
                "smtpclientauthentication disabled tenant",
                "smtp_client_authentication disabled tenant",
                "smtpclientauthentication disabled organization",
            ),
        ),
    ),
    Rule(
        "A03",
        "smtp_auth_disabled_mailbox",
        all_of(
            in_phase(AUTH),
            says(
                "smtpclientauthentication disabled mailbox",
                "smtp_client_authentication disabled mailbox",
                "smtpclientauthentication disabled user",
            ),
        ),
    ),
    Rule(
        "A04",
        "security_defaults_or_conditional_access",
        all_of(
            in_phase(AUTH),
            says("security_defaults", "conditional_access", "did not meet the criteria", "locked by your organization"),
        ),
    ),
    Rule(
        "A05",
        "federated_identity_provider_error",
        all_of(in_phase(AUTH), says("federated sts", "federation service", "federated_identity")),
    ),
    Rule(
        "A06",
        "basic_auth_disabled",
        any_of(
            enhanced("5.7.30"),
            says(
                "basic_authentication is disabled",
                "basic_authentication is not supported",
                "basic_auth is disabled",
                "basic_authentication disabled",
            ),
        ),
    ),
    Rule(
        "A07",
        "bad_credentials",
        all_of(in_phase(AUTH), enhanced("5.7.139"), says("credentials were incorrect", "incorrect")),
    ),
    # Google and other providers' account states
    Rule(
        "A10",
        "mfa_app_password_required",
        all_of(
            in_phase(AUTH),
            says(
                "application-specific_password", "invalidsecondfactor", "app password required", "app-specific password"
            ),
        ),
    ),
    Rule(
        "A11",
        "account_verification_required",
        all_of(
            in_phase(AUTH),
            any_of(
                says(
                    "weblogin",
                    "web_browser",
                    "hipnotify",
                    "verify your account",
                    "continue signing in",
                    "sign in via your web browser",
                ),
                enhanced("5.7.14"),
            ),
        ),
    ),
    Rule(
        "A12",
        "account_blocked_or_restricted",
        all_of(
            in_phase(AUTH),
            says(
                "account is disabled",
                "account disabled",
                "account has been disabled",
                "account is locked",
                "user is blocked",
                "account suspended",
            ),
        ),
    ),
    # No encryption yet, or the login method does not fit
    Rule("A20", "tls_required_before_auth", all_of(in_phase(AUTH, *ENVELOPE), STARTTLS_REQUIRED)),
    Rule(
        "A21",
        "tls_required_before_auth",
        all_of(
            replied(AUTH),
            code(500, 502, 503, 504),
            session_seen,
            not_(tls_up),
            any_of(starttls_offered, not_(auth_offered), microsoft),
        ),
    ),
    Rule("A22", "tls_required_before_auth", all_of(failed(K.NOT_OFFERED), in_phase(AUTH), no_tls_path_to_auth)),
    Rule("A23", "wrong_host_for_submission", all_of(failed(K.NOT_OFFERED), in_phase(AUTH), mx_endpoint)),
    Rule(
        "A24",
        "mechanism_not_supported",
        all_of(in_phase(AUTH), any_of(failed(K.NOT_OFFERED), code(504, 535)), mechanism_not_offered),
    ),
    Rule(
        "A25",
        "mechanism_not_supported",
        all_of(
            replied(AUTH),
            code(504),
            says(
                "unrecognized authentication type",
                "unrecognised authentication",
                "mechanism",
                "not supported",
                "unsupported",
            ),
        ),
    ),
    Rule("A26", "auth_not_advertised", all_of(failed(K.NOT_OFFERED), in_phase(AUTH))),
    # OAuth tokens refused by the mail server: read the token's claims
    Rule(
        "O01",
        "oauth_mailbox_permission_missing",
        all_of(
            oauth,
            any_of(in_phase(AUTH), in_phase(*ENVELOPE)),
            says("mailbox logon failure", "mapiexceptionlogonfailed"),
        ),
    ),
    Rule("O02", "oauth_token_invalid_or_expired", all_of(token_rejected, claims.expired)),
    Rule(
        "O03",
        "oauth_wrong_scope_or_audience",
        all_of(token_rejected, any_of(claims.wrong_audience, claims.missing_delegated_scope)),
    ),
    Rule("O04", "oauth_app_registration_misconfigured", all_of(token_rejected, claims.missing_app_role)),
    Rule("O05", "oauth_token_user_mismatch", all_of(token_rejected, claims.user_mismatch)),
    Rule("O06", "oauth_mailbox_permission_missing", all_of(token_rejected, claims.app_only_token_fine)),
    Rule("O07", "auth_rejected_unspecified", all_of(token_rejected, microsoft, has_claims)),
    Rule("O08", "oauth_token_invalid_or_expired", token_rejected),
    # Password logins refused
    Rule("A30", "rate_limited", all_of(auth_failed, RATE_WORDS)),
    Rule("A31", "transient_server_error", all_of(auth_failed, code_class(4))),
    Rule(
        "A32",
        "bad_credentials",
        all_of(
            auth_failed, not_(all_of(microsoft, enhanced("5.7.3"))), any_of(enhanced("5.7.8"), BAD_CREDENTIALS_WORDS)
        ),
    ),
    Rule("A33", "auth_rejected_unspecified", auth_failed),
    # Sending: envelope and message
    Rule(
        "E01",
        "direct_send_rejected",
        any_of(enhanced("5.7.68"), says("direct_send not allowed", "tenantinboundattribution")),
    ),
    Rule("E02", "relay_denied", all_of(in_phase(*ENVELOPE), any_of(enhanced("5.7.64"), says("tenantattribution")))),
    Rule(
        "E03",
        "sender_ip_or_tenant_blocked",
        all_of(in_phase(*ENVELOPE), any_of(enhanced("5.7.708", "5.7.705", "5.7.750", "5.7.511"), BLOCKED_IP_WORDS)),
    ),
    Rule(
        "E04",
        "account_blocked_or_restricted",
        all_of(
            in_phase(*ENVELOPE),
            any_of(
                says("outboundspamexception", "bad outbound sender", "restricted entit", "sender is blocked"),
                all_of(microsoft, enhanced("5.1.8")),
            ),
        ),
    ),
    Rule("E05", "quota_exceeded", all_of(in_phase(*ENVELOPE), any_of(QUOTA_WORDS, enhanced("5.4.5")))),
    Rule("E06", "sender_mailbox_full", all_of(in_phase(MAIL, DATA), MAILBOX_FULL_WORDS)),
    Rule("E07", "rate_limited", all_of(in_phase(*ENVELOPE), RATE_WORDS)),
    Rule("E08", "send_as_denied", all_of(in_phase(*ENVELOPE), any_of(SEND_AS_WORDS, enhanced("5.7.60")))),
    Rule(
        "E09",
        "sender_not_verified",
        all_of(
            in_phase(*ENVELOPE),
            says(
                "verified sender identity",
                "not verified",
                "sender identity",
                "unverified sender",
                "identity verification",
            ),
        ),
    ),
    Rule(
        "E10",
        "wrong_host_for_submission",
        all_of(
            in_phase(*ENVELOPE),
            relay_endpoint,
            login_presented,
            any_of(RELAY_WORDS, says("mail_relay denied", "smtp relay")),
        ),
    ),
    Rule("E11", "relay_denied", all_of(in_phase(*ENVELOPE), any_of(RELAY_WORDS, says("mail_relay denied")))),
    Rule(
        "E12",
        "not_authenticated",
        all_of(
            in_phase(*ENVELOPE),
            not_(embedded),
            any_of(NOT_AUTHENTICATED, enhanced("5.7.57"), all_of(code(530), enhanced("5.7.0", "5.7.1"))),
        ),
    ),
    Rule(
        "E13",
        "message_too_large",
        all_of(in_phase(*ENVELOPE), any_of(enhanced("5.3.4", "5.2.3", "4.3.4"), SIZE_WORDS, code(552))),
    ),
    # A policy refusal (5.7.x) of a recipient when nobody logged in is the server declining to relay for an
    # unknown client, whatever the prose says (Postfix: "Recipient address rejected: Access denied").
    Rule("E19", "relay_denied", all_of(in_phase(RCPT), no_login, enhanced("5.7.1"))),
    Rule(
        "E14",
        "recipient_rejected",
        all_of(in_phase(RCPT), any_of(enhanced("5.1.1", "5.1.10", "5.1.6", "5.2.1"), RECIPIENT_WORDS)),
    ),
    Rule(
        "E15",
        "envelope_syntax_error",
        all_of(
            in_phase(MAIL, RCPT),
            any_of(
                enhanced("5.1.3", "5.1.7", "5.5.4", "5.5.2"),
                says("syntax", "invalid address", "bad address", "malformed"),
            ),
        ),
    ),
    Rule("E16", "transient_server_error", all_of(in_phase(*ENVELOPE), code_class(4))),
    Rule("E17", "message_rejected", all_of(replied(DATA), code_class(5))),
    Rule("E18", "reply_rejected_unspecified", all_of(in_phase(MAIL, RCPT), code_class(5))),
    # The session broke down
    Rule("X01", "server_timeout", failed(K.TIMEOUT)),
    Rule("X02", "server_disconnected", failed(K.DISCONNECTED)),
    Rule("X03", "protocol_error", failed(K.PROTOCOL)),
    Rule("X05", "reply_rejected_unspecified", failed(K.REPLY)),
)

NOTE_RULES: tuple[Rule, ...] = (
    Rule("N01", "credentials_sent_without_tls", all_of(auth_step_ran, not_(tls_up), login_presented), auth_commands),
    Rule("N02", "tls_verification_disabled", verification_off, tls_lines),
    Rule("N03", "legacy_tls_negotiated", legacy_tls, tls_lines),
    Rule(
        "N04",
        "basic_auth_retirement",
        all_of(exchange_submission, password_login_worked, not_(auth_failed)),
        auth_success,
    ),
    Rule("N05", "auth_only_after_starttls", auth_only_after_tls, capability_lines),
    Rule("N06", "clock_skew", clock.has_clock_skew, greeting_line),
    Rule("N07", "plaintext_submission_port", plaintext_submission, auth_commands),
)

ALL_RULES: tuple[Rule, ...] = CAUSE_RULES + NOTE_RULES
