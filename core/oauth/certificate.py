"""Load an app registration's certificate credential (one PEM with the private key and certificate).

MSAL signs its client assertion with the key and sends the certificate's SHA-256 thumbprint (and
the chain, ``x5c``); both come from this one file, as Entra ID's "Certificates & secrets" expects.
"""

from __future__ import annotations

import re

from core.errors import InputError

_CERT_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
FIELD = "client-cert"


def load_certificate_credential(path: str) -> dict[str, str]:
    """MSAL's ``client_credential`` dict for the PEM at ``path``; ``InputError`` when unusable."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(FIELD, f"The certificate file {path} cannot be read: {exc.strerror}.") from None
    text = data.decode("ascii", errors="replace")
    certificates = _CERT_BLOCK.findall(text)
    if not certificates:
        raise InputError(FIELD, f"{path} holds no certificate (-----BEGIN CERTIFICATE-----).")
    try:
        x509.load_pem_x509_certificate(certificates[0].encode("ascii"))
    except ValueError:
        raise InputError(FIELD, f"The certificate in {path} cannot be read.") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise InputError(FIELD, f"The private key in {path} is password-protected; export it without one.") from None
    except ValueError:
        raise InputError(FIELD, f"{path} holds no private key (-----BEGIN PRIVATE KEY-----).") from None
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return {"private_key": key_pem, "public_certificate": "\n".join(certificates)}
