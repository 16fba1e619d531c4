"""TLS context from a policy, and certificate summaries (trustme certificates)."""

from __future__ import annotations

import hashlib
import ssl
from datetime import UTC, datetime

import pytest

from core.errors import TlsError
from core.model import TlsPolicy
from core.probe.result import TlsInfo
from core.transport.tls import build_context, cert_summary, describe, plaintext_greeting


def test_default_policy_verifies_against_the_system_store() -> None:
    context = build_context(TlsPolicy())
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2


def test_ca_file_replaces_the_system_store_even_with_ssl_cert_file_set(
    ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ssl.get_default_verify_paths().openssl_cafile)
    context = build_context(TlsPolicy(ca_file=ca_file))
    authorities = context.get_ca_certs()
    assert len(authorities) == 1
    assert "trustme" in str(authorities[0]["subject"])


def test_verify_off() -> None:
    context = build_context(TlsPolicy(verify=False))
    assert context.verify_mode is ssl.CERT_NONE
    assert not context.check_hostname


def test_versions_and_legacy_security_level() -> None:
    context = build_context(TlsPolicy(min_version="1.2", max_version="1.2"))
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.maximum_version is ssl.TLSVersion.TLSv1_2
    legacy = build_context(TlsPolicy(min_version="1.0", max_version="1.1"))
    assert legacy.minimum_version is ssl.TLSVersion.TLSv1
    assert legacy.maximum_version is ssl.TLSVersion.TLSv1_1
    # At security level 0 OpenSSL offers SHA-1 suites that TLS 1.0/1.1 need.
    assert any(c["name"].endswith("-SHA") for c in legacy.get_ciphers())


def test_cipher_string_is_applied_and_bad_ones_are_explained() -> None:
    context = build_context(TlsPolicy(ciphers="ECDHE-RSA-AES128-GCM-SHA256"))
    names = {c["name"] for c in context.get_ciphers() if c["protocol"] != "TLSv1.3"}
    assert names == {"ECDHE-RSA-AES128-GCM-SHA256"}
    with pytest.raises(TlsError, match="cipher list"):
        build_context(TlsPolicy(ciphers="NO-SUCH-CIPHER"))


def test_unreadable_ca_file_is_explained(tmp_path: object) -> None:
    with pytest.raises(TlsError, match="CA file"):
        build_context(TlsPolicy(ca_file="/nonexistent/ca.pem"))


def test_cert_summary_of_a_leaf_and_its_ca(ca: object, server_cert: object) -> None:
    leaf_pem = server_cert.cert_chain_pems[0].bytes()  # type: ignore[attr-defined]
    leaf_der = ssl.PEM_cert_to_DER_cert(leaf_pem.decode())
    summary = cert_summary(leaf_der)
    assert summary is not None
    assert summary.sans == ("localhost", "mx.local.test", "127.0.0.1")
    assert summary.sha256 == hashlib.sha256(leaf_der).hexdigest()
    assert not summary.self_signed
    assert "trustme" in summary.issuer
    assert summary.not_before < datetime.now(UTC) < summary.not_after
    root = cert_summary(ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode()))  # type: ignore[attr-defined]
    assert root is not None
    assert root.self_signed
    assert cert_summary(b"not a certificate") is None


def test_describe_lists_version_certificates_and_verdict(server_cert: object) -> None:
    der = ssl.PEM_cert_to_DER_cert(server_cert.cert_chain_pems[0].bytes().decode())  # type: ignore[attr-defined]
    summary = cert_summary(der)
    assert summary is not None
    failed = TlsInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", (summary,), False, "self-signed certificate", 18)
    lines = describe(failed, "mx.local.test")
    assert lines[0] == "Negotiated TLSv1.3, cipher TLS_AES_256_GCM_SHA384"
    assert lines[1].startswith("server certificate: subject ")
    assert "names localhost, mx.local.test, 127.0.0.1" in lines[1]
    assert lines[2] == "Certificate NOT verified (code 18): self-signed certificate"
    off = describe(TlsInfo("TLSv1.2", "X", (), verification_enabled=False), "h")
    assert "switched off" in off[-1]


@pytest.mark.parametrize(
    ("received", "line"),
    [(b"220 mx ESMTP ready\r\n", "220 mx ESMTP ready"), (b"\x16\x03\x03", None), (b"", None), (b"22", None)],
)
def test_plaintext_greeting(received: bytes, line: str | None) -> None:
    assert plaintext_greeting(received) == line
