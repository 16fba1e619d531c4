"""PyInstaller runtime hook: the packaged app must find trusted root certificates on any machine.

The bundle carries the build machine's OpenSSL, which looks for roots where *that* machine keeps
them: ``/usr/lib/ssl`` on Debian, Homebrew's prefix on a macOS build runner. On Fedora, openSUSE or
a Mac without Homebrew those places do not exist, so every real server's certificate would fail to
verify. Before the app starts, this hook checks OpenSSL's own default places; only when they hold
nothing it points ``SSL_CERT_FILE`` at the system's bundle (the distribution's list, which includes
roots an administrator added), and as a last resort at certifi's bundle inside the package.

A user's own ``SSL_CERT_FILE``/``SSL_CERT_DIR`` always wins. Windows needs nothing: Python reads
the Windows certificate store itself. The engine's ``--ca-file`` (``TlsPolicy.ca_file``) is not
affected: a context made with ``cafile=`` ignores these variables.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Callable, Mapping
from typing import Final

# Where operating systems keep their combined PEM bundle, most common first.
SYSTEM_BUNDLES: Final = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # newer Fedora/RHEL
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # macOS, Alpine, FreeBSD
)


def _has_entries(folder: str) -> bool:
    try:
        return any(os.scandir(folder))
    except OSError:
        return False


def _certifi_bundle() -> str | None:
    try:
        import certifi
    except ImportError:
        return None
    path = certifi.where()
    return path if os.path.isfile(path) else None


def choose_ca_file(
    paths: ssl.DefaultVerifyPaths,
    environ: Mapping[str, str],
    *,
    is_file: Callable[[str], bool] = os.path.isfile,
    has_entries: Callable[[str], bool] = _has_entries,
    fallback: Callable[[], str | None] = _certifi_bundle,
) -> str | None:
    """The bundle to put into ``SSL_CERT_FILE``, or None when OpenSSL already finds roots."""
    if environ.get(paths.openssl_cafile_env) or environ.get(paths.openssl_capath_env):
        return None  # the user (or an administrator) chose
    if paths.openssl_cafile and is_file(paths.openssl_cafile):
        return None
    if paths.openssl_capath and has_entries(paths.openssl_capath):
        return None
    for candidate in SYSTEM_BUNDLES:
        if is_file(candidate):
            return candidate
    return fallback()


def install() -> None:
    paths = ssl.get_default_verify_paths()
    chosen = choose_ca_file(paths, os.environ)
    if chosen is not None:
        os.environ[paths.openssl_cafile_env] = chosen


if getattr(sys, "frozen", False) and sys.platform != "win32":
    install()
