"""The token cache in the real Secret Service (gnome-keyring on a private D-Bus), chunked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.oauth.cache import CHUNK_CHARS
from tests.helpers.secret_service import run_in_private_secret_service

SCRIPT = Path(__file__).with_name("_realkeyring_cache.py")


@pytest.mark.realkeyring
def test_large_token_cache_round_trips_through_gnome_keyring(tmp_path: Path) -> None:
    # About the size of a real MSAL cache with one account: several chunks.
    cache = json.dumps({"RefreshToken": {"k": {"secret": "r" * (CHUNK_CHARS * 2 + 300)}}})
    facts = run_in_private_secret_service(SCRIPT, {"cache": cache}, home=tmp_path / "home")
    assert facts["roundtrip"] is True
    assert facts["stored"] == [
        "token-cache:real-profile",
        "token-cache:real-profile:0",
        "token-cache:real-profile:1",
        "token-cache:real-profile:2",
    ]
    assert facts["after_clear"] == []
