"""TLS for a probe: the client ``SSLContext`` a policy asks for, and what the session showed.

Verification strategy: the handshake runs once, *with* verification when the policy wants it,
so the failure reason is OpenSSL's own (``verify_code`` 10 expired, 18/19/20 untrusted, 62
host name mismatch) rather than a re-implementation's. The chain the server presented is still
readable after a failed verification: CPython 3.10+ keeps it on the private
``_sslobj.get_unverified_chain()`` (public from 3.13). Where that is missing, the leaf from
``getpeercert(binary_form=True)`` is used, which exists only after a successful handshake.

Certificates are summarised with ``cryptography`` into :class:`CertSummary` values.
"""

from __future__ import annotations

import ssl
import warnings
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from core.errors import CertificateError, TlsError, TlsHandshakeError
from core.model import TlsPolicy
from core.probe.result import CertSummary, TlsInfo

VERSIONS: dict[str, ssl.TLSVersion] = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}
_LEGACY = {"1.0", "1.1"}
# OpenSSL 3 refuses TLS 1.0/1.1 (SHA-1 signatures) at its default security level 1+.
_LEGACY_SECLEVEL = ":@SECLEVEL=0"
_DER = 2  # _ssl.ENCODING_DER; the constant is not exported by the ssl module


class TlsHandshakeFailure(TlsHandshakeError):
    """A handshake that failed for a reason other than the certificate.

    ``received`` holds the first bytes the server sent during the attempt: a plaintext ``220``
    there means the port speaks SMTP first (STARTTLS), not implicit TLS.
    """

    def __init__(self, message: str, *, ssl_reason: str | None, received: bytes = b"") -> None:
        super().__init__(message)
        self.ssl_reason = ssl_reason
        self.received = received

    @property
    def plaintext_greeting(self) -> str | None:
        return plaintext_greeting(self.received)


class TlsCertificateFailure(CertificateError):
    """The certificate did not verify; ``info`` still carries the chain the server presented."""

    def __init__(self, message: str, *, verify_code: int | None, verify_message: str, info: TlsInfo) -> None:
        super().__init__(message)
        self.verify_code = verify_code
        self.verify_message = verify_message
        self.info = info


def plaintext_greeting(received: bytes) -> str | None:
    """The plaintext SMTP line a server sent where TLS was expected (``220 …``), if it did."""
    if len(received) < 3 or not received[:3].isdigit():
        return None
    return received.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")[:200]


def build_context(policy: TlsPolicy) -> ssl.SSLContext:
    """A client context for ``policy``. Raises TlsError for an unusable CA file or cipher string."""
    try:
        # With cafile, create_default_context loads only that file: SSL_CERT_FILE and the system
        # store play no part, which is what "use this CA" means.
        context = ssl.create_default_context(cafile=policy.ca_file) if policy.ca_file else ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"The CA file {policy.ca_file} cannot be used: {exc.strerror or exc}.") from exc
    if not policy.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        # TLS 1.0/1.1 are deprecated on purpose; a tester must still speak them to old devices.
        warnings.simplefilter("ignore", DeprecationWarning)
        if policy.min_version:
            context.minimum_version = VERSIONS[policy.min_version]
        if policy.max_version:
            context.maximum_version = VERSIONS[policy.max_version]
    ciphers = policy.ciphers
    if {policy.min_version, policy.max_version} & _LEGACY:
        ciphers = (ciphers or "DEFAULT") + _LEGACY_SECLEVEL
    if ciphers:
        try:
            context.set_ciphers(ciphers)
        except ssl.SSLError as exc:
            raise TlsError(f"OpenSSL does not understand the cipher list '{policy.ciphers}'.") from exc
    return context


def cert_summary(der: bytes) -> CertSummary | None:
    """A person-sized summary of one DER certificate; None if it cannot be parsed."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    return CertSummary(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=_sans(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        self_signed=_self_signed(cert),
    )


def _sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    dns = names.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    return (*dns, *ips)


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def peer_chain(tls: ssl.SSLObject) -> tuple[CertSummary, ...]:
    """The chain the server presented, leaf first (also after a failed verification)."""
    ders: list[bytes] = []
    inner: Any = getattr(tls, "_sslobj", None)
    getter = getattr(inner, "get_unverified_chain", None)
    if getter is not None:
        try:
            ders = [c.public_bytes(_DER) for c in getter() or ()]
        except (ssl.SSLError, ValueError, AttributeError):
            ders = []
    if not ders:
        try:
            leaf = tls.getpeercert(binary_form=True)
        except ValueError:  # "handshake not done yet"
            leaf = None
        ders = [leaf] if leaf else []
    summaries = (cert_summary(der) for der in ders)
    return tuple(s for s in summaries if s is not None)


def session_info(
    tls: ssl.SSLObject,
    *,
    verification_enabled: bool,
    verified: bool,
    verify_code: int | None = None,
    verify_message: str | None = None,
) -> TlsInfo:
    """What the handshake negotiated (version and cipher are None when it did not finish)."""
    cipher = tls.cipher()
    return TlsInfo(
        version=tls.version(),
        cipher=cipher[0] if cipher else None,
        chain=peer_chain(tls),
        verified=verified,
        verify_message=verify_message,
        verify_code=verify_code,
        verification_enabled=verification_enabled,
    )


def describe(info: TlsInfo, server_hostname: str) -> list[str]:
    """Transcript lines for a TLS session: protocol, each certificate, and the verification result."""
    lines = []
    if info.version:
        lines.append(f"Negotiated {info.version}, cipher {info.cipher}")
    for position, cert in enumerate(info.chain):
        lines.append(describe_certificate(position, cert))
    if not info.verification_enabled:
        lines.append("Certificate verification is switched off for this test (the device may still check it)")
    elif info.verified:
        lines.append(f"Certificate verified: trusted chain, valid for {server_hostname}")
    else:
        lines.append(f"Certificate NOT verified (code {info.verify_code}): {info.verify_message}")
    return lines


def describe_certificate(position: int, cert: CertSummary, now: datetime | None = None) -> str:
    moment = now or datetime.now(UTC)
    validity = "expired" if cert.not_after < moment else "not yet valid" if cert.not_before > moment else "valid"
    role = "server certificate" if position == 0 else f"chain certificate {position}"
    parts = [
        f"{role}: subject {cert.subject or '(empty)'}",
        f"issuer {cert.issuer or '(empty)'}" + (" (self-signed)" if cert.self_signed else ""),
        f"valid {cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d} ({validity})",
    ]
    if cert.sans:
        parts.append("names " + ", ".join(cert.sans[:20]) + (" …" if len(cert.sans) > 20 else ""))
    parts.append(f"SHA-256 {cert.sha256}")
    return "; ".join(parts)
