"""What ``smtp-doctor probe --oauth ...`` needs: the token, fetched with the command's options.

``fetch_token_for_cli(args, plan)`` reads ``--oauth``, ``--tenant``, ``--client-id``,
``--client-secret-env``, ``--client-cert`` and the hidden ``--authority-host`` /
``--authority-ca-file`` (tests), falling back to the OAuth settings of ``--profile`` when given;
shows the device code on stderr (stdout stays clean for ``--json``); and keeps the sign-in in the
profile's token cache (or in memory for this run when there is no profile). Imported only when
``--oauth`` is used, so ``probe`` without OAuth never loads MSAL or keyring.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from core.errors import InputError
from core.model import ProbePlan
from core.oauth.acquire import acquire_for_cli
from core.oauth.cache import MemoryTokenCacheStore, TokenCacheStore
from core.oauth.settings import DEFAULT_AUTHORITY_HOST, OAuthFlow, OAuthSettings, secret_from_env
from core.oauth.tokens import DeviceCodePrompt
from core.secret import Secret

# OAuthSettings' field names -> the probe command's flags.
_FLAG_OF_FIELD = {"client-secret": "--client-secret-env", "ca-file": "--authority-ca-file"}


def fetch_token_for_cli(args: argparse.Namespace, plan: ProbePlan, *, out: TextIO | None = None) -> Secret:
    """Fetch the access token for the probe. Raises ``InputError``, ``TokenError`` or ``Cancelled``.

    On ``TokenError`` the caller can still diagnose: ``core.oauth.acquire.token_failure_result``
    turns it into a ``ProbeResult`` for ``diagnose``.
    """
    stream = out or sys.stderr
    profile_oauth, cache_store, stored_secret = _profile_parts(getattr(args, "profile", None))
    settings = settings_for_cli(args, plan, profile_oauth, stored_secret)
    return acquire_for_cli(
        settings,
        on_device_code=lambda prompt: print_device_code(prompt, stream),
        on_browser_url=lambda url: _open_browser(url, stream),
        cache_store=cache_store,
    )


def settings_for_cli(
    args: argparse.Namespace,
    plan: ProbePlan,
    profile_oauth: Any | None = None,
    stored_secret: Secret | None = None,
) -> OAuthSettings:
    """The validated ``OAuthSettings`` from the options (a saved profile fills the gaps)."""
    flow_word = getattr(args, "oauth", None) or (profile_oauth.flow.value if profile_oauth else "")
    flow = OAuthFlow.parse(flow_word, "--oauth")
    secret_env = getattr(args, "client_secret_env", None)
    secret = secret_from_env(secret_env, "--client-secret-env") if secret_env else None
    certificate = getattr(args, "client_cert", None) or _from_profile(profile_oauth, "certificate_path")
    if flow is OAuthFlow.CLIENT_CREDENTIALS and secret is None and not certificate:
        secret = stored_secret
    settings = OAuthSettings(
        flow=flow,
        tenant=getattr(args, "tenant", None) or _from_profile(profile_oauth, "tenant"),
        client_id=getattr(args, "client_id", None) or _from_profile(profile_oauth, "client_id"),
        authority_host=getattr(args, "authority_host", None)
        or _from_profile(profile_oauth, "authority_host")
        or DEFAULT_AUTHORITY_HOST,
        client_secret=secret if flow is OAuthFlow.CLIENT_CREDENTIALS else None,
        certificate_path=(certificate or None) if flow is OAuthFlow.CLIENT_CREDENTIALS else None,
        username=plan.username if flow.is_delegated else None,
        ca_file=getattr(args, "authority_ca_file", None),
    )
    try:
        return settings.validated()
    except InputError as exc:
        # Name the command-line flag, as the other probe options do.
        flag = _FLAG_OF_FIELD.get(exc.field, f"--{exc.field}")
        raise InputError(flag, exc.message) from None


def print_device_code(prompt: DeviceCodePrompt, out: TextIO) -> None:
    """Show the code and the link on their own lines, easy to read aloud or copy."""
    minutes = max(1, round(prompt.seconds_left() / 60))
    print(prompt.message, file=out)
    print(f"  Link: {prompt.verification_uri}", file=out)
    print(f"  Code: {prompt.user_code}", file=out)
    print(f"Waiting for the sign-in (the code expires in {minutes} min; Ctrl+C cancels)...", file=out)
    out.flush()


def _open_browser(url: str, out: TextIO) -> None:
    import webbrowser

    print(f"Sign in in the browser. If none opened, visit:\n  {url}", file=out)
    out.flush()
    webbrowser.open(url)


def _from_profile(profile_oauth: Any | None, name: str) -> str:
    return str(getattr(profile_oauth, name, "") or "") if profile_oauth is not None else ""


def _profile_parts(name: str | None) -> tuple[Any | None, TokenCacheStore, Secret | None]:
    """The profile's OAuth settings, its token cache and its stored client secret (or none)."""
    if not name:
        return None, MemoryTokenCacheStore(), None
    from core.profiles.errors import SecretStoreError
    from core.profiles.model import SecretKind
    from core.profiles.service import ProfileService

    service = ProfileService.open()
    profile = service.store.get(name, field="--profile")
    try:
        stored = service.secret(profile, SecretKind.CLIENT_SECRET)
    except SecretStoreError:
        stored = None  # the secret can still come from --client-secret-env
    return profile.oauth, service.token_cache_store(profile), stored
