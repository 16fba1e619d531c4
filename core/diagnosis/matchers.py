"""Small predicate builders so the rule table reads like a table (h11/aiosmtpd style).

Each builder returns a function of a :class:`Context` to bool. Text predicates match on words of
the normalised reply, never on whole sentences, so reworded prose and suffixes do not break them.
"""

from __future__ import annotations

from collections.abc import Callable

from core.diagnosis.context import Context
from core.diagnosis.presets import IMPLICIT_TLS_PORTS, PLAINTEXT_FIRST_PORTS
from core.diagnosis.replytext import contains_words
from core.model import CredentialKind, SecurityMode
from core.probe.phases import Phase
from core.probe.result import FailureKind

Predicate = Callable[[Context], bool]


def all_of(*predicates: Predicate) -> Predicate:
    return lambda ctx: all(p(ctx) for p in predicates)


def any_of(*predicates: Predicate) -> Predicate:
    return lambda ctx: any(p(ctx) for p in predicates)


def not_(predicate: Predicate) -> Predicate:
    return lambda ctx: not predicate(ctx)


def always(ctx: Context) -> bool:
    return True


# --- what stopped the run -------------------------------------------------------------------


def failed(*kinds: FailureKind) -> Predicate:
    return lambda ctx: ctx.kind in kinds


def in_phase(*phases: Phase) -> Predicate:
    return lambda ctx: ctx.phase in phases


def replied(*phases: Phase) -> Predicate:
    """The server answered a command in one of ``phases`` with an error reply."""
    return lambda ctx: ctx.reply is not None and ctx.phase in phases and ctx.kind is FailureKind.REPLY


def code(*codes: int) -> Predicate:
    return lambda ctx: ctx.code in codes


def code_class(klass: int) -> Predicate:
    return lambda ctx: ctx.code is not None and ctx.code // 100 == klass


def enhanced(*statuses: str) -> Predicate:
    """The enhanced status code is one of ``statuses``; a status ending in '.' matches a prefix."""

    def check(ctx: Context) -> bool:
        status = ctx.enhanced
        if status is None:
            return False
        return any(status.startswith(s) if s.endswith(".") else status == s for s in statuses)

    return check


def says(*alternatives: str) -> Predicate:
    """The reply contains all words of at least one alternative (``_`` joins adjacent words)."""
    return lambda ctx: any(contains_words(ctx.text, words) for words in alternatives)


def failure_says(*alternatives: str) -> Predicate:
    """The failure's own message or OpenSSL reason contains the words of one alternative."""

    def check(ctx: Context) -> bool:
        failure = ctx.failure
        if failure is None:
            return False
        text = " ".join(filter(None, (failure.message, failure.ssl_reason, failure.os_error))).lower()
        text = text.replace("_", " ")
        return any(contains_words(text, words) for words in alternatives)

    return check


def verify_code(*codes: int) -> Predicate:
    def check(ctx: Context) -> bool:
        failure, tls = ctx.failure, ctx.result.tls
        found = {failure.verify_code if failure else None, tls.verify_code if tls else None}
        return bool(found & set(codes))

    return check


def quirk(name: str) -> Predicate:
    """The runner noted this quirk (e.g. ``plaintext_greeting_on_tls``)."""
    return lambda ctx: name in ctx.result.quirks


def embedded(ctx: Context) -> bool:
    return ctx.embedded


# --- what was negotiated --------------------------------------------------------------------


def security(*modes: SecurityMode) -> Predicate:
    return lambda ctx: ctx.security in modes


def port_in(ports: frozenset[int]) -> Predicate:
    return lambda ctx: ctx.port in ports


plaintext_first_port = port_in(PLAINTEXT_FIRST_PORTS)
implicit_tls_port = port_in(IMPLICIT_TLS_PORTS)


def tls_up(ctx: Context) -> bool:
    return ctx.tls_up


def starttls_offered(ctx: Context) -> bool:
    return ctx.starttls_offered


def auth_offered(ctx: Context) -> bool:
    return bool(ctx.offered)


def mechanism(*names: str) -> Predicate:
    return lambda ctx: ctx.mechanism in names


def mechanism_not_offered(ctx: Context) -> bool:
    """The mechanism used is missing from a non-empty list the server offered."""
    return bool(ctx.offered) and ctx.mechanism is not None and ctx.mechanism not in ctx.offered


def credential(*kinds: CredentialKind) -> Predicate:
    return lambda ctx: ctx.credential in kinds


def oauth(ctx: Context) -> bool:
    return ctx.is_oauth


def password(ctx: Context) -> bool:
    return ctx.uses_password


def no_login(ctx: Context) -> bool:
    return ctx.credential is CredentialKind.NONE and ctx.mechanism is None


def provider(*ids: str) -> Predicate:
    return lambda ctx: ctx.provider_is(*ids)


def microsoft(ctx: Context) -> bool:
    return ctx.microsoft


def has_claims(ctx: Context) -> bool:
    return bool(ctx.claims)


def xoauth2_challenge(ctx: Context) -> bool:
    return ctx.xoauth2_error is not None


def token_error_present(ctx: Context) -> bool:
    return ctx.token_error is not None
