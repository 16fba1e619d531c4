"""Device emulation: generic classes of multifunction printers and what their firmware can do.

A probe answers "will *this* printer work?" only if the client does no more than the printer
could: an old firmware offers TLS 1.0 at best, knows a handful of RSA cipher suites, may have no
SSL/TLS (port 465) option, sends ``AUTH LOGIN`` without an initial response, greets with a fixed
EHLO name and never pipelines. ``apply_device(plan, device_id)`` narrows a ``ProbePlan`` to one of
these classes; everything else about the plan stays as it was.

The classes are generic on purpose: no vendor or model is named, because the behaviours below are
collected from technicians' reports and the knowledge notes (peers-and-presets.md rows 63-64,
Microsoft's legacy-TLS endpoint), not from a vendor's own documentation of a specific model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.errors import InputError
from core.model import TLS_VERSIONS, AuthMethod, ProbePlan, SecurityMode, TlsPolicy

# RSA key exchange with CBC ciphers: what TLS 1.0 firmware stacks of the early 2010s offer.
_RSA_CBC = "AES128-SHA:AES256-SHA:DES-CBC3-SHA"
_ECDHE_OR_RSA_CBC = "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-SHA:AES256-SHA"
_TLS12_GCM = (
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA"
)
_MECHANISMS = {"PLAIN": AuthMethod.PLAIN, "LOGIN": AuthMethod.LOGIN, "CRAM-MD5": AuthMethod.CRAM_MD5}


@dataclass(frozen=True)
class DeviceClass:
    """What one class of device can do; the probe does no more than this."""

    id: str
    label: str
    description: str
    tls_min: str | None  # lowest TLS version it offers (None: the library default)
    tls_max: str | None  # highest TLS version it offers (None: no ceiling)
    ciphers: str | None  # OpenSSL cipher string for TLS <= 1.2 (None: the library default)
    implicit_tls: bool  # has an "SSL/TLS" (port 465) setting
    initial_response: bool  # sends the SASL initial response with AUTH (RFC 4954)
    helo_name: str | None  # a fixed EHLO name (None: its host name, as the plan says)
    pipelining: bool
    auth_mechanisms: tuple[str, ...]  # SASL mechanisms the firmware knows

    def allows(self, security: SecurityMode) -> bool:
        """Whether the device has a setting for this encryption mode at all."""
        return self.implicit_tls or security is not SecurityMode.TLS

    def summary(self) -> str:
        """One line for a list or a report: the limits that matter."""
        versions = _version_span(self.tls_min, self.tls_max)
        modes = "None, STARTTLS, SSL/TLS" if self.implicit_tls else "None, STARTTLS (no SSL/TLS)"
        login = "/".join(self.auth_mechanisms) + ("" if self.initial_response else " without initial response")
        return f"{versions}; {modes}; AUTH {login}; {'PIPELINING' if self.pipelining else 'no PIPELINING'}"

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "tls_min": self.tls_min,
            "tls_max": self.tls_max,
            "ciphers": self.ciphers,
            "implicit_tls": self.implicit_tls,
            "initial_response": self.initial_response,
            "helo_name": self.helo_name,
            "pipelining": self.pipelining,
            "auth_mechanisms": list(self.auth_mechanisms),
        }


DEVICES: tuple[DeviceClass, ...] = (
    DeviceClass(
        id="legacy-tls10",
        label="Old MFP firmware, TLS 1.0 only",
        description=(
            "Firmware from before TLS 1.2 was common: offers only TLS 1.0 with RSA/CBC cipher suites, "
            "has no SSL/TLS (465) choice, logs in with AUTH LOGIN without an initial response, greets with "
            "a fixed single-word EHLO name and never pipelines. Microsoft 365 answers such devices with "
            "421 4.7.66 unless the tenant opts in to the legacy TLS endpoint."
        ),
        tls_min="1.0",
        tls_max="1.0",
        ciphers=_RSA_CBC,
        implicit_tls=False,
        initial_response=False,
        helo_name="MFP",
        pipelining=False,
        auth_mechanisms=("LOGIN",),
    ),
    DeviceClass(
        id="legacy-tls11",
        label="Older MFP firmware, TLS 1.0/1.1",
        description=(
            "Firmware that stops at TLS 1.1 with CBC cipher suites; has STARTTLS and SSL/TLS; AUTH LOGIN "
            "(without initial response) or PLAIN; no PIPELINING."
        ),
        tls_min="1.0",
        tls_max="1.1",
        ciphers=_ECDHE_OR_RSA_CBC,
        implicit_tls=True,
        initial_response=False,
        helo_name=None,
        pipelining=False,
        auth_mechanisms=("LOGIN", "PLAIN"),
    ),
    DeviceClass(
        id="tls12-starttls-only",
        label="MFP with TLS 1.2, STARTTLS only",
        description=(
            "TLS 1.2 (no 1.3) with common AES-GCM suites, but only a STARTTLS ('TLS') switch: no SSL/TLS on "
            "port 465. AUTH LOGIN or PLAIN; no PIPELINING."
        ),
        tls_min="1.2",
        tls_max="1.2",
        ciphers=_TLS12_GCM,
        implicit_tls=False,
        initial_response=True,
        helo_name=None,
        pipelining=False,
        auth_mechanisms=("LOGIN", "PLAIN"),
    ),
    DeviceClass(
        id="tls12-typical",
        label="Current MFP, TLS 1.2 (no 1.3)",
        description=(
            "A typical device of recent years: TLS 1.2 with the library's default suites, STARTTLS and "
            "SSL/TLS, AUTH PLAIN or LOGIN; no PIPELINING."
        ),
        tls_min="1.2",
        tls_max="1.2",
        ciphers=None,
        implicit_tls=True,
        initial_response=True,
        helo_name=None,
        pipelining=False,
        auth_mechanisms=("PLAIN", "LOGIN"),
    ),
    DeviceClass(
        id="modern-oauth",
        label="Modern MFP with OAuth 2.0",
        description=(
            "Current firmware with a Microsoft/Google OAuth sign-in: TLS 1.2 and 1.3, STARTTLS and SSL/TLS, "
            "XOAUTH2 besides PLAIN and LOGIN."
        ),
        tls_min="1.2",
        tls_max=None,
        ciphers=None,
        implicit_tls=True,
        initial_response=True,
        helo_name=None,
        pipelining=True,
        auth_mechanisms=("XOAUTH2", "PLAIN", "LOGIN"),
    ),
)


def device_ids() -> tuple[str, ...]:
    return tuple(d.id for d in DEVICES)


def device_by_id(device_id: str) -> DeviceClass | None:
    wanted = device_id.strip().lower()
    return next((d for d in DEVICES if d.id == wanted), None)


def resolve_device(device_id: str, field: str = "--device") -> DeviceClass:
    """The device class named ``device_id``; InputError listing the choices when there is none."""
    device = device_by_id(device_id or "")
    if device is None:
        raise InputError(field, f"unknown device class '{device_id}': use one of {', '.join(device_ids())}")
    return device


def apply_device(plan: ProbePlan, device_id: str, field: str = "--device") -> ProbePlan:
    """``plan`` narrowed to what the device class can do (InputError if the plan asks for more)."""
    device = resolve_device(device_id, field)
    if not device.allows(plan.security):
        raise InputError(
            field, f"{device.label} has no SSL/TLS (implicit TLS) setting; test it with STARTTLS or None instead"
        )
    behaviour = replace(
        plan.behaviour,
        pipelining=plan.behaviour.pipelining and device.pipelining,
        initial_response=plan.behaviour.initial_response and device.initial_response,
        allow_implicit_tls=plan.behaviour.allow_implicit_tls and device.implicit_tls,
    )
    return replace(
        plan,
        auth=_auth_for(plan.auth, device, field),
        tls=_tls_limits(plan.tls, device, field),
        behaviour=behaviour,
        # An explicit EHLO name (--helo, the form) wins: the technician may know the device's own.
        helo_name=plan.helo_name or device.helo_name,
        device_profile=device.id,
    )


def _auth_for(method: AuthMethod, device: DeviceClass, field: str) -> AuthMethod:
    if method is AuthMethod.NONE:
        return method
    if method is AuthMethod.AUTO:
        # A firmware with a single mechanism uses it whatever the server prefers.
        only = device.auth_mechanisms[0] if len(device.auth_mechanisms) == 1 else None
        return _MECHANISMS.get(only or "", AuthMethod.AUTO)
    name = method.value.upper()
    if name not in device.auth_mechanisms:
        raise InputError(
            field, f"{device.label} cannot log in with {name}; it knows {', '.join(device.auth_mechanisms)}"
        )
    return method


def _tls_limits(policy: TlsPolicy, device: DeviceClass, field: str) -> TlsPolicy:
    """The tighter of the plan's and the device's TLS limits, and the device's cipher list."""
    plan_min, plan_max = policy.min_version, policy.max_version
    order = TLS_VERSIONS.index
    lows = [v for v in (plan_min, device.tls_min) if v]
    highs = [v for v in (plan_max, device.tls_max) if v]
    low = max(lows, key=order) if lows else None
    high = min(highs, key=order) if highs else None
    if low and high and order(low) > order(high):
        raise InputError(
            field,
            f"{device.label} speaks {_version_span(device.tls_min, device.tls_max)}, which does not overlap the "
            f"TLS versions asked for ({_version_span(plan_min, plan_max)})",
        )
    return replace(policy, min_version=low, max_version=high, ciphers=device.ciphers or policy.ciphers)


def _version_span(low: str | None, high: str | None) -> str:
    if low and high:
        return f"TLS {low}" if low == high else f"TLS {low}–{high}"
    if high:
        return f"TLS up to {high}"
    return f"TLS {low} or newer" if low else "any TLS version"
