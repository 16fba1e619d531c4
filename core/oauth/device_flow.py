"""The device-code flow's polling loop, cancellable at once and bounded by the code's expiry.

MSAL's own loop (``acquire_token_by_device_flow``) sleeps in whole seconds and, with an interval
of 0, never consults its ``exit_condition``. So each MSAL call here polls exactly once
(``exit_condition`` always true, interval pinned to 1 for that call), and this loop does the
waiting on the ``CancelToken``, which wakes the moment the user presses Cancel.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from core.cancel import CancelToken
from core.errors import Cancelled
from core.oauth.errors import TokenError
from core.oauth.tokens import DeviceCodeCallback, DeviceCodePrompt
from core.secret import Secret

_KEEP_POLLING = frozenset({"authorization_pending", "slow_down"})
SLOW_DOWN_STEP = 5  # seconds added to the interval on "slow_down" (RFC 8628 §3.5)


def run_device_flow(
    app: Any,
    scopes: Iterable[str],
    on_device_code: DeviceCodeCallback,
    cancel: CancelToken,
    secrets: Iterable[Secret | None] = (),
) -> dict[str, Any]:
    """Show the code through ``on_device_code``, then poll until tokens, an error or Cancel."""
    flow: dict[str, Any] = app.initiate_device_flow(scopes=list(scopes))
    if "user_code" not in flow:
        raise TokenError.from_reply(flow, secrets)
    on_device_code(DeviceCodePrompt.from_flow(flow))
    interval = float(flow.get("interval", 5))
    expires_at = float(flow["expires_at"])
    while True:
        if cancel.cancelled:
            raise Cancelled("Sign-in cancelled.")
        flow["interval"] = 1  # see the module docstring: one poll per call
        result: dict[str, Any] = app.acquire_token_by_device_flow(flow, exit_condition=lambda _flow: True)
        error = result.get("error")
        if error not in _KEEP_POLLING:
            return result
        if error == "slow_down":
            interval += SLOW_DOWN_STEP
        remaining = expires_at - time.time()
        if remaining <= 0:
            raise TokenError(
                "expired_token",
                "The sign-in code expired before the sign-in was finished. Start again for a new code.",
            )
        if cancel.wait(min(interval, remaining)):
            raise Cancelled("Sign-in cancelled.")
