"""One call from OAuth settings to an access token (the cache first, then the flow).

``fetch_token`` returns only the token (as ``Secret``). A check signs in through
``core.usecase.signin``, which also turns a refused sign-in into a result the diagnosis reads.
"""

from __future__ import annotations

from typing import Any

from core.cancel import CancelToken
from core.oauth.browser_flow import BrowserOpener
from core.oauth.cache import TokenCacheStore
from core.oauth.settings import OAuthSettings
from core.oauth.tokens import DeviceCodeCallback
from core.secret import Secret


def fetch_token(
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
