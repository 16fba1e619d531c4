"""OAuth sign-in as a step of a check, and the account actions (sign in, sign out, who is signed in).

The token is fetched from the profile's cache first, then through the chosen flow. It stays inside
the calling thread: what a sign-in reports while it runs is the device-code prompt (no secret),
the sign-in page's address and the account name. A refused or cancelled sign-in becomes a probe
result the diagnosis can read, so a run that never reached the server still gets findings.
MSAL (and the keyring behind the cache) is imported only here, when a sign-in really happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from core.cancel import CancelToken
from core.errors import InputError
from core.model import ProbePlan
from core.oauth.cache import TokenCacheStore
from core.oauth.errors import TokenError, token_error_info
from core.oauth.settings import OAuthSettings
from core.oauth.tokens import AccessToken, DeviceCodePrompt
from core.probe.enrichment import Enrichment
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, ProbeResult
from core.probe.transcript import EventKind, TranscriptEvent

if TYPE_CHECKING:
    from core.oauth.msal_provider import MsalTokenProvider

CANCELLED_MESSAGE = "Sign-in cancelled."


@dataclass(frozen=True)
class SignIn:
    """What a sign-in needs; ``settings`` may hold the client secret (a ``Secret``): never emit it."""

    settings: OAuthSettings
    cache_store: TokenCacheStore


class SignInEvents(Protocol):
    """What a sign-in reports while it runs (called on the thread that signs in)."""

    def device_code(self, prompt: DeviceCodePrompt) -> None: ...

    def browser_url(self, url: str) -> None: ...

    def signed_in(self, account: str) -> None: ...


def token_provider(sign_in: SignIn) -> MsalTokenProvider:
    from core.oauth.msal_provider import MsalTokenProvider

    return MsalTokenProvider(sign_in.settings, cache_store=sign_in.cache_store)


def acquire_token(sign_in: SignIn, events: SignInEvents, cancel: CancelToken) -> AccessToken:
    """The token: from the cache, else through the flow. Raises TokenError, Cancelled or InputError."""
    token = token_provider(sign_in).acquire(
        on_device_code=events.device_code, on_browser_url=events.browser_url, cancel=cancel
    )
    events.signed_in(token.account or "")
    return token


def sign_out(sign_in: SignIn) -> None:
    """Forget the sign-in: the provider signs the account out and empties the cache."""
    token_provider(sign_in).sign_out()


def signed_in_accounts(sign_in: SignIn) -> list[str]:
    """Who is in the cache (user names; empty for app-only)."""
    return token_provider(sign_in).signed_in_accounts()


def as_token_error(exc: TokenError | InputError) -> TokenError:
    """Unusable settings found while signing in (e.g. an unreadable certificate) read as a token error."""
    if isinstance(exc, TokenError):
        return exc
    return TokenError("invalid_request", exc.message)


def token_failure_result(plan: ProbePlan, err: TokenError, *, started_at: datetime | None = None) -> ProbeResult:
    """A ``ProbeResult`` for a run that stopped at the token request (no SMTP connection made)."""
    event = TranscriptEvent(0, 0.0, EventKind.ERROR, f"Token request failed: {err.summary()}", Phase.OAUTH_TOKEN)
    failure = Failure(kind=FailureKind.TOKEN, phase=Phase.OAUTH_TOKEN, message=err.summary(), event_index=event.index)
    return ProbeResult(
        plan=plan,
        started_at=started_at or datetime.now(UTC),
        transcript=(event,),
        failure=failure,
        enrichment=Enrichment(token_error=token_error_info(err)),
    )


def cancelled_result(plan: ProbePlan, started_at: datetime) -> ProbeResult:
    """The result of a run stopped during the sign-in (no SMTP connection was made)."""
    event = TranscriptEvent(0, 0.0, EventKind.INFO, CANCELLED_MESSAGE, Phase.OAUTH_TOKEN)
    failure = Failure(FailureKind.CANCELLED, Phase.OAUTH_TOKEN, CANCELLED_MESSAGE, event_index=0)
    return ProbeResult(plan=plan, started_at=started_at, transcript=(event,), failure=failure)
