"""OAuth account actions off the GUI thread: "Sign in", "Sign out" and the account line.

The sign-in before a Test run is part of the check itself (``core.usecase.check``); these tasks are
the buttons beside the OAuth settings. Each runs ``core.usecase.signin`` on a pool thread (MSAL and
the keyring can block); only plain data crosses back: a device-code prompt, a URL, names, messages.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QRunnable, Signal, SignalInstance

from core.cancel import CancelToken
from core.errors import Cancelled, InputError
from core.oauth.cache import TokenCacheStore, TokenCacheStoreError
from core.oauth.errors import TokenError
from core.oauth.tokens import DeviceCodePrompt
from core.usecase.signin import CANCELLED_MESSAGE, SignIn, acquire_token, sign_out, signed_in_accounts


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


def sign_in_work(request: SignIn) -> Callable[[OAuthTask], None]:
    def work(task: OAuthTask) -> None:
        acquire_token(request, SignalEvents.of(task.signals), task.cancel)

    return work


def sign_out_work(request: SignIn | None, cache_store: TokenCacheStore) -> Callable[[OAuthTask], None]:
    """Forget the sign-in; without usable settings the cache is cleared directly."""

    def work(task: OAuthTask) -> None:
        if request is not None:
            sign_out(request)
        else:
            cache_store.clear()
        task.signals.signed_out.emit()

    return work


def accounts_work(request: SignIn) -> Callable[[OAuthTask], None]:
    def work(task: OAuthTask) -> None:
        task.signals.accounts.emit(signed_in_accounts(request))

    return work


def _one_line(exc: Exception) -> str:
    if isinstance(exc, TokenError):
        return exc.summary()
    if isinstance(exc, InputError):
        return exc.message
    return str(exc)
