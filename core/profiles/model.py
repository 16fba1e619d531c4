"""A saved profile: every setting of one customer's device, and never a secret.

``Profile`` is what the profile file stores and what the GUI form edits. Passwords, client secrets
and token caches live in a secret store, addressed by ``SecretRef(profile.id, kind)``; the id is a
random hex string that never changes, so renaming a profile never orphans its keyring entries.

Reading is lenient: ``Profile.from_dict`` never raises on a hand-edited file. A value it cannot use
falls back to the default and is recorded in ``issues``; ``problems()`` and ``to_plan()`` report it
as an ``InputError`` naming the field, so a nonsense file gives a clear message, not a traceback.
"""

from __future__ import annotations

import enum
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from core import validate
from core.errors import InputError
from core.model import (
    AuthMethod,
    ClientBehaviour,
    CredentialKind,
    MessageSpec,
    ProbePlan,
    SecurityMode,
    Timeouts,
    TlsPolicy,
)
from core.oauth.settings import OAuthFlow

# The schema of one profile record (and of the profile file). Bump it with a migration in
# core/profiles/migrations.py whenever a field is renamed, moved or changes meaning.
SCHEMA_VERSION = 2
NAME_MAX = 80
MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024  # the CLI's --attach-size limit
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PASSWORD_KINDS = (CredentialKind.PASSWORD, CredentialKind.APP_PASSWORD, CredentialKind.API_KEY)

T = TypeVar("T")


class SecretKind(enum.Enum):
    """Which secret of a profile an entry holds. Values are part of the keyring key: keep them."""

    PASSWORD = "password"  # what AUTH presents: a password, an app password or an API key
    CLIENT_SECRET = "client_secret"  # OAuth app-only sign-in
    REFRESH_TOKEN = "refresh_token"
    TOKEN_CACHE = "token_cache"  # MSAL's serialized cache (holds the refresh token)


@dataclass(frozen=True)
class SecretRef:
    """The address of one secret: the profile's stable id plus the kind."""

    profile_id: str
    kind: SecretKind

    def __post_init__(self) -> None:
        if not self.profile_id or ":" in self.profile_id or _CONTROL.search(self.profile_id):
            raise ValueError("a profile id is a non-empty string without ':' or control characters")


@dataclass(frozen=True)
class FieldIssue:
    """A value in the file that could not be used; the default was taken instead."""

    field: str
    message: str

    def as_error(self) -> InputError:
        return InputError(self.field, self.message)


@dataclass(frozen=True)
class ProfileOAuth:
    """OAuth sign-in settings of a profile. The client secret is in the secret store, not here."""

    flow: OAuthFlow = OAuthFlow.DEVICE_CODE
    tenant: str = ""
    client_id: str = ""
    authority_host: str = ""  # empty: Microsoft's public cloud
    certificate_path: str = ""  # app-only sign-in with a certificate instead of a client secret
    certificate_thumbprint: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "flow": self.flow.value,
            "tenant": self.tenant,
            "client_id": self.client_id,
            "authority_host": self.authority_host,
            "certificate_path": self.certificate_path,
            "certificate_thumbprint": self.certificate_thumbprint,
        }


def new_profile_id() -> str:
    return uuid.uuid4().hex


def utc_now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def validate_profile_name(text: str, field: str = "name") -> str:
    """A profile name as shown in the list: 1 to 80 characters, no line breaks."""
    value = (text or "").strip()
    if not value:
        raise InputError(field, "Give the profile a name, for example the customer and the device.")
    if _CONTROL.search(value):
        raise InputError(field, "A profile name cannot contain line breaks or control characters.")
    if len(value) > NAME_MAX:
        raise InputError(field, f"The profile name is too long ({len(value)} characters; at most {NAME_MAX}).")
    return value


def name_key(name: str) -> str:
    """The form in which names are compared: 'Acme MFP' and 'acme mfp' are the same profile."""
    return name.strip().casefold()


@dataclass(frozen=True)
class Profile:
    """One saved set of settings. Change it with ``dataclasses.replace``; save it with the store."""

    name: str
    id: str = field(default_factory=new_profile_id)
    host: str = ""
    port: int = 587
    security: SecurityMode = SecurityMode.STARTTLS
    auth: AuthMethod = AuthMethod.AUTO
    username: str = ""
    credential_kind: CredentialKind = CredentialKind.PASSWORD
    mail_from: str = ""
    rcpt_to: tuple[str, ...] = ()
    header_from: str = ""
    helo: str = ""
    tls_verify: bool = True
    ca_file: str = ""
    tls_min: str = ""
    tls_max: str = ""
    timeout: float | None = None  # seconds per step; None: the app's defaults
    attachment_bytes: int = 0
    remember_secret: bool = True  # "Remember password": keep the secret in the OS keyring
    oauth: ProfileOAuth = field(default_factory=ProfileOAuth)
    notes: str = ""
    device_profile: str = ""  # id of an emulated device class, empty for none
    created: str = ""  # ISO 8601 UTC, set by the store
    modified: str = ""
    # Values from the file that could not be used (see the module docstring). Not compared.
    issues: tuple[FieldIssue, ...] = field(default=(), compare=False)

    # ----- secrets --------------------------------------------------------------------------

    def secret_kinds(self) -> tuple[SecretKind, ...]:
        """The secrets this profile's login uses (what a "Remember" checkbox is about)."""
        if self.credential_kind in _PASSWORD_KINDS:
            return (SecretKind.PASSWORD,)
        if self.credential_kind is CredentialKind.OAUTH_DELEGATED:
            return (SecretKind.TOKEN_CACHE,)
        if self.credential_kind is CredentialKind.OAUTH_APP_ONLY:
            if self.oauth.certificate_path or self.oauth.certificate_thumbprint:
                return (SecretKind.TOKEN_CACHE,)
            return (SecretKind.CLIENT_SECRET, SecretKind.TOKEN_CACHE)
        return ()

    def secret_ref(self, kind: SecretKind = SecretKind.PASSWORD) -> SecretRef:
        return SecretRef(self.id, kind)

    # ----- checks and the probe plan -------------------------------------------------------

    def problems(self) -> tuple[InputError, ...]:
        """Every reason this profile cannot be probed, one ``InputError`` per field, in form order."""
        found = [issue.as_error() for issue in self.issues]
        flagged = {issue.field for issue in self.issues}
        for check in _FIELD_CHECKS:
            try:
                check(self)
            except InputError as exc:
                if exc.field not in flagged:
                    found.append(exc)
                    flagged.add(exc.field)
        return tuple(sorted(found, key=_form_position))

    def to_plan(self, *, send: bool = True, behaviour: ClientBehaviour | None = None) -> ProbePlan:
        """The validated ``ProbePlan`` of this profile; raises the first ``InputError`` found."""
        problems = self.problems()
        if problems:
            raise problems[0]
        return ProbePlan(
            host=validate.host(self.host),
            port=self.port,
            security=self.security,
            auth=self.auth,
            username=validate.username(self.username) or None,
            credential_kind=self.credential_kind,
            message=MessageSpec(
                mail_from=validate.address(self.mail_from, "mail_from", required=False),
                rcpt_to=tuple(validate.address(a, "rcpt_to") for a in self.rcpt_to),
                header_from=validate.address(self.header_from, "header_from", required=False) or None,
                attachment_bytes=self.attachment_bytes,
                subject_note=self.name,
            ),
            send=send,
            helo_name=validate.helo_name(self.helo) if self.helo.strip() else None,
            tls=TlsPolicy(
                verify=self.tls_verify,
                ca_file=self.ca_file.strip() or None,
                min_version=validate.tls_version(self.tls_min, "tls_min") if self.tls_min else None,
                max_version=validate.tls_version(self.tls_max, "tls_max") if self.tls_max else None,
            ),
            timeouts=Timeouts.uniform(self.timeout) if self.timeout is not None else Timeouts(),
            behaviour=behaviour or ClientBehaviour(),
            profile_name=self.name,
            device_profile=self.device_profile or None,
        )

    # ----- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """The record as stored in the file (schema ``SCHEMA_VERSION``). Holds no secret."""
        return {
            "id": self.id,
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "auth": self.auth.value,
            "username": self.username,
            "credential_kind": self.credential_kind.value,
            "mail_from": self.mail_from,
            "rcpt_to": list(self.rcpt_to),
            "header_from": self.header_from,
            "helo": self.helo,
            "tls": {"verify": self.tls_verify, "ca_file": self.ca_file, "min": self.tls_min, "max": self.tls_max},
            "timeout": self.timeout,
            "attachment_bytes": self.attachment_bytes,
            "remember_secret": self.remember_secret,
            "oauth": self.oauth.to_dict(),
            "notes": self.notes,
            "device_profile": self.device_profile,
            "created": self.created,
            "modified": self.modified,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Profile:
        """A profile from a record of the current schema; unusable values become ``issues``."""
        read = _Reader(data)
        tls = _Reader(read.mapping("tls"), "tls.", read.issues)
        oauth_data = _Reader(read.mapping("oauth"), "oauth.", read.issues)
        return cls(
            name=read.parsed("name", "Unnamed profile", validate_profile_name),
            id=read.parsed("id", "", _profile_id) or new_profile_id(),
            host=read.text("host"),
            port=read.parsed("port", 587, lambda t: validate.port(t, "port")),
            security=read.parsed("security", SecurityMode.STARTTLS, validate.security),
            auth=read.parsed("auth", AuthMethod.AUTO, validate.auth_method),
            username=read.text("username"),
            credential_kind=read.parsed("credential_kind", CredentialKind.PASSWORD, _credential_kind),
            mail_from=read.text("mail_from"),
            rcpt_to=read.addresses("rcpt_to"),
            header_from=read.text("header_from"),
            helo=read.text("helo"),
            tls_verify=tls.boolean("verify", True),
            ca_file=tls.text("ca_file"),
            tls_min=tls.parsed("min", "", _optional_tls_version),
            tls_max=tls.parsed("max", "", _optional_tls_version),
            timeout=read.parsed("timeout", None, _optional_timeout),
            attachment_bytes=read.parsed("attachment_bytes", 0, _attachment_bytes),
            remember_secret=read.boolean("remember_secret", True),
            oauth=ProfileOAuth(
                flow=oauth_data.parsed("flow", OAuthFlow.DEVICE_CODE, OAuthFlow.parse),
                tenant=oauth_data.text("tenant"),
                client_id=oauth_data.text("client_id"),
                authority_host=oauth_data.text("authority_host"),
                certificate_path=oauth_data.text("certificate_path"),
                certificate_thumbprint=oauth_data.text("certificate_thumbprint"),
            ),
            notes=read.text("notes"),
            device_profile=read.text("device_profile"),
            created=read.text("created"),
            modified=read.text("modified"),
            issues=tuple(read.issues),
        )


# The order of the fields on the form, so problems are listed top to bottom.
_FORM_ORDER = tuple(Profile("order").to_dict())


def _form_position(error: InputError) -> int:
    top = error.field.split(".", 1)[0]
    return _FORM_ORDER.index(top) if top in _FORM_ORDER else len(_FORM_ORDER)


# ----- field checks used by problems() ---------------------------------------------------------


def _check_name(p: Profile) -> None:
    validate_profile_name(p.name)


def _check_host(p: Profile) -> None:
    validate.host(p.host)


def _check_port(p: Profile) -> None:
    validate.port(p.port)


def _check_username(p: Profile) -> None:
    validate.username(p.username, "username")


def _check_addresses(p: Profile) -> None:
    validate.address(p.mail_from, "mail_from", required=False)
    for address in p.rcpt_to:
        validate.address(address, "rcpt_to")
    validate.address(p.header_from, "header_from", required=False)


def _check_helo(p: Profile) -> None:
    if p.helo.strip():
        validate.helo_name(p.helo)


def _check_tls(p: Profile) -> None:
    low = validate.tls_version(p.tls_min, "tls_min") if p.tls_min else None
    high = validate.tls_version(p.tls_max, "tls_max") if p.tls_max else None
    if low and high and low > high:
        raise InputError("tls_min", f"The lowest TLS version ({low}) is above the highest ({high}).")
    if p.ca_file.strip() and not os.path.isfile(p.ca_file.strip()):
        raise InputError("ca_file", f"The CA file {p.ca_file.strip()} does not exist.")


def _check_numbers(p: Profile) -> None:
    if p.timeout is not None:
        validate.timeout(p.timeout)
    _attachment_bytes(p.attachment_bytes)


def _check_oauth(p: Profile) -> None:
    if not p.credential_kind.is_oauth:
        return
    if not p.oauth.client_id.strip():
        raise InputError("oauth.client_id", "Enter the application (client) ID of the app registration.")
    if not p.oauth.tenant.strip():
        raise InputError("oauth.tenant", "Enter the tenant: its ID (a GUID) or its domain name.")


_FIELD_CHECKS: tuple[Callable[[Profile], None], ...] = (
    _check_name,
    _check_host,
    _check_port,
    _check_username,
    _check_addresses,
    _check_helo,
    _check_tls,
    _check_numbers,
    _check_oauth,
)


# ----- lenient parsing of stored values --------------------------------------------------------


def _profile_id(text: str) -> str:
    value = text.strip()
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", value):
        raise InputError("id", "The profile id is not valid; a new one was given.")
    return value


def _credential_kind(text: str) -> CredentialKind:
    word = text.strip().lower().replace("-", "_")
    for kind in CredentialKind:
        if kind.value == word:
            return kind
    choices = ", ".join(k.value for k in CredentialKind)
    raise InputError("credential_kind", f"Unknown credential kind '{text}': use one of {choices}.")


def _optional_tls_version(text: str) -> str:
    return validate.tls_version(text) if text.strip() else ""


def _optional_timeout(text: str) -> float | None:
    return validate.timeout(text) if text.strip() else None


def _attachment_bytes(value: str | int) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) > MAX_ATTACHMENT_BYTES:
        raise InputError("attachment_bytes", "The attachment size must be a number of bytes, at most 200 MB.")
    return int(text)


class _Reader:
    """Reads typed values out of a JSON mapping, collecting a ``FieldIssue`` for each bad one."""

    def __init__(self, data: Mapping[str, object], prefix: str = "", issues: list[FieldIssue] | None = None):
        self.data = data
        self.prefix = prefix
        self.issues: list[FieldIssue] = [] if issues is None else issues

    def _note(self, key: str, value: object, reason: str) -> None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        self.issues.append(FieldIssue(self.prefix + key, f"The saved value {shown} cannot be used: {reason}"))

    def mapping(self, key: str) -> Mapping[str, object]:
        value = self.data.get(key)
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return value
        self._note(key, value, "expected a group of settings.")
        return {}

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self._note(key, value, "expected text.")
        return default

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
            return value.strip().lower() in ("true", "yes")
        self._note(key, value, "expected true or false.")
        return default

    def parsed(self, key: str, default: T, parse: Callable[[str], T]) -> T:
        """Parse the value's text with a ``core.validate``-style function (it raises InputError)."""
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self._note(key, value, "expected text or a number.")
            return default
        try:
            return parse(str(value))
        except InputError as exc:
            self._note(key, value, exc.message)
            return default

    def addresses(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(item.strip() for item in value if item.strip())
        self._note(key, value, "expected a list of email addresses.")
        return ()
