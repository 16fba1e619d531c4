"""OAuth sign-in off the GUI thread: before a Test run, for "Sign in", "Sign out" and the account line.

``probe_with_oauth`` (no Qt) fetches the token (the cache first, then the chosen flow), runs the
probe with it and adds the token's safe claims to ``result.extra`` so the diagnosis can tell a wrong
audience, user or expiry apart. A refused token request becomes a result through
``token_failure_result``; Cancel becomes a "cancelled" result. The token stays inside the pool
thread: signals carry the ``DeviceCodePrompt`` (no secret), the sign-in URL and account names only.
MSAL and the keyring are imported and called on the pool thread only, as they can block.
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QRunnable, Signal, SignalInstance

from core.cancel import CancelToken
from core.errors import Cancelled, InputError
from core.model import Credentials, ProbePlan
from core.oauth.acquire import oauth_extra, token_failure_result
from core.oauth.cache import TokenCacheStore, TokenCacheStoreError
from core.oauth.errors import TokenError
from core.oauth.settings import OAuthSettings
from core.oauth.tokens import AccessToken, DeviceCodePrompt
from core.probe.listener import ProbeListener
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, PhaseOutcome, ProbeResult
from core.probe.transcript import EventKind, TranscriptEvent

if TYPE_CHECKING:
    from core.oauth.msal_provider import MsalTokenProvider
    from gui.controller import ProbeFunction

CANCELLED_MESSAGE = "Sign-in cancelled."


@dataclass(frozen=True)
class OAuthRequest:
    """What the token provider needs; it holds the client secret (a ``Secret``), so never emit it."""

    settings: OAuthSettings
    cache_store: TokenCacheStore


class SignInEvents(Protocol):
    """What a sign-in reports while it runs (called on the pool thread)."""

    def device_code(self, prompt: DeviceCodePrompt) -> None: ...

    def browser_url(self, url: str) -> None: ...

    def signed_in(self, account: str) -> None: ...


def provider_for(request: OAuthRequest) -> MsalTokenProvider:
    from core.oauth.msal_provider import MsalTokenProvider

    return MsalTokenProvider(request.settings, cache_store=request.cache_store)


def acquire_token(request: OAuthRequest, events: SignInEvents, cancel: CancelToken) -> AccessToken:
    """The token: from the cache, else through the flow. Raises TokenError, Cancelled or InputError."""
    token = provider_for(request).acquire(
        on_device_code=events.device_code, on_browser_url=events.browser_url, cancel=cancel
    )
    events.signed_in(token.account or "")
    return token


def probe_with_oauth(
    plan: ProbePlan,
    request: OAuthRequest,
    *,
    run_probe: ProbeFunction,
    listener: ProbeListener,
    events: SignInEvents,
    cancel: CancelToken,
) -> ProbeResult:
    """Sign in, then probe with the token; every sign-in problem becomes a result, not an exception."""
    started_at = datetime.now(UTC)
    started = time.monotonic()
    listener.on_phase_started(Phase.OAUTH_TOKEN)
    try:
        token = acquire_token(request, events, cancel)
    except Cancelled:
        return cancelled_result(plan, started_at)
    except (TokenError, InputError) as exc:
        listener.on_phase_finished(PhaseOutcome(Phase.OAUTH_TOKEN, False, _ms_since(started)))
        return token_failure_result(plan, as_token_error(exc), started_at=started_at)
    listener.on_phase_finished(PhaseOutcome(Phase.OAUTH_TOKEN, True, _ms_since(started)))
    result = run_probe(plan, Credentials(token=token.token), listener=listener, cancel=cancel)
    return dataclasses.replace(result, extra={**result.extra, **oauth_extra(token.token)})


def as_token_error(exc: TokenError | InputError) -> TokenError:
    """Unusable settings found on the pool thread (e.g. an unreadable certificate) read as a token error."""
    if isinstance(exc, TokenError):
        return exc
    return TokenError("invalid_request", exc.message)


def cancelled_result(plan: ProbePlan, started_at: datetime) -> ProbeResult:
    """The result of a run stopped during the sign-in (no SMTP connection was made)."""
    event = TranscriptEvent(0, 0.0, EventKind.INFO, CANCELLED_MESSAGE, Phase.OAUTH_TOKEN)
    failure = Failure(FailureKind.CANCELLED, Phase.OAUTH_TOKEN, CANCELLED_MESSAGE, event_index=0)
    return ProbeResult(plan=plan, started_at=started_at, transcript=(event,), failure=failure)


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000.0


# --- Qt tasks for the Sign in / Sign out buttons and the account line ------------------------------


class SignInSignals(QObject):
    """Created on the GUI thread; only plain data crosses: a prompt, a URL, names, messages."""

    device_code = Signal(object)  # DeviceCodePrompt
    browser_url = Signal(str)
    signed_in = Signal(str)  # the account's user name ("" for app-only)
    accounts = Signal(object)  # list[str]: who is in the cache
    signed_out = Signal()
    failed = Signal(str)  # one line for the status bar, no secret
    finished = Signal()


class SignInEmitters(Protocol):
    """The three sign-in signals, whichever task object owns them (a sign-in or a probe task)."""

    @property
    def device_code(self) -> SignalInstance: ...
    @property
    def browser_url(self) -> SignalInstance: ...
    @property
    def signed_in(self) -> SignalInstance: ...


class SignalEvents:
    """``SignInEvents`` that forward to signals' ``emit`` (called on the pool thread)."""

    def __init__(
        self,
        device_code: Callable[[DeviceCodePrompt], None],
        browser_url: Callable[[str], None],
        signed_in: Callable[[str], None],
    ) -> None:
        self.device_code = device_code
        self.browser_url = browser_url
        self.signed_in = signed_in

    @classmethod
    def of(cls, signals: SignInEmitters) -> SignalEvents:
        return cls(signals.device_code.emit, signals.browser_url.emit, signals.signed_in.emit)


class OAuthTask(QRunnable):
    """One account action on the pool: sign in, sign out or list the cached accounts."""

    def __init__(self, work: Callable[[OAuthTask], None], cancel: CancelToken | None = None) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps it until ``finished`` is handled
        self.signals = SignInSignals()
        self.cancel = cancel or CancelToken()
        self._work = work

    def run(self) -> None:
        try:
            self._work(self)
        except Cancelled:
            self.signals.failed.emit(CANCELLED_MESSAGE)
        except (TokenError, InputError, TokenCacheStoreError) as exc:
            self.signals.failed.emit(_one_line(exc))
        except Exception:  # noqa: BLE001 - a bug: report it in the status bar rather than kill the app
            self.signals.failed.emit("Sign-in failed because of a bug: " + traceback.format_exc(limit=3))
        finally:
            self.signals.finished.emit()


def sign_in_work(request: OAuthRequest) -> Callable[[OAuthTask], None]:
    def work(task: OAuthTask) -> None:
        acquire_token(request, SignalEvents.of(task.signals), task.cancel)

    return work


def sign_out_work(request: OAuthRequest | None, cache_store: TokenCacheStore) -> Callable[[OAuthTask], None]:
    """Forget the sign-in; without usable settings the cache is cleared directly."""

    def work(task: OAuthTask) -> None:
        if request is not None:
            provider_for(request).sign_out()
        else:
            cache_store.clear()
        task.signals.signed_out.emit()

    return work


def accounts_work(request: OAuthRequest) -> Callable[[OAuthTask], None]:
    def work(task: OAuthTask) -> None:
        task.signals.accounts.emit(provider_for(request).signed_in_accounts())

    return work


def _one_line(exc: Exception) -> str:
    if isinstance(exc, TokenError):
        return exc.summary()
    if isinstance(exc, InputError):
        return exc.message
    return str(exc)
