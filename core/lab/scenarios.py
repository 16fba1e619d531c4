"""The practice scenarios: ready-made settings to try against the practice server, as data.

Each ``Scenario`` names a listener, a security mode, a login and what to send, and the one
diagnosis code the test must end with (``expected_code``; None when it works). Some scenarios
are server-side situations (an account whose SMTP AUTH is off); others are client mistakes
(STARTTLS chosen on the implicit-TLS port). ``expected_code`` is the contract the diagnosis
tests check against; ``stops_at`` and ``expected_reply`` say where the probe stops and with
which reply code.

``scenario_plans(server)`` turns the catalogue into real ``ProbePlan`` + ``Credentials`` pairs
for a running server: the GUI offers them as ready profiles, the tests loop over them.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.lab.accounts import DOMAIN, PRACTICE_APP_PASSWORD, PRACTICE_PASSWORD, practice_token
from core.lab.listeners import ListenerRole
from core.lab.server import PracticeServer
from core.model import (
    AuthMethod,
    CredentialKind,
    Credentials,
    MessageSpec,
    ProbePlan,
    SecurityMode,
    Timeouts,
    TlsPolicy,
)
from core.probe.phases import Phase
from core.secret import Secret

# Loopback answers in milliseconds; short deadlines keep the "wrong port" scenarios quick.
PRACTICE_TIMEOUTS = Timeouts(connect=3.0, greeting=2.0, tls=3.0, command=5.0, data_end=15.0, total=30.0)
OVERSIZE_MARGIN = 64 * 1024  # how far past the server's SIZE the "too large" attachment goes

_SUBMISSION, _IMPLICIT, _PLAIN = ListenerRole.SUBMISSION, ListenerRole.IMPLICIT, ListenerRole.PLAIN
_COLLEAGUE = f"colleague@{DOMAIN}"


def _user(name: str) -> str:
    return f"{name}@{DOMAIN}"


@dataclass(frozen=True)
class Scenario:
    """One practice case: the settings to enter and the outcome to expect."""

    id: str
    title: str  # plain words, shown as the ready profile's name
    lesson: str  # one or two sentences: what the technician learns here
    listener: ListenerRole
    security: SecurityMode
    expected_code: str | None  # the primary diagnosis code; None: the test passes
    login: str | None = None  # None: no AUTH
    password: Secret | None = None
    token: Secret | None = None
    credential_kind: CredentialKind = CredentialKind.PASSWORD
    auth: AuthMethod = AuthMethod.AUTO
    mail_from: str | None = None  # None: the login
    rcpt_to: tuple[str, ...] = (_COLLEAGUE,)
    header_from: str | None = None
    exceeds_size_limit: bool = False  # attach more than the server's SIZE
    trust_practice_ca: bool = True  # False: verify against the system store (which lacks the CA)
    # Where the probe fails and the code of the reply that stops it, where that does not depend on
    # how the client goes about it (None: not pinned, or the probe completes).
    stops_at: Phase | None = None
    expected_reply: int | None = None
    expected_warnings: tuple[str, ...] = ()  # codes that must be among the other findings

    @property
    def sender(self) -> str:
        return self.mail_from or self.login or _user("scanner")


def _password(value: str = PRACTICE_PASSWORD) -> Secret:
    return Secret(value)


def _token(login: str) -> Secret:
    return Secret(practice_token(login))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "works-starttls",
        "Works (STARTTLS on the submission port)",
        "The usual setup for Microsoft 365 and Gmail: port 587 with STARTTLS, then login and send.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        None,
        login=_user("works"),
        password=_password(),
    ),
    Scenario(
        "works-implicit-tls",
        "Works (SSL/TLS on the implicit-TLS port)",
        "Port 465 style: TLS starts at once, so the printer must be set to SSL/TLS.",
        _IMPLICIT,
        SecurityMode.TLS,
        None,
        login=_user("works"),
        password=_password(),
    ),
    Scenario(
        "wrong-password",
        "Wrong password (Microsoft's vague reply)",
        "Microsoft answers a wrong password with a bare 535 5.7.3 that has several possible causes.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "auth_rejected_unspecified",
        login=_user("works"),
        password=_password("not-the-password"),
        stops_at=Phase.AUTH,
        expected_reply=535,
    ),
    Scenario(
        "tenant-disabled",
        "SMTP AUTH disabled for the tenant",
        "The organisation switched SMTP AUTH off; an admin must allow it for this mailbox.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "smtp_auth_disabled_tenant",
        login=_user("tenant-disabled"),
        password=_password(),
        stops_at=Phase.AUTH,
        expected_reply=535,
    ),
    Scenario(
        "tenant-disabled-oauth",
        "SMTP AUTH disabled for the tenant (OAuth does not help)",
        "The tenant switch blocks OAuth (XOAUTH2) logins too, not only passwords.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "smtp_auth_disabled_tenant",
        login=_user("tenant-disabled"),
        token=_token(_user("tenant-disabled")),
        stops_at=Phase.AUTH,
        expected_reply=535,
        auth=AuthMethod.XOAUTH2,
        credential_kind=CredentialKind.OAUTH_DELEGATED,
    ),
    Scenario(
        "mailbox-disabled",
        "SMTP AUTH disabled for the mailbox",
        "SMTP AUTH is off for this one mailbox; an admin enables it with Set-CASMailbox.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "smtp_auth_disabled_mailbox",
        login=_user("mailbox-disabled"),
        password=_password(),
        stops_at=Phase.AUTH,
        expected_reply=535,
    ),
    Scenario(
        "basic-disabled",
        "Basic authentication disabled",
        "Password logins are refused for this account; OAuth still works.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "basic_auth_disabled",
        login=_user("basic-disabled"),
        password=_password(),
        stops_at=Phase.AUTH,
        expected_reply=535,
    ),
    Scenario(
        "basic-disabled-oauth",
        "Basic authentication disabled, OAuth works",
        "The same account signs in with an OAuth token instead of the password.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        None,
        login=_user("basic-disabled"),
        token=_token(_user("basic-disabled")),
        auth=AuthMethod.XOAUTH2,
        credential_kind=CredentialKind.OAUTH_DELEGATED,
    ),
    Scenario(
        "security-defaults",
        "Security Defaults block the password",
        "Entra ID Security Defaults lock legacy password sign-in even though SMTP AUTH is on.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "security_defaults_or_conditional_access",
        login=_user("security-defaults"),
        password=_password(),
        stops_at=Phase.AUTH,
        expected_reply=535,
    ),
    Scenario(
        "app-password-required",
        "App password required",
        "Gmail with 2-Step Verification refuses the normal password and asks for an app password.",
        _IMPLICIT,
        SecurityMode.TLS,
        "mfa_app_password_required",
        login=_user("app-password"),
        password=_password(),
        stops_at=Phase.AUTH,
        expected_reply=534,
    ),
    Scenario(
        "app-password-works",
        "App password works",
        "The same Gmail-style account with its app password (spaces may be left out).",
        _IMPLICIT,
        SecurityMode.TLS,
        None,
        login=_user("app-password"),
        password=_password(PRACTICE_APP_PASSWORD),
        credential_kind=CredentialKind.APP_PASSWORD,
    ),
    Scenario(
        "wrong-app-password",
        "Wrong app password (Gmail)",
        "Gmail says plainly that the username or password was not accepted.",
        _IMPLICIT,
        SecurityMode.TLS,
        "bad_credentials",
        login=_user("app-password"),
        password=_password("zzzz zzzz zzzz zzzz"),
        credential_kind=CredentialKind.APP_PASSWORD,
        stops_at=Phase.AUTH,
        expected_reply=535,
    ),
    Scenario(
        "web-login-required",
        "Sign in on the web first",
        "Gmail wants a person to sign in with a browser before it lets the device in.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "account_verification_required",
        login=_user("web-login"),
        password=_password(),
        stops_at=Phase.AUTH,
        expected_reply=534,
    ),
    Scenario(
        "throttled",
        "Too many sign-in attempts",
        "A temporary block after many logins: wait, and stop devices that retry in a loop.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "rate_limited",
        login=_user("throttled"),
        password=_password(),
        stops_at=Phase.AUTH,
        expected_reply=454,
    ),
    Scenario(
        "send-as-denied",
        "Send-as denied",
        "Login works, but the From address belongs to someone else; Exchange refuses after DATA.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "send_as_denied",
        login=_user("send-as-denied"),
        password=_password(),
        mail_from=_user("boss"),
        stops_at=Phase.DATA,
        expected_reply=554,
    ),
    Scenario(
        "oauth-works",
        "OAuth (XOAUTH2) works",
        "Modern authentication: an access token instead of a password.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        None,
        login=_user("oauth"),
        token=_token(_user("oauth")),
        auth=AuthMethod.XOAUTH2,
        credential_kind=CredentialKind.OAUTH_DELEGATED,
    ),
    Scenario(
        "oauth-token-rejected",
        "OAuth token rejected (Microsoft)",
        "Microsoft rejects a bad or expired token with the same bare 535 5.7.3 as a wrong password.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "oauth_token_invalid_or_expired",
        login=_user("oauth"),
        token=Secret("expired-practice-token"),
        stops_at=Phase.AUTH,
        expected_reply=535,
        auth=AuthMethod.XOAUTH2,
        credential_kind=CredentialKind.OAUTH_DELEGATED,
    ),
    Scenario(
        "oauth-token-rejected-gmail",
        "OAuth token rejected (Gmail)",
        "Google sends its error as a base64 JSON challenge (334) before the final 535.",
        _IMPLICIT,
        SecurityMode.TLS,
        "oauth_token_invalid_or_expired",
        login=_user("app-password"),
        token=Secret("expired-practice-token"),
        stops_at=Phase.AUTH,
        expected_reply=535,
        auth=AuthMethod.XOAUTH2,
        credential_kind=CredentialKind.OAUTH_DELEGATED,
    ),
    Scenario(
        "recipient-not-found",
        "Recipient does not exist",
        "The login is fine; the To address is unknown to the server.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "recipient_rejected",
        login=_user("works"),
        password=_password(),
        rcpt_to=(_user("nobody"),),
        stops_at=Phase.RCPT_TO,
        expected_reply=550,
    ),
    Scenario(
        "message-too-large",
        "Message too large",
        "The scan is bigger than the size limit the server announced (SIZE in its EHLO reply).",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "message_too_large",
        login=_user("works"),
        password=_password(),
        exceeds_size_limit=True,  # refused at MAIL FROM (SIZE=) or after DATA, as the client goes
        expected_reply=552,
    ),
    Scenario(
        "starttls-needed",
        "STARTTLS needed (wrong encryption chosen)",
        "Security set to None on the submission port: the server wants STARTTLS before login.",
        _SUBMISSION,
        SecurityMode.NONE,
        "tls_required_before_auth",
        login=_user("works"),
        password=_password(),
        stops_at=Phase.AUTH,
    ),
    Scenario(
        "implicit-tls-port",
        "Implicit TLS port (STARTTLS chosen)",
        "STARTTLS chosen on the SSL/TLS port: the server waits for TLS, the device for a greeting.",
        _IMPLICIT,
        SecurityMode.STARTTLS,
        "port_tls_mismatch_starttls_on_implicit_port",
        login=_user("works"),
        password=_password(),
        stops_at=Phase.GREETING,
    ),
    Scenario(
        "ssl-on-starttls-port",
        "SSL/TLS chosen on the STARTTLS port",
        "The device starts TLS at once, but this port greets in plain text first.",
        _SUBMISSION,
        SecurityMode.TLS,
        "port_tls_mismatch_implicit_on_starttls_port",
        login=_user("works"),
        password=_password(),
        stops_at=Phase.TLS,
    ),
    Scenario(
        "starttls-not-offered",
        "STARTTLS chosen, but the port has no TLS",
        "The plain relay port does not offer STARTTLS at all.",
        _PLAIN,
        SecurityMode.STARTTLS,
        "starttls_not_offered",
        login=_user("works"),
        password=_password(),
        stops_at=Phase.STARTTLS,
    ),
    Scenario(
        "untrusted-certificate",
        "Certificate not trusted",
        "The server's certificate comes from a CA this computer does not trust (like TLS inspection).",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "tls_certificate_untrusted",
        login=_user("works"),
        password=_password(),
        trust_practice_ca=False,
        stops_at=Phase.TLS,
    ),
    Scenario(
        "not-authenticated",
        "No login on the submission port",
        "Authentication set to None, but the submission port only accepts signed-in senders.",
        _SUBMISSION,
        SecurityMode.STARTTLS,
        "not_authenticated",
        credential_kind=CredentialKind.NONE,
        auth=AuthMethod.NONE,
        mail_from=_user("works"),
        stops_at=Phase.MAIL_FROM,
        expected_reply=530,
    ),
    Scenario(
        "relay-works",
        "Relay without login (internal recipient)",
        "An internal relay accepts mail without login for its own domain.",
        _PLAIN,
        SecurityMode.NONE,
        None,
        credential_kind=CredentialKind.NONE,
        auth=AuthMethod.NONE,
        mail_from=_user("scanner"),
    ),
    Scenario(
        "relay-denied",
        "Relay denied (outside recipient without login)",
        "Without login the relay delivers only to its own domain; an outside address is refused.",
        _PLAIN,
        SecurityMode.NONE,
        "relay_denied",
        credential_kind=CredentialKind.NONE,
        auth=AuthMethod.NONE,
        mail_from=_user("scanner"),
        rcpt_to=("someone@example.com",),
        stops_at=Phase.RCPT_TO,
        expected_reply=554,
    ),
    Scenario(
        "password-in-clear",
        "Password sent without encryption",
        "It works, but the password crossed the network unencrypted.",
        _PLAIN,
        SecurityMode.NONE,
        None,
        login=_user("works"),
        password=_password(),
        expected_warnings=("credentials_sent_without_tls",),
    ),
)

SCENARIO_BY_ID: dict[str, Scenario] = {s.id: s for s in SCENARIOS}


def scenario_plan(server: PracticeServer, scenario: Scenario) -> tuple[ProbePlan, Credentials]:
    """The plan and credentials that act out ``scenario`` against a running ``server``."""
    attachment = server.size_limit + OVERSIZE_MARGIN if scenario.exceeds_size_limit else 0
    plan = ProbePlan(
        host=server.host,
        port=server.port(scenario.listener),
        security=scenario.security,
        auth=scenario.auth,
        username=scenario.login,
        credential_kind=scenario.credential_kind if scenario.login else CredentialKind.NONE,
        message=MessageSpec(
            mail_from=scenario.sender,
            rcpt_to=scenario.rcpt_to,
            header_from=scenario.header_from,
            attachment_bytes=attachment,
            subject_note=f"practice: {scenario.id}",
        ),
        tls=TlsPolicy(ca_file=server.ca_file if scenario.trust_practice_ca else None),
        timeouts=PRACTICE_TIMEOUTS,
        profile_name=f"Practice: {scenario.title}",
    )
    return plan, Credentials(password=scenario.password, token=scenario.token)


def scenario_plans(server: PracticeServer) -> list[tuple[Scenario, ProbePlan, Credentials]]:
    """Every scenario with its plan and credentials, in catalogue order."""
    return [(s, *scenario_plan(server, s)) for s in SCENARIOS]
