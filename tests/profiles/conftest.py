"""Fixtures for the profile tests: a private config dir and the in-memory keyring of the root conftest."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from core.profiles.keyring_store import KeyringSecretStore
from core.profiles.service import ProfileService
from core.profiles.store import ProfileStore
from tests.helpers.memory_keyring import MemoryKeyring


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    monkeypatch.setenv("SMTP_DOCTOR_CONFIG_DIR", str(directory))
    return directory


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring), "the root conftest installs the in-memory keyring"
    return backend


@pytest.fixture
def store(config_dir: Path) -> ProfileStore:
    return ProfileStore(config_dir / "profiles.json")


@pytest.fixture
def service(store: ProfileStore, memory_keyring: MemoryKeyring) -> ProfileService:
    return ProfileService(store, KeyringSecretStore(memory_keyring))
