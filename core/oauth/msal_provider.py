"""The token provider: MSAL against Microsoft Entra ID, with a persisted cache and silent refresh first.

Order of work in :meth:`MsalTokenProvider.acquire`: the cached token (MSAL refreshes it with the
refresh token when it is close to expiry, or when ``force_refresh`` asks), and only then the
flow's own step: a device code, a browser sign-in, or the app's secret or certificate. MSAL is
imported here only, and this module only when OAuth is used, so the headless CLI starts fast.
``instance_discovery=False`` always: MSAL would otherwise ask login.microsoftonline.com which
hosts are Microsoft's, even for a private authority host.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from core.cancel import CancelToken
from core.errors import InputError
from core.oauth.browser_flow import BrowserOpener, run_browser_flow
from core.oauth.cache import MemoryTokenCacheStore, TokenCacheStore, TokenCacheStoreError
from core.oauth.certificate import load_certificate_credential
from core.oauth.device_flow import run_device_flow
from core.oauth.errors import TokenError
from core.oauth.http import build_http_client
from core.oauth.settings import OAuthFlow, OAuthSettings
from core.oauth.tokens import AccessToken, DeviceCodeCallback
from core.secret import Secret

log = logging.getLogger(__name__)


class MsalTokenProvider:
    """Fetches SMTP tokens for one profile's OAuth settings. One instance per profile and thread.

    ``cache_store`` keeps MSAL's cache between runs (``KeyringTokenCacheStore`` for a profile);
    without one the cache lives in memory for this instance only. ``http_client`` replaces the
    HTTPS session (tests); by default one is built from ``settings.ca_file``.
    """

    def __init__(
        self,
        settings: OAuthSettings,
        *,
        cache_store: TokenCacheStore | None = None,
        http_client: Any | None = None,
    ) -> None:
        self.settings = settings.validated()
        self._store = cache_store if cache_store is not None else MemoryTokenCacheStore()
        self._http_client = http_client if http_client is not None else build_http_client(settings.ca_file)
        self._app: Any | None = None
        self._cache: Any | None = None

    # ----- public API -------------------------------------------------------------------------

    def acquire(
        self,
        *,
        on_device_code: DeviceCodeCallback | None = None,
        on_browser_url: BrowserOpener | None = None,
        cancel: CancelToken | None = None,
        force_refresh: bool = False,
    ) -> AccessToken:
        """A token for SMTP: from the cache if possible, else through the configured flow.

        Raises ``TokenError`` (the authority refused; AADSTS codes inside), ``Cancelled`` (the
        user pressed Cancel) or ``InputError`` (the settings or certificate are unusable).
        """
        cancel = cancel or CancelToken()
        if self.settings.flow is OAuthFlow.CLIENT_CREDENTIALS:
            return self._acquire_app_only(force_refresh)
        cached = self.acquire_silent(force_refresh=force_refresh)
        if cached is not None:
            return cached
        if self.settings.flow is OAuthFlow.DEVICE_CODE:
            if on_device_code is None:
                raise InputError("oauth", "The device-code sign-in needs somewhere to show its code.")
            result = self._call(
                lambda app: run_device_flow(app, self.settings.scopes, on_device_code, cancel, self._secrets)
            )
        else:
            result = self._call(
                lambda app: run_browser_flow(
                    app, self.settings.scopes, self.settings.username, on_browser_url, cancel, self._secrets
                )
            )
        return self._token_from(result)

    def acquire_silent(self, *, force_refresh: bool = False) -> AccessToken | None:
        """The cached token (refreshed by MSAL if needed), or None when a sign-in is needed."""
        if self.settings.flow is OAuthFlow.CLIENT_CREDENTIALS:
            return None if force_refresh else self._cached_app_only()
        account = self._pick_account()
        if account is None:
            return None
        result = self._call(
            lambda app: app.acquire_token_silent_with_error(
                list(self.settings.scopes), account=account, force_refresh=force_refresh
            )
        )
        if not result or "access_token" not in result:
            # No usable refresh token (expired, revoked, password changed): sign in again.
            if result:
                log.info("Silent token refresh failed (%s); a new sign-in is needed.", result.get("error"))
            return None
        return self._token_from(result)

    def signed_in_accounts(self) -> list[str]:
        """User names in the cache (empty for app-only and when signed out)."""
        app = self._application()
        return [str(a.get("username", "")) for a in app.get_accounts()]

    def sign_out(self) -> None:
        """Forget every account and token of this profile, in memory and in the secret store.

        Raises ``TokenCacheStoreError`` when the secret store refuses (e.g. a locked keyring).
        """
        if self._app is not None:
            for account in self._app.get_accounts():
                self._app.remove_account(account)
        self._store.clear()
        self._app = None
        self._cache = None

    # ----- internals --------------------------------------------------------------------------

    @property
    def _secrets(self) -> tuple[Secret | None, ...]:
        return (self.settings.client_secret,)

    def _acquire_app_only(self, force_refresh: bool) -> AccessToken:
        if force_refresh:
            # MSAL has no force_refresh for client credentials; a fresh cache has the same effect.
            self._store.clear()
            self._app = None
        result = self._call(lambda app: app.acquire_token_for_client(scopes=list(self.settings.scopes)))
        return self._token_from(result)

    def _cached_app_only(self) -> AccessToken | None:
        app = self._application()
        # MSAL answers client credentials from its cache first; peeking avoids a network call.
        found = app.token_cache.search(
            app.token_cache.CredentialType.ACCESS_TOKEN,
            target=list(self.settings.scopes),
            query={"client_id": self.settings.client_id},
        )
        if not any(found):
            return None
        return self._acquire_app_only(force_refresh=False)

    def _pick_account(self) -> dict[str, Any] | None:
        app = self._application()
        accounts: list[dict[str, Any]] = app.get_accounts(username=self.settings.username or None)
        return accounts[0] if accounts else None

    def _token_from(self, result: Mapping[str, Any] | None) -> AccessToken:
        if not result:
            raise TokenError("no_token", "The sign-in service returned no token.")
        if "access_token" not in result:
            raise TokenError.from_reply(result, self._secrets)
        claims = result.get("id_token_claims") or {}
        account = claims.get("preferred_username") if isinstance(claims, Mapping) else None
        return AccessToken.from_msal(result, account=account or self.settings.username)

    def _call(self, action: Callable[[Any], Any]) -> Any:
        """Run ``action(app)``, turning network failures into ``TokenError``; persist the cache."""
        import requests

        app = self._application()
        try:
            return action(app)
        except requests.exceptions.RequestException as exc:
            raise _network_error(self.settings.authority_host, exc) from None
        finally:
            self._persist()

    def _application(self) -> Any:
        if self._app is None:
            credential = self._app_credential()
            self._cache = self._load_cache()
            self._app = self._build_application(self._cache, credential)
        return self._app

    def _app_credential(self) -> Any | None:
        """The client secret or certificate for app-only; None for a person's sign-in."""
        if self.settings.flow is not OAuthFlow.CLIENT_CREDENTIALS:
            return None
        if self.settings.client_secret is not None:
            return self.settings.client_secret.reveal()
        return load_certificate_credential(str(self.settings.certificate_path))

    def _build_application(self, cache: Any, credential: Any | None) -> Any:
        import msal
        import requests

        common: dict[str, Any] = {
            "authority": self.settings.authority,
            "token_cache": cache,
            "instance_discovery": False,
            "timeout": self.settings.timeout,
        }
        if self._http_client is not None:
            common["http_client"] = self._http_client
        try:
            if credential is not None:
                return msal.ConfidentialClientApplication(
                    self.settings.client_id, client_credential=credential, **common
                )
            return msal.PublicClientApplication(self.settings.client_id, **common)
        except requests.exceptions.RequestException as exc:
            raise _network_error(self.settings.authority_host, exc) from None
        except ValueError as exc:
            # MSAL raises ValueError when the authority's discovery document cannot be read, and
            # drops the reply; fetch it once more so the AADSTS code (90002: no such tenant) is kept.
            raise self._discovery_error(exc) from None

    def _discovery_error(self, exc: ValueError) -> TokenError:
        import requests

        url = f"{self.settings.authority}/v2.0/.well-known/openid-configuration"
        own_session = self._http_client is None
        client: Any = requests.Session() if own_session else self._http_client
        try:
            reply = client.get(url, timeout=self.settings.timeout).json()
        except (requests.exceptions.RequestException, ValueError):
            reply = None
        finally:
            if own_session:
                client.close()
        if isinstance(reply, dict) and reply.get("error"):
            return TokenError.from_reply(reply, self._secrets)
        return _authority_error(self.settings, exc)

    def _load_cache(self) -> Any:
        import msal

        cache = msal.SerializableTokenCache()
        try:
            text = self._store.load()
        except TokenCacheStoreError as exc:
            log.warning("The saved sign-in could not be read (%s); signing in again.", exc)
            text = None
        if text:
            try:
                cache.deserialize(text)
            except ValueError:
                log.warning("The saved sign-in was damaged; signing in again.")
        return cache

    def _persist(self) -> None:
        if self._cache is None or not self._cache.has_state_changed:
            return
        try:
            self._store.save(self._cache.serialize())
            self._cache.has_state_changed = False
        except TokenCacheStoreError as exc:
            # The token still works for this run; only the next run will have to sign in again.
            log.warning("The sign-in could not be saved: %s", exc)


def _network_error(host: str, exc: Exception) -> TokenError:
    reason = type(exc).__name__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        reason = "its TLS certificate is not trusted"
    elif "timed out" in text.lower():
        reason = "the request timed out"
    return TokenError("network_error", f"The sign-in service at {host} could not be reached: {reason}.")


def _authority_error(settings: OAuthSettings, exc: ValueError) -> TokenError:
    return TokenError(
        "invalid_authority",
        f"The sign-in service did not accept the tenant '{settings.tenant}' at {settings.authority_host} "
        f"({str(exc).splitlines()[0][:200]}).",
    )
