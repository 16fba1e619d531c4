"""Diagnosing pasted text: a server reply, a printer's or library's error line, or an AADSTS error.

The text is read into a small synthetic probe result (the reply at the phase it most likely
answered, the TLS or connection failure it describes, or the token error), which then goes
through the same engine as a live probe, so both give the same findings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from core.diagnosis.aadsts import aadsts_numbers, correlation_id
from core.diagnosis.engine import diagnose
from core.diagnosis.finding import Finding
from core.diagnosis.replytext import decode_xoauth2_challenge, default_code, normalise
from core.diagnosis.texts import render
from core.errors import InputError
from core.model import AuthMethod, CredentialKind, ProbePlan, SecurityMode
from core.probe.enrichment import Enrichment, TokenErrorInfo
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, ProbeResult
from core.probe.transcript import MAX_EVENT_TEXT, EventKind, TranscriptEvent
from core.smtp.events import Reply

# Where a reply starts inside a client's message: code + enhanced code ("535 5.7.8", "(535): 5.7.3",
# "(535, b'5.7.8"), a known error code followed by words, or an enhanced code alone (.NET).
_CODE_AND_ENHANCED = re.compile(
    r"(?<![\w.])([2-5]\d\d)(?:[ -]|\)?:\s*|,\s*b?['\"])\s*(?=[245]\.\d{1,3}\.\d{1,3}(?:\s|$))"
)
_KNOWN_CODES = "334|421|450|451|452|454|500|501|502|503|504|530|534|535|538|550|551|552|553|554"
_CODE_AND_WORDS = re.compile(rf"(?:^|(?<=[\s:>*(]))({_KNOWN_CODES})[ -](?=\S)", re.MULTILINE)
_ENHANCED_ALONE = re.compile(r"(?<![\w.])([245])\.\d{1,3}\.\d{1,3}(?=\s)")
_CONTINUATION = re.compile(r"^\s*[2-5]\d\d[ -]")
_PORT = re.compile(r"(?:port\s*|:)(\d{2,5})\b", re.IGNORECASE)

_OAUTH_ERRORS = (
    "invalid_client",
    "unauthorized_client",
    "consent_required",
    "invalid_grant",
    "invalid_scope",
    "not compatible with each other",
    "interaction_required",
)

# (words of a client-side error, failure kind, phase, security mode the words imply, verify code)
_CLIENT_ERRORS: tuple[tuple[tuple[str, ...], FailureKind, Phase, SecurityMode | None, int | None], ...] = (
    (
        (
            "getaddrinfo",
            "name or service not known",
            "no such host",
            "nodename nor servname",
            "could not resolve",
            "name resolution",
            "enotfound",
            "host not found",
            "unknown host",
        ),
        FailureKind.DNS,
        Phase.CONNECT,
        None,
        None,
    ),
    (("connection refused", "econnrefused", "actively refused"), FailureKind.REFUSED, Phase.CONNECT, None, None),
    (
        (
            "wrong version number",
            "unexpected packet format",
            "frame size",
            "corrupted frame",
            "first record does not look like",
            "record layer failure",
            "packet length too long",
            "unknown protocol",
        ),
        FailureKind.TLS_HANDSHAKE,
        Phase.TLS,
        SecurityMode.TLS,
        None,
    ),
    (
        ("protocol version", "unsupported protocol", "no protocols available"),
        FailureKind.TLS_HANDSHAKE,
        Phase.TLS,
        None,
        None,
    ),
    (
        ("certificate has expired", "certificate expired", "not yet valid"),
        FailureKind.TLS_CERTIFICATE,
        Phase.TLS,
        None,
        10,
    ),
    (
        (
            "hostname mismatch",
            "name mismatch",
            "doesn't match",
            "does not match the host",
            "ip address mismatch",
            "remotecertificatenamemismatch",
        ),
        FailureKind.TLS_CERTIFICATE,
        Phase.TLS,
        None,
        62,
    ),
    (
        (
            "self signed",
            "self-signed",
            "unable to get local issuer",
            "certificate verify failed",
            "untrusted root",
            "remote certificate is invalid",
            "unknown ca",
            "pkix path building failed",
        ),
        FailureKind.TLS_CERTIFICATE,
        Phase.TLS,
        None,
        19,
    ),
    (("handshake",), FailureKind.TLS_HANDSHAKE, Phase.TLS, SecurityMode.STARTTLS, None),
    (
        ("waiting for server greeting", "waiting for the greeting", "greeting never", "banner"),
        FailureKind.TIMEOUT,
        Phase.GREETING,
        None,
        None,
    ),
    (("timed out", "timeout", "etimedout"), FailureKind.CONNECT_TIMEOUT, Phase.CONNECT, None, None),
)

# Extra provider hints that prose carries (on top of host-name markers in the providers table).
_PROVIDER_HINTS = (
    (
        (
            "prod.outlook.com",
            "protection.outlook.com",
            "storedrv",
            "smtpclientauthentication",
            "5.7.139",
            "5.7.57",
            "aka.ms/smtp",
            "office365",
        ),
        "microsoft365",
    ),
    (("gsmtp", "support.google.com", "google.com"), "google"),
    (("#mbr", "yahoo"), "yahoo"),
    (("sendgrid", "sg esmtp"), "sendgrid"),
    (("mailgun",), "mailgun"),
    (("simpleemailservice", "amazonaws"), "ses"),
    (("zoho",), "zoho"),
    (("postmark",), "postmark"),
    (("brevo", "sendinblue"), "brevo"),
)


def _reply_start(text: str) -> tuple[int, int, int] | None:
    """(position, code, end of the code prefix) of the earliest reply in ``text``."""
    found: list[tuple[int, int, int]] = []
    for pattern in (_CODE_AND_ENHANCED, _CODE_AND_WORDS):
        match = pattern.search(text)
        if match:
            found.append((match.start(1), int(match.group(1)), match.end()))
    match = _ENHANCED_ALONE.search(text)
    if match:
        found.append((match.start(), default_code(int(match.group(1))), match.start()))
    return min(found) if found else None


def _reply_from(text: str) -> Reply | None:
    start = _reply_start(text)
    if start is None:
        return None
    _, code, body_at = start
    body = text[body_at:].replace("\\r\\n", "\n").replace("\\n", "\n").rstrip().rstrip("')\"").rstrip()
    lines = [_CONTINUATION.sub("", line, count=1).strip() for line in body.split("\n") if line.strip()]
    return Reply(code, tuple(lines) or ("",))


def _phase_of(reply: Reply, words: str) -> Phase:
    """The command the reply most likely answered, from its code and words."""
    enhanced = str(reply.enhanced or "")
    if "error: 5" in words or "error: 4" in words or enhanced == "5.7.57":
        return Phase.MAIL_FROM
    if reply.code == 334 or reply.code in (534, 535, 538) or enhanced in ("5.5.124", "5.7.30", "5.7.139"):
        return Phase.AUTH
    if "authentication" in words and reply.code in (454, 501, 504):
        return Phase.AUTH
    if enhanced == "4.7.66":
        return Phase.EHLO
    if (
        any(w in words for w in ("relay", "recipient", "user unknown", "tenantattribution", "traffic not accepted"))
        or enhanced.startswith("5.1.1")
        or enhanced in ("5.7.64", "5.7.68", "5.7.708")
    ):
        return Phase.RCPT_TO
    if any(
        w in words for w in ("storedrv", "sendas", "sender identity", "size", "spam", "throttl", "message")
    ) or enhanced.startswith(("5.2.", "5.3.", "4.3.", "5.6.")):
        return Phase.DATA
    return Phase.MAIL_FROM


def _provider_hint(words: str) -> str | None:
    return next((pid for hints, pid in _PROVIDER_HINTS if any(h in words for h in hints)), None)


def _plan(words: str, security: SecurityMode, phase: Phase, reply: Reply | None) -> ProbePlan:
    port_match = _PORT.search(words)
    port = int(port_match.group(1)) if port_match and int(port_match.group(1)) < 65536 else 0
    oauth = any(w in words for w in ("xoauth2", "oauth", "bearer")) or (
        reply is not None and decode_xoauth2_challenge(reply) is not None
    )
    credential = CredentialKind.NONE
    if phase in (Phase.AUTH, Phase.OAUTH_TOKEN, Phase.TLS) or "error: 5" in words:
        credential = CredentialKind.OAUTH_DELEGATED if oauth else CredentialKind.PASSWORD
    auth = AuthMethod.XOAUTH2 if oauth and credential is not CredentialKind.NONE else AuthMethod.AUTO
    return ProbePlan(host="", port=port, security=security, auth=auth, credential_kind=credential)


def _result(
    text: str, plan: ProbePlan, failure: Failure, kind: EventKind, enrichment: Enrichment, reply: Reply | None
) -> ProbeResult:
    shown = text if len(text) <= MAX_EVENT_TEXT else text[:MAX_EVENT_TEXT] + "…"
    event = TranscriptEvent(0, 0.0, kind, shown, failure.phase)
    replies = ((failure.phase, reply),) if reply is not None else ()
    return ProbeResult(
        plan=plan,
        started_at=datetime.now(UTC),
        transcript=(event,),
        failure=failure,
        replies=replies,
        enrichment=enrichment,
    )


def _token_result(text: str, words: str) -> ProbeResult | None:
    numbers = aadsts_numbers(text)
    if not numbers and not any(name in words for name in _OAUTH_ERRORS):
        return None
    error = next((name for name in _OAUTH_ERRORS if name in words and "_" in name), "")
    token_error = TokenErrorInfo(error, text.strip(), tuple(numbers), correlation_id(text))
    plan = _plan(words + " oauth", SecurityMode.STARTTLS, Phase.OAUTH_TOKEN, None)
    failure = Failure(
        FailureKind.TOKEN, Phase.OAUTH_TOKEN, "the sign-in service refused the token request", event_index=0
    )
    return _result(
        text, plan, failure, EventKind.ERROR, Enrichment(token_error=token_error, provider_id="microsoft365"), None
    )


def _client_error_result(text: str, words: str) -> ProbeResult | None:
    for phrases, kind, phase, mode, verify in _CLIENT_ERRORS:
        if any(p in words for p in phrases):
            plan = _plan(words, mode or SecurityMode.STARTTLS, phase, None)
            failure = Failure(kind, phase, text.strip()[:300], verify_code=verify, event_index=0)
            return _result(text, plan, failure, EventKind.ERROR, Enrichment(), None)
    return None


def _reply_result(text: str, words: str) -> ProbeResult | None:
    reply = _reply_from(text)
    if reply is None or (reply.is_positive and reply.code != 334):
        return None
    phase = _phase_of(reply, words)
    plan = _plan(words, SecurityMode.STARTTLS, phase, reply)
    failure = Failure(FailureKind.REPLY, phase, reply.text[:300], reply=reply, event_index=0)
    hint = _provider_hint(words)
    return _result(text, plan, failure, EventKind.SERVER, Enrichment(provider_id=hint), reply)


def explain_result(text: str) -> ProbeResult | None:
    """The synthetic probe result a pasted text describes, or None when it holds nothing known."""
    words = normalise(text) + " " + text.lower()
    return _token_result(text, words) or _reply_result(text, words) or _client_error_result(text, words)


def explain_text(text: str, *, now: datetime | None = None) -> tuple[Finding, ...]:
    """Findings for a pasted reply or error message, the same a probe would give for it."""
    if not text or not text.strip():
        raise InputError("text", "nothing to explain: paste a server reply or an error message")
    result = explain_result(text)
    if result is None:
        from core.diagnosis.context import build_context

        ctx = build_context(
            _result(
                text,
                ProbePlan(host="", port=0),
                Failure(FailureKind.INTERNAL, Phase.CONNECT, ""),
                EventKind.INFO,
                Enrichment(),
                None,
            ),
            now or datetime.now(UTC),
            None,
        )
        return (render("input_not_recognised", ctx, "U01", (0,)),)
    return diagnose(result, now=now)
