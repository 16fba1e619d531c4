"""The HTTPS client MSAL talks to the authority with.

``requests`` lets the REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE environment variables override a
session's ``verify``. When the settings name their own CA file (a local fake authority in tests,
or a TLS-inspecting proxy's CA on site), the session must use exactly that file, so it ignores the
environment (``trust_env=False``).
"""

from __future__ import annotations

from typing import Any


def build_http_client(ca_file: str | None) -> Any | None:
    """A ``requests.Session`` pinned to ``ca_file``, or None to let MSAL build its default one."""
    if ca_file is None:
        return None
    import requests

    session = requests.Session()
    session.verify = ca_file
    session.trust_env = False  # also ignores proxy variables: a pinned CA means a known endpoint
    return session
