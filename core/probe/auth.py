"""The AUTH phase of a probe: choose a mechanism, run the SASL exchange, explain its challenges.

With ``AuthMethod.AUTO`` a token means XOAUTH2 and a password the first of PLAIN, LOGIN, CRAM-MD5
the server offers; an explicit method must be offered or the phase stops as NOT_OFFERED. Each 334
challenge is decoded into the transcript (an XOAUTH2 error becomes ``result.xoauth2_error``); after
a few rounds the client cancels rather than loop with a server that keeps challenging.
"""

from __future__ import annotations

from core.model import AuthMethod
from core.probe.phases import Phase
from core.probe.result import FailureKind
from core.probe.session import ProbeSession, Stop
from core.smtp.capabilities import Capabilities
from core.smtp.commands import AuthResponse
from core.smtp.conversation import State
from core.smtp.sasl import CANCEL, decode_challenge_text, decode_xoauth2_challenge, exchange_for

_AUTO_ORDER = ("PLAIN", "LOGIN", "CRAM-MD5")
_EXPLICIT = {
    AuthMethod.PLAIN: "PLAIN",
    AuthMethod.LOGIN: "LOGIN",
    AuthMethod.CRAM_MD5: "CRAM-MD5",
    AuthMethod.XOAUTH2: "XOAUTH2",
}
_MAX_SASL_ROUNDS = 5


def wants_auth(session: ProbeSession) -> bool:
    """AUTH runs when the plan allows it and there is something to log in with."""
    if session.plan.auth is AuthMethod.NONE:
        return False
    credentials = session.credentials
    return bool(session.plan.username or credentials.password or credentials.token)


def authenticate(session: ProbeSession) -> None:
    """Log in; stops the run (``Stop``) when the server offers nothing usable or refuses."""
    conversation = session.conversation
    mechanism = _choose_mechanism(session, conversation.capabilities)
    exchange = exchange_for(
        mechanism,
        session.plan.username or "",
        _secret_for(session, mechanism),
        initial_response=session.plan.behaviour.initial_response,
    )
    session.auth_mechanism = mechanism
    reply = session.exchange(exchange.start(), Phase.AUTH)
    rounds = 0
    while reply.code == 334 and conversation.state is State.AUTH_CHALLENGE:
        rounds += 1
        challenge = reply.lines[0].strip() if reply.lines else ""
        _explain_challenge(session, mechanism, challenge)
        response = exchange.respond(challenge) if rounds <= _MAX_SASL_ROUNDS else AuthResponse(CANCEL)
        if exchange.xoauth2_error is not None and session.xoauth2_error is None:
            session.xoauth2_error = exchange.xoauth2_error
        reply = session.exchange(response, Phase.AUTH)
    if not conversation.authenticated:
        raise Stop(FailureKind.REPLY, Phase.AUTH, f"AUTH {mechanism} was refused: {reply.quoted}", reply)
    session.info(f"Authenticated with AUTH {mechanism}")


def _choose_mechanism(session: ProbeSession, capabilities: Capabilities | None) -> str:
    offered = capabilities.auth_mechanisms if capabilities else ()
    if not offered:
        raise Stop(FailureKind.NOT_OFFERED, Phase.AUTH, _no_auth_message(session, capabilities))
    if session.plan.auth is AuthMethod.AUTO:
        if session.credentials.token:
            wanted = "XOAUTH2"
        else:
            wanted = next((m for m in _AUTO_ORDER if m in offered), "")
            if not wanted:
                raise Stop(
                    FailureKind.NOT_OFFERED,
                    Phase.AUTH,
                    f"The server offers no password mechanism ({', '.join(_AUTO_ORDER)}); "
                    f"it offers {' '.join(offered)}.",
                )
    else:
        wanted = _EXPLICIT[session.plan.auth]
    if wanted not in offered:
        raise Stop(
            FailureKind.NOT_OFFERED,
            Phase.AUTH,
            f"The server does not offer AUTH {wanted}; it offers {' '.join(offered)}.",
        )
    session.info(f"Using AUTH {wanted} (the server offers {' '.join(offered)})")
    return wanted


def _no_auth_message(session: ProbeSession, capabilities: Capabilities | None) -> str:
    message = "The server's EHLO reply lists no AUTH: it accepts no login on this connection."
    if capabilities is not None and capabilities.starttls and not session.conversation.tls_active:
        message += " It offers STARTTLS, and servers often offer AUTH only after STARTTLS."
    return message


def _secret_for(session: ProbeSession, mechanism: str) -> str:
    password, token = session.credentials.password, session.credentials.token
    first, second = (token, password) if mechanism == "XOAUTH2" else (password, token)
    chosen = first or second
    return chosen.reveal() if chosen else ""


def _explain_challenge(session: ProbeSession, mechanism: str, challenge: str) -> None:
    if mechanism == "XOAUTH2":
        error = decode_xoauth2_challenge(challenge)
        if error is not None:
            fields = ", ".join(f"{key}={value}" for key, value in error.items())
            session.info(f"The server rejected the token; its XOAUTH2 error says: {fields}")
            return
    text = decode_challenge_text(challenge)
    if text is not None:
        session.info(f"The 334 challenge decodes to '{text}'")
