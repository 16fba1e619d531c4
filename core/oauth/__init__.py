"""OAuth2 token providers for XOAUTH2 (Microsoft Entra ID via MSAL), their cache and diagnosis aids.

Modules: ``settings`` (flows, scopes, tenant, app), ``msal_provider`` (the provider; the only
place MSAL is imported, lazily), ``device_flow`` / ``browser_flow`` (the two sign-in flows for a
person), ``cache`` (token cache in the keyring), ``claims`` (a token's safe claims, clock skew),
``errors`` (``TokenError`` with AADSTS codes), ``acquire`` (one-call helpers for CLI and GUI),
``cli_support`` (``fetch_token_for_cli`` for ``probe --oauth``). Importing this package loads none of MSAL,
requests or keyring.
"""
