"""App-only tokens (client credentials) with a secret and with a certificate, via real MSAL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core.errors import InputError
from core.oauth.claims import inspect_token
from core.oauth.errors import TokenError
from core.oauth.msal_provider import MsalTokenProvider
from core.oauth.settings import APP_ONLY_SMTP_SCOPE
from core.secret import Secret
from tests.helpers.fake_authority import FakeAuthority
from tests.oauth.conftest import app_settings


def make_certificate(directory: Path, name: str = "app") -> tuple[Path, bytes]:
    """A self-signed RSA certificate and key in one PEM, as uploaded to an app registration."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"smtp-doctor-{name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = directory / f"{name}.pem"
    path.write_bytes(key_pem + cert_pem)
    return path, cert_pem


def test_secret_gets_an_app_only_token_with_the_default_scope(authority: FakeAuthority, ca_file: str) -> None:
    token = MsalTokenProvider(app_settings(authority, ca_file)).acquire()

    assert token.token.reveal() == authority.issued_access_tokens[-1]
    [request] = [r for r in authority.requests if r.grant_type == "client_credentials"]
    assert request.form["scope"] == APP_ONLY_SMTP_SCOPE  # exactly, no reserved scopes
    assert request.form["client_secret"] == authority.client_secret
    claims = inspect_token(token.token)
    assert claims["roles"] == ["SMTP.SendAsApp"]
    assert claims["aud"] == "https://outlook.office365.com"


def test_second_request_is_answered_from_the_cache(authority: FakeAuthority, ca_file: str) -> None:
    provider = MsalTokenProvider(app_settings(authority, ca_file))
    first = provider.acquire()
    second = provider.acquire()
    assert first.token == second.token
    assert authority.grants().count("client_credentials") == 1
    third = provider.acquire(force_refresh=True)
    assert third.token != first.token
    assert authority.grants().count("client_credentials") == 2


def test_wrong_secret_is_a_token_error_without_the_secret(authority: FakeAuthority, ca_file: str) -> None:
    wrong = Secret("not-the-secret-123")
    with pytest.raises(TokenError) as caught:
        MsalTokenProvider(app_settings(authority, ca_file, client_secret=wrong)).acquire()
    err = caught.value
    assert err.error == "invalid_client"
    assert err.aadsts == (7000215,)
    assert "not-the-secret-123" not in repr(err.__dict__) + str(err)


def test_certificate_signs_a_client_assertion_the_authority_verifies(
    server_ssl_context: object, ca_file: str, tmp_path: Path
) -> None:
    pem_path, cert_pem = make_certificate(tmp_path)
    with FakeAuthority(server_ssl_context, certificate_pem=cert_pem) as fa:  # type: ignore[arg-type]
        token = MsalTokenProvider(
            app_settings(fa, ca_file, client_secret=None, certificate_path=str(pem_path))
        ).acquire()
        [request] = [r for r in fa.requests if r.grant_type == "client_credentials"]
    assert token.token.reveal() == fa.issued_access_tokens[-1]
    assert "client_secret" not in request.form
    assert request.form["client_assertion"].count(".") == 2


def test_certificate_not_registered_on_the_app_is_refused(
    server_ssl_context: object, ca_file: str, tmp_path: Path
) -> None:
    _, registered = make_certificate(tmp_path, "registered")
    other_path, _ = make_certificate(tmp_path, "other")
    with (
        FakeAuthority(server_ssl_context, certificate_pem=registered) as fa,  # type: ignore[arg-type]
        pytest.raises(TokenError) as caught,
    ):
        MsalTokenProvider(app_settings(fa, ca_file, client_secret=None, certificate_path=str(other_path))).acquire()
    assert caught.value.aadsts == (700027,)


def test_pem_without_a_key_is_an_input_error(authority: FakeAuthority, ca_file: str, tmp_path: Path) -> None:
    _, cert_pem = make_certificate(tmp_path)
    only_cert = tmp_path / "only-cert.pem"
    only_cert.write_bytes(cert_pem)
    with pytest.raises(InputError) as caught:
        MsalTokenProvider(
            app_settings(authority, ca_file, client_secret=None, certificate_path=str(only_cert))
        ).acquire()
    assert caught.value.field == "client-cert"
    assert "private key" in caught.value.message
