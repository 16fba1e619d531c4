"""What a token provider hands out: the token (as ``Secret``) and the device-code prompt.

Kept free of MSAL so the GUI and the CLI can import these types without loading it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.secret import Secret


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What a person needs to finish a device-code sign-in on another device.

    Plain data without secrets (the user code is short-lived and meant to be read out), so it may
    cross a Qt signal. ``message`` is the identity platform's own sentence, in its language.
    """

    user_code: str
    verification_uri: str
    expires_at: datetime  # timezone-aware, UTC
    message: str

    def seconds_left(self, now: datetime | None = None) -> int:
        """Whole seconds until the code expires (0 once expired): for a countdown."""
        remaining = (self.expires_at - (now or datetime.now(UTC))).total_seconds()
        return max(0, int(remaining))

    @classmethod
    def from_flow(cls, flow: Mapping[str, object]) -> DeviceCodePrompt:
        """Build from MSAL's device flow dict (after ``initiate_device_flow``)."""
        expires = flow.get("expires_at")
        expires_at = (
            datetime.fromtimestamp(float(expires), UTC) if isinstance(expires, int | float) else datetime.now(UTC)
        )
        # Entra ID says "verification_uri"; some older endpoints said "verification_url".
        uri = flow.get("verification_uri") or flow.get("verification_url") or ""
        return cls(
            user_code=str(flow.get("user_code", "")),
            verification_uri=str(uri),
            expires_at=expires_at,
            message=str(flow.get("message") or f"Open {uri} and enter the code {flow.get('user_code', '')}."),
        )


DeviceCodeCallback = Callable[[DeviceCodePrompt], None]


class TokenSource(enum.Enum):
    """Where the token came from: the persisted cache (no prompt) or a fresh request."""

    CACHE = "cache"
    IDENTITY_PROVIDER = "identity_provider"


@dataclass(frozen=True)
class AccessToken:
    """A fetched access token. Its repr shows ``***`` for the token."""

    token: Secret
    expires_at: datetime | None
    source: TokenSource
    account: str | None = None  # the signed-in user's name, for delegated tokens

    @classmethod
    def from_msal(cls, result: Mapping[str, object], account: str | None = None) -> AccessToken:
        expires_at = _expiry(result.get("expires_in"))
        source = TokenSource.CACHE if result.get("token_source") == "cache" else TokenSource.IDENTITY_PROVIDER
        return cls(Secret(str(result["access_token"])), expires_at, source, account)


def _expiry(expires_in: object) -> datetime | None:
    """``expires_in`` (seconds; MSAL gives an int, some endpoints a string) as a UTC time."""
    try:
        seconds = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(datetime.now(UTC).timestamp() + seconds, UTC)
