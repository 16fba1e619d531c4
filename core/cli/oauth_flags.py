"""What ``smtp-doctor probe --oauth ...`` needs: the sign-in the check runs, read from the command's options.

``sign_in_from_flags(args, plan)`` reads ``--oauth``, ``--tenant``, ``--client-id``,
``--client-secret-env``, ``--client-cert`` and the hidden ``--authority-host`` /
``--authority-ca-file`` (tests), falling back to the OAuth settings of ``--profile`` when given,
and keeps the sign-in in the profile's token cache (or in memory for this run when there is no
profile). Imported only when ``--oauth`` is used, so ``probe`` without OAuth never loads MSAL or
keyring; the device code is shown by ``core.cli.check_output``.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.errors import InputError
from core.model import ProbePlan
from core.oauth.cache import MemoryTokenCacheStore, TokenCacheStore
from core.oauth.settings import DEFAULT_AUTHORITY_HOST, OAuthFlow, OAuthSettings, secret_from_env
from core.secret import Secret
from core.usecase.signin import SignIn

# OAuthSettings' field names -> the probe command's flags.
_FLAG_OF_FIELD = {"client-secret": "--client-secret-env", "ca-file": "--authority-ca-file"}


def sign_in_from_flags(args: argparse.Namespace, plan: ProbePlan) -> SignIn:
    """The sign-in for the probe (raises ``InputError`` naming the flag at fault)."""
    profile_oauth, cache_store, stored_secret = _profile_parts(getattr(args, "profile", None))
    return SignIn(settings_for_cli(args, plan, profile_oauth, stored_secret), cache_store)


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
