"""One-call token fetching for the CLI's probe command and the GUI controller, plus result helpers.

``acquire_for_cli`` returns only the token (as ``Secret``); ``oauth_extra`` gives what may go
into ``ProbeResult.extra`` (the token's safe claims, never the token); ``token_failure_result``
turns a failed token request into a ``ProbeResult`` the diagnosis can read, so a run that never
reached the server still gets findings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.cancel import CancelToken
from core.model import ProbePlan
from core.oauth.browser_flow import BrowserOpener
from core.oauth.cache import TokenCacheStore
from core.oauth.claims import inspect_token
from core.oauth.errors import TokenError, token_error_extra
from core.oauth.settings import OAuthSettings
from core.oauth.tokens import DeviceCodeCallback
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, ProbeResult
from core.probe.transcript import EventKind, TranscriptEvent
from core.secret import Secret


def acquire_for_cli(
    settings: OAuthSettings,
    on_device_code: DeviceCodeCallback,
    cancel: CancelToken | None = None,
    *,
    on_browser_url: BrowserOpener | None = None,
    cache_store: TokenCacheStore | None = None,
    http_client: Any | None = None,
    force_refresh: bool = False,
) -> Secret:
    """Fetch an SMTP access token for ``settings`` (cache first, then the flow) and return it.

    Raises ``InputError`` (bad settings or certificate), ``TokenError`` (the authority refused;
    use ``token_failure_result``) or ``core.errors.Cancelled``.
    """
    from core.oauth.msal_provider import MsalTokenProvider

    provider = MsalTokenProvider(settings, cache_store=cache_store, http_client=http_client)
    token = provider.acquire(
        on_device_code=on_device_code, on_browser_url=on_browser_url, cancel=cancel, force_refresh=force_refresh
    )
    return token.token


def oauth_extra(token: Secret) -> dict[str, object]:
    """Entries for ``ProbeResult.extra`` after a token was fetched: ``{"token_claims": {...}}``."""
    return {"token_claims": inspect_token(token)}


def token_failure_result(plan: ProbePlan, err: TokenError, *, started_at: datetime | None = None) -> ProbeResult:
    """A ``ProbeResult`` for a run that stopped at the token request (no SMTP connection made)."""
    event = TranscriptEvent(0, 0.0, EventKind.ERROR, f"Token request failed: {err.summary()}", Phase.OAUTH_TOKEN)
    failure = Failure(kind=FailureKind.TOKEN, phase=Phase.OAUTH_TOKEN, message=err.summary(), event_index=event.index)
    return ProbeResult(
        plan=plan,
        started_at=started_at or datetime.now(UTC),
        transcript=(event,),
        failure=failure,
        extra={"token_error": token_error_extra(err)},
    )
