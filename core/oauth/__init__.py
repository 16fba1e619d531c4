"""OAuth2 token providers for XOAUTH2 (Microsoft Entra ID via MSAL), their cache and diagnosis aids.

Modules: ``settings`` (flows, scopes, tenant, app), ``msal_provider`` (the provider; the only
place MSAL is imported, lazily), ``device_flow`` / ``browser_flow`` (the two sign-in flows for a
person), ``cache`` (token cache in the keyring), ``claims`` (a token's safe claims, clock skew),
``errors`` (``TokenError`` with AADSTS codes), ``acquire`` (one call: settings in, token out).
The sign-in step of a check is ``core.usecase.signin``; the CLI's flags are read in
``core.cli.oauth_flags``. Importing this package loads none of MSAL, requests or keyring.
"""
