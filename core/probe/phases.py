"""The phases of a probe, in the order a session goes through them."""

from __future__ import annotations

import enum


class Phase(enum.Enum):
    """One step of a session. Values are the public names used in JSON and reports."""

    OAUTH_TOKEN = "oauth_token"
    CONNECT = "connect"
    TLS = "tls"  # a TLS handshake: at once for implicit TLS, or after STARTTLS's 220
    GREETING = "greeting"
    EHLO = "ehlo"
    STARTTLS = "starttls"  # the STARTTLS command itself
    AUTH = "auth"
    MAIL_FROM = "mail_from"
    RCPT_TO = "rcpt_to"
    DATA = "data"
    QUIT = "quit"

    @property
    def step(self) -> Step:
        """The coarse step a technician sees in the step bar."""
        return _STEP_OF[self]


class Step(enum.Enum):
    """The five steps of the GUI's step bar (Connect → TLS → Greeting/EHLO → Login → Send)."""

    CONNECT = "Connect"
    TLS = "TLS"
    HELLO = "Greeting/EHLO"
    LOGIN = "Login"
    SEND = "Send"


_STEP_OF = {
    Phase.OAUTH_TOKEN: Step.LOGIN,
    Phase.CONNECT: Step.CONNECT,
    Phase.TLS: Step.TLS,
    Phase.STARTTLS: Step.TLS,
    Phase.GREETING: Step.HELLO,
    Phase.EHLO: Step.HELLO,
    Phase.AUTH: Step.LOGIN,
    Phase.MAIL_FROM: Step.SEND,
    Phase.RCPT_TO: Step.SEND,
    Phase.DATA: Step.SEND,
    Phase.QUIT: Step.SEND,
}
