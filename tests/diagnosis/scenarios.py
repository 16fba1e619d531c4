"""One realistic scenario per rule id: the evidence that rule exists for (used by the table tests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from core.model import AuthMethod, CredentialKind, SecurityMode
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, ProbeResult
from core.smtp.events import Reply
from tests.diagnosis.builders import NOW, make_result, token_result

K = FailureKind
M365 = "smtp.office365.com"
MX = "contoso-com.mail.protection.outlook.com"
OAUTH = {
    "credential": CredentialKind.OAUTH_DELEGATED,
    "mechanism": "XOAUTH2",
    "host": M365,
    "offered": ("LOGIN", "XOAUTH2"),
}
APP = {**OAUTH, "credential": CredentialKind.OAUTH_APP_ONLY}
ANON = {"credential": CredentialKind.NONE, "mechanism": None, "username": None}
LATER = NOW.timestamp() + 3000
EARLIER = NOW.timestamp() - 600


def auth(reply: str, **kw: object) -> ProbeResult:
    return make_result(fail_phase=Phase.AUTH, reply=reply, **kw)  # type: ignore[arg-type]


def at(phase: Phase, reply: str, **kw: object) -> ProbeResult:
    return make_result(fail_phase=phase, reply=reply, **kw)  # type: ignore[arg-type]


def broken(phase: Phase, kind: FailureKind, message: str = "", **kw: object) -> ProbeResult:
    return make_result(fail_phase=phase, kind=kind, message=message, **kw)  # type: ignore[arg-type]


def claims(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "aud": "https://outlook.office.com",
        "scp": "SMTP.Send",
        "upn": "scanner@contoso.com",
        "exp": LATER,
        "iat": EARLIER,
        "nbf": EARLIER,
    }
    base.update(kw)
    return base


def quit_reply() -> ProbeResult:
    done = make_result()
    reply = Reply(554, ("5.0.0 Something odd",))
    return dataclasses.replace(done, failure=Failure(K.REPLY, Phase.QUIT, "odd", reply=reply))


SCENARIOS: dict[str, Callable[[], ProbeResult]] = {
    "T01": lambda: token_result(
        {"error": "invalid_grant", "description": "AADSTS65001: not consented", "aadsts": [65001]}
    ),
    "T02": lambda: token_result({"error": "access_denied", "description": "AADSTS53003: blocked", "aadsts": [53003]}),
    "T03": lambda: token_result({"error": "invalid_client", "description": "AADSTS7000218: ...", "aadsts": [7000218]}),
    "T04": lambda: token_result({"error": "invalid_scope", "description": "AADSTS70011: ...", "aadsts": [70011]}),
    "T05": lambda: token_result({"error": "invalid_grant", "description": "AADSTS70008: expired", "aadsts": [70008]}),
    "T06": lambda: token_result({"error": "invalid_grant", "description": "AADSTS50126: bad", "aadsts": [50126]}),
    "T07": lambda: token_result({"error": "invalid_grant", "description": "AADSTS50057: disabled", "aadsts": [50057]}),
    "T09": lambda: token_result({"error": "server_error", "description": "AADSTS9999999: new", "aadsts": [9999999]}),
    "C01": lambda: broken(Phase.CONNECT, K.DNS, "Name or service not known"),
    "C02": lambda: broken(Phase.CONNECT, K.REFUSED, "Connection refused"),
    "C03": lambda: broken(Phase.CONNECT, K.CONNECT_TIMEOUT, "timed out", port=25),
    "C04": lambda: broken(Phase.CONNECT, K.CONNECT_FAILED, "Network is unreachable"),
    "C10": lambda: broken(
        Phase.TLS,
        K.TLS_HANDSHAKE,
        "alert",
        security=SecurityMode.TLS,
        port=465,
        ssl_reason="TLSV1_ALERT_PROTOCOL_VERSION",
    ),
    "C11": lambda: broken(
        Phase.TLS,
        K.TLS_HANDSHAKE,
        "handshake failed",
        security=SecurityMode.TLS,
        port=587,
        ssl_reason="WRONG_VERSION_NUMBER",
    ),
    "C12": lambda: broken(Phase.GREETING, K.TIMEOUT, "no greeting", port=465),
    "C13": lambda: broken(Phase.GREETING, K.PROTOCOL, "not an SMTP greeting: 'HTTP/1.1 400 Bad Request'", port=443),
    "C14": lambda: broken(Phase.TLS, K.TLS_CERTIFICATE, "certificate has expired", verify_code=10),
    "C15": lambda: broken(Phase.TLS, K.TLS_CERTIFICATE, "Hostname mismatch", verify_code=62, host="192.0.2.7"),
    "C16": lambda: broken(Phase.TLS, K.TLS_CERTIFICATE, "self-signed certificate in chain", verify_code=19),
    "C17": lambda: broken(Phase.TLS, K.TLS_HANDSHAKE, "sslv3 alert handshake failure", ssl_reason="HANDSHAKE_FAILURE"),
    "G01": lambda: at(
        Phase.GREETING, "554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org"
    ),
    "G02": lambda: at(Phase.GREETING, "421 4.7.0 Too many connections from your IP, try later"),
    "G03": lambda: at(Phase.GREETING, "554 mail.example.net ESMTP not accepting messages"),
    "G04": lambda: broken(Phase.STARTTLS, K.NOT_OFFERED, "STARTTLS not offered", starttls_offered=False),
    "G05": lambda: at(Phase.STARTTLS, "454 4.7.0 TLS not available due to local problem"),
    "G06": lambda: at(Phase.EHLO, "501 5.5.4 Invalid EHLO name"),
    "G07": lambda: at(Phase.EHLO, "421 4.7.0 Too many concurrent SMTP connections; please try again later"),
    "G08": lambda: at(Phase.EHLO, "451 4.3.0 Temporary local problem, try again later"),
    "C18": lambda: broken(Phase.GREETING, K.TIMEOUT, "no greeting", port=8080, quirks=("http_port",)),
    "C19": lambda: broken(
        Phase.TLS,
        K.TLS_HANDSHAKE,
        "The server sent plaintext ('250 ok') after agreeing to STARTTLS, instead of starting TLS.",
        ssl_reason="WRONG_VERSION_NUMBER",
        quirks=("data_after_starttls",),
    ),
    "A01": lambda: auth("501 5.5.124 Invalid XOAUTH2 auth data", **APP),
    "A02": lambda: auth(
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", host=M365
    ),
    "A03": lambda: auth(
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.", host=M365
    ),
    "A04": lambda: auth(
        "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be "
        "authenticated successfully. Contact your administrator.",
        host=M365,
    ),
    "A05": lambda: auth(
        "535 5.7.139 Authentication unsuccessful, the federated STS service was unreachable.", host=M365
    ),
    "A06": lambda: auth("535 5.7.139 Authentication unsuccessful, basic authentication is disabled.", host=M365),
    "A07": lambda: auth("535 5.7.139 Authentication unsuccessful, the user credentials were incorrect.", host=M365),
    "A10": lambda: auth(
        "534-5.7.9 Application-specific password required.\n534 5.7.9 https://support.google.com/mail/"
        "?p=InvalidSecondFactor x - gsmtp",
        host="smtp.gmail.com",
    ),
    "A11": lambda: auth(
        "534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1>\n534 5.7.14 Please log in "
        "via your web browser and then try again.",
        host="smtp.gmail.com",
    ),
    "A12": lambda: auth("535 5.7.0 Your account is disabled"),
    "A20": lambda: at(
        Phase.MAIL_FROM,
        "530 5.7.0 Must issue a STARTTLS command first",
        security=SecurityMode.NONE,
        starttls_done=False,
        **ANON,
    ),
    "A21": lambda: auth(
        "504 5.7.4 Unrecognized authentication type", security=SecurityMode.NONE, host=M365, offered_before=()
    ),
    "A22": lambda: broken(Phase.AUTH, K.NOT_OFFERED, "no AUTH", security=SecurityMode.NONE, offered_before=()),
    "A23": lambda: broken(Phase.AUTH, K.NOT_OFFERED, "no AUTH", host=MX, port=25, offered=()),
    "A24": lambda: broken(
        Phase.AUTH,
        K.NOT_OFFERED,
        "no PLAIN",
        host=M365,
        mechanism="PLAIN",
        auth=AuthMethod.PLAIN,
        offered=("LOGIN", "XOAUTH2"),
    ),
    "A25": lambda: auth("504 5.7.4 Unrecognized authentication type"),
    "A26": lambda: broken(Phase.AUTH, K.NOT_OFFERED, "no AUTH", offered=()),
    "O01": lambda: at(Phase.MAIL_FROM, "430 4.2.0 STOREDRV; mailbox logon failure; MapiExceptionLogonFailed", **APP),
    "O02": lambda: auth("535 5.7.3 Authentication unsuccessful", claims=claims(exp=EARLIER), **OAUTH),
    "O03": lambda: auth(
        "535 5.7.3 Authentication unsuccessful", claims=claims(aud="https://graph.microsoft.com"), **OAUTH
    ),
    "O04": lambda: auth(
        "535 5.7.3 Authentication unsuccessful",
        claims={"aud": "https://outlook.office365.com", "roles": ["Mail.Send"], "exp": LATER},
        **APP,
    ),
    "O05": lambda: auth("535 5.7.3 Authentication unsuccessful", claims=claims(upn="alex@contoso.com"), **OAUTH),
    "O06": lambda: auth(
        "535 5.7.3 Authentication unsuccessful",
        claims={"aud": "https://outlook.office365.com", "roles": ["SMTP.SendAsApp"], "exp": LATER},
        **APP,
    ),
    "O07": lambda: auth("535 5.7.3 Authentication unsuccessful", claims=claims(), **OAUTH),
    "O08": lambda: auth("535 5.7.3 Authentication unsuccessful", **OAUTH),
    "A30": lambda: auth("454 4.7.0 Too many login attempts, please try again later."),
    "A31": lambda: auth("454 4.7.0 Temporary authentication failure"),
    "A32": lambda: auth(
        "535-5.7.8 Username and Password not accepted.\n535 5.7.8 https://support.google.com/mail/"
        "?p=BadCredentials - gsmtp",
        host="smtp.gmail.com",
    ),
    "A33": lambda: auth("535 5.7.3 Authentication unsuccessful", host=M365),
    "E01": lambda: at(
        Phase.RCPT_TO,
        "550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from unauthorized sources",
        host=MX,
        port=25,
        **ANON,
    ),
    "E02": lambda: at(Phase.RCPT_TO, "550 5.7.64 TenantAttribution; Relay Access Denied", host=MX, port=25, **ANON),
    "E03": lambda: at(
        Phase.RCPT_TO,
        "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
        host=MX,
        port=25,
        **ANON,
    ),
    "E04": lambda: at(Phase.DATA, "554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException;", host=M365),
    "E05": lambda: at(
        Phase.DATA, "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", host=M365
    ),
    "E06": lambda: at(Phase.DATA, "554 5.2.2 STOREDRV.Submission.Exception:QuotaExceededException", host=M365),
    "E07": lambda: at(Phase.MAIL_FROM, "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", host=M365),
    "E08": lambda: at(
        Phase.MAIL_FROM,
        "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
        host=M365,
        mail_from="boss@contoso.com",
    ),
    "E09": lambda: at(
        Phase.DATA, "550 The from address does not match a verified Sender Identity.", host="smtp.sendgrid.net"
    ),
    "E10": lambda: at(
        Phase.MAIL_FROM,
        "550 5.7.0 Mail relay denied [198.51.100.4]. Invalid credentials for relay for one of the domains",
        host="smtp-relay.gmail.com",
    ),
    "E11": lambda: at(Phase.RCPT_TO, "554 5.7.1 <x@example.org>: Relay access denied", port=25, **ANON),
    "E12": lambda: at(
        Phase.MAIL_FROM,
        "530 5.7.57 Client not authenticated to send anonymous mail during MAIL FROM",
        host=M365,
        **ANON,
    ),
    "E13": lambda: at(Phase.DATA, "552 5.3.4 Message size exceeds fixed limit"),
    "E14": lambda: at(Phase.RCPT_TO, "550 5.1.1 <desk@contoso.com>: Recipient address rejected: User unknown"),
    "E15": lambda: at(Phase.RCPT_TO, "501 5.1.3 Bad recipient address syntax"),
    "E19": lambda: at(
        Phase.RCPT_TO, "554 5.7.1 <desk@example.org>: Recipient address rejected: Access denied", port=587, **ANON
    ),
    "E16": lambda: at(Phase.DATA, "451 4.3.0 Error: queue file write error"),
    "E17": lambda: at(Phase.DATA, "550 5.7.1 Message content rejected, UBE, id=12345"),
    "E18": lambda: at(Phase.MAIL_FROM, "550 5.7.1 Command rejected"),
    "X01": lambda: broken(Phase.EHLO, K.TIMEOUT, "The server stopped answering during ehlo"),
    "X02": lambda: broken(Phase.DATA, K.DISCONNECTED, "Connection closed during data."),
    "X03": lambda: broken(Phase.AUTH, K.PROTOCOL, "malformed reply"),
    "X05": quit_reply,
    "N01": lambda: make_result(security=SecurityMode.NONE, starttls_done=False, offered_before=("LOGIN", "PLAIN")),
    "N02": lambda: make_result(verify=False),
    "N03": lambda: make_result(tls_version="TLSv1.1"),
    "N04": lambda: make_result(host=M365, offered=("LOGIN", "XOAUTH2")),
    "N05": lambda: make_result(),
    "N06": lambda: make_result(greeting="220 mail.example.net ESMTP Exim 4.96 Sun, 01 Mar 2026 15:00:00 +0000"),
    "N07": lambda: make_result(
        host="smtp.gmail.com",
        port=25,
        security=SecurityMode.NONE,
        starttls_done=False,
        offered_before=("LOGIN", "PLAIN"),
    ),
}
