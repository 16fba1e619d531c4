"""OAuth settings of a profile or the command line: which flow, which tenant and app, which scopes.

The scopes are not a setting: each flow has exactly one correct scope for SMTP (see
``shared/knowledge/oauth-and-policy.md`` §2), so they are derived from the flow. MSAL's reserved
scopes (openid, profile, offline_access) are never passed: MSAL adds them itself and raises if
they are given.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import InputError
from core.model import CredentialKind
from core.secret import Secret

# Delegated: a person signs in; the token is for Exchange Online's SMTP.Send permission.
DELEGATED_SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"
# App-only (client credentials): "/.default" of Exchange Online, which carries SMTP.SendAsApp.
APP_ONLY_SMTP_SCOPE = "https://outlook.office365.com/.default"
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# Authorities that mean "any tenant": fine for people, unreliable for app-only (MSAL warns).
_MULTI_TENANT = frozenset({"common", "organizations", "consumers"})


class OAuthFlow(enum.Enum):
    """How the token is obtained. Values are the CLI words (``--oauth device``)."""

    DEVICE_CODE = "device"  # the default for a technician: a code to type on any phone or PC
    INTERACTIVE = "interactive"  # a browser on this PC
    CLIENT_CREDENTIALS = "client-credentials"  # app-only, no person: a secret or a certificate

    @property
    def is_delegated(self) -> bool:
        return self is not OAuthFlow.CLIENT_CREDENTIALS

    @property
    def scopes(self) -> tuple[str, ...]:
        return (DELEGATED_SMTP_SCOPE,) if self.is_delegated else (APP_ONLY_SMTP_SCOPE,)

    @property
    def credential_kind(self) -> CredentialKind:
        return CredentialKind.OAUTH_DELEGATED if self.is_delegated else CredentialKind.OAUTH_APP_ONLY

    @classmethod
    def parse(cls, text: str, field: str = "oauth") -> OAuthFlow:
        word = (text or "").strip().lower().replace("_", "-")
        aliases = {"device-code": "device", "browser": "interactive", "client": "client-credentials"}
        word = aliases.get(word, word)
        for flow in cls:
            if flow.value == word:
                return flow
        choices = ", ".join(f.value for f in cls)
        raise InputError(field, f"Unknown OAuth flow '{text}'; use one of: {choices}.")


@dataclass(frozen=True)
class OAuthSettings:
    """Everything a token provider needs. Secrets travel as ``Secret``; nothing here is logged.

    ``ca_file`` replaces the system CA store for the authority's HTTPS (tests with a local fake
    authority, or a TLS-inspecting proxy's CA). ``username`` picks the cached account and is
    sent as the login hint.
    """

    flow: OAuthFlow
    tenant: str
    client_id: str
    authority_host: str = DEFAULT_AUTHORITY_HOST
    client_secret: Secret | None = None
    certificate_path: str | None = None  # PEM with the private key and the certificate
    username: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0  # seconds per HTTP request to the authority

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant}"

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.flow.scopes

    @property
    def credential_kind(self) -> CredentialKind:
        return self.flow.credential_kind

    def validated(self) -> OAuthSettings:
        """Return self if usable, else raise ``InputError`` naming the field to fix."""
        _check_tenant(self.tenant, self.flow)
        _check_client_id(self.client_id)
        _check_authority_host(self.authority_host)
        if self.flow is OAuthFlow.CLIENT_CREDENTIALS:
            _check_app_credential(self.client_secret, self.certificate_path)
        elif self.client_secret is not None or self.certificate_path:
            raise InputError(
                "client-secret",
                "A client secret or certificate is only used with --oauth client-credentials; "
                "sign-in flows for a person must not carry one.",
            )
        if self.ca_file is not None and not os.path.isfile(self.ca_file):
            raise InputError("ca-file", f"The CA file {self.ca_file} does not exist.")
        if self.timeout <= 0:
            raise InputError("timeout", "The timeout must be a positive number of seconds.")
        return self


def _check_tenant(tenant: str, flow: OAuthFlow) -> None:
    value = (tenant or "").strip()
    if not value:
        raise InputError(
            "tenant",
            "Enter the tenant: its ID (a GUID) or its domain, for example contoso.onmicrosoft.com.",
        )
    if value != tenant or not (_GUID.match(value) or _TENANT_NAME.match(value)):
        raise InputError("tenant", f"'{tenant}' is not a tenant ID (GUID) or domain name.")
    if flow is OAuthFlow.CLIENT_CREDENTIALS and value.lower() in _MULTI_TENANT:
        raise InputError(
            "tenant",
            f"App-only sign-in needs the tenant's own ID or domain, not '{value}'.",
        )


def _check_client_id(client_id: str) -> None:
    if not (client_id or "").strip():
        raise InputError(
            "client-id",
            "Enter the application (client) ID of your app registration in Microsoft Entra ID.",
        )
    if not _CLIENT_ID.match(client_id):
        raise InputError("client-id", f"'{client_id}' is not an application (client) ID.")


def _check_authority_host(url: str) -> None:
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise InputError(
            "authority-host",
            f"The authority host must be an https:// address without a path, not '{url}'.",
        )


def _check_app_credential(secret: Secret | None, certificate_path: str | None) -> None:
    if secret is not None and certificate_path:
        raise InputError("client-secret", "Give either a client secret or a certificate, not both.")
    if secret is None and not certificate_path:
        raise InputError(
            "client-secret",
            "App-only sign-in needs the app's client secret or its certificate (PEM).",
        )
    if secret is not None and not secret:
        raise InputError("client-secret", "The client secret is empty.")
    if certificate_path and not os.path.isfile(certificate_path):
        raise InputError("client-cert", f"The certificate file {certificate_path} does not exist.")


def secret_from_env(variable: str, field: str = "client-secret-env") -> Secret:
    """Read a secret from an environment variable (never from the command line itself)."""
    value = os.environ.get(variable)
    if value is None:
        raise InputError(field, f"The environment variable {variable} is not set.")
    if not value.strip():
        raise InputError(field, f"The environment variable {variable} is empty.")
    return Secret(value.strip())
