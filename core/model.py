"""What to probe: settings as frozen values, validated before a run starts.

A ``ProbePlan`` holds no secrets; the password or token travels separately in ``Credentials``
(``Secret`` values) straight from the secret store or token provider to the runner.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from core.secret import Secret


class SecurityMode(enum.Enum):
    """How the connection is protected, in the words a printer's web page uses."""

    NONE = "none"  # plaintext; never upgraded
    STARTTLS = "starttls"  # plaintext greeting, then STARTTLS (usually port 587 or 25)
    TLS = "tls"  # implicit TLS from the first byte: "SSL/TLS", "SMTPS" (usually port 465)

    @property
    def label(self) -> str:
        return {"none": "None", "starttls": "STARTTLS", "tls": "SSL/TLS"}[self.value]


class AuthMethod(enum.Enum):
    """The SASL mechanism to use; AUTO picks the best one the server offers for the credential."""

    AUTO = "auto"
    NONE = "none"
    PLAIN = "plain"
    LOGIN = "login"
    CRAM_MD5 = "cram-md5"
    XOAUTH2 = "xoauth2"


class CredentialKind(enum.Enum):
    """What kind of secret is presented; diagnosis reads a reply differently for each."""

    NONE = "none"
    PASSWORD = "password"
    APP_PASSWORD = "app_password"
    API_KEY = "api_key"
    OAUTH_DELEGATED = "oauth_delegated"
    OAUTH_APP_ONLY = "oauth_app_only"

    @property
    def is_oauth(self) -> bool:
        return self in (CredentialKind.OAUTH_DELEGATED, CredentialKind.OAUTH_APP_ONLY)


# TLS versions a user may name on the CLI or in a device profile, oldest first.
TLS_VERSIONS: tuple[str, ...] = ("1.0", "1.1", "1.2", "1.3")


@dataclass(frozen=True)
class TlsPolicy:
    """How TLS is negotiated and checked."""

    verify: bool = True
    ca_file: str | None = None  # a PEM bundle that replaces the system store when given
    min_version: str | None = None  # one of TLS_VERSIONS, or None for the library default
    max_version: str | None = None
    ciphers: str | None = None  # an OpenSSL cipher string (device emulation)


@dataclass(frozen=True)
class Timeouts:
    """Per-phase deadlines in seconds, plus one for the whole run."""

    connect: float = 10.0
    greeting: float = 15.0
    tls: float = 10.0
    command: float = 15.0
    data_end: float = 60.0
    total: float = 120.0

    @classmethod
    def uniform(cls, seconds: float) -> Timeouts:
        """Every phase gets ``seconds``; the total allows the longest session to finish."""
        return cls(seconds, seconds, seconds, seconds, max(seconds, 30.0), max(seconds * 4, 30.0))


@dataclass(frozen=True)
class MessageSpec:
    """The test message sent after AUTH (unless the plan says not to send)."""

    mail_from: str = ""
    rcpt_to: tuple[str, ...] = ()
    header_from: str | None = None  # a different header From tests "send as"
    attachment_bytes: int = 0  # size of a scan-like PDF attachment; 0 = none
    subject_note: str = ""  # e.g. the profile name, put into the subject


@dataclass(frozen=True)
class ClientBehaviour:
    """What the client is allowed to do; device emulation narrows it to what an MFP can do."""

    pipelining: bool = True  # use PIPELINING when the server offers it
    initial_response: bool = True  # send the SASL initial response with AUTH (RFC 4954)
    allow_implicit_tls: bool = True


@dataclass(frozen=True)
class ProbePlan:
    """Everything a probe needs except secrets. Build it with ``core.validate``."""

    host: str
    port: int
    security: SecurityMode = SecurityMode.STARTTLS
    auth: AuthMethod = AuthMethod.AUTO
    username: str | None = None
    credential_kind: CredentialKind = CredentialKind.NONE
    message: MessageSpec = field(default_factory=MessageSpec)
    send: bool = True  # False: stop after AUTH (--no-send)
    helo_name: str | None = None  # None: the local host name, as most devices do
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    timeouts: Timeouts = field(default_factory=Timeouts)
    behaviour: ClientBehaviour = field(default_factory=ClientBehaviour)
    profile_name: str | None = None
    device_profile: str | None = None  # the emulated device class, if any
    # Connect to this IP address instead of looking ``host`` up (``--connect-to``, like curl's
    # ``--connect-to``): the certificate and SNI still use ``host``. For testing a server before the
    # DNS change, one node of a cluster, or a name this computer's DNS answers differently.
    connect_address: str | None = None

    @property
    def dial_address(self) -> str:
        """Where the connection goes: ``connect_address`` when given, else ``host`` (looked up)."""
        return self.connect_address or self.host

    def settings_dict(self) -> dict[str, object]:
        """The plan as plain JSON-ready values (no secrets exist here to leak)."""
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "auth": self.auth.value,
            "user": self.username,
            "credential": self.credential_kind.value,
            "from": self.message.mail_from or None,
            "to": list(self.message.rcpt_to),
            "header_from": self.message.header_from,
            "attachment_bytes": self.message.attachment_bytes,
            "send": self.send,
            "helo": self.helo_name,
            "tls_verify": self.tls.verify,
            "ca_file": self.tls.ca_file,
            "tls_min": self.tls.min_version,
            "tls_max": self.tls.max_version,
            "timeout": self.timeouts.command,
            "profile": self.profile_name,
            "device": self.device_profile,
            "connect_to": self.connect_address,
        }


@dataclass(frozen=True)
class Credentials:
    """The secret presented at AUTH: a password (or app password, API key) or an access token."""

    password: Secret | None = None
    token: Secret | None = None

    def values(self) -> list[str]:
        """Plain values, for redaction only."""
        return [s.reveal() for s in (self.password, self.token) if s]
