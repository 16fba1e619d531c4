"""Fixtures for the practice-server tests: one running server shared by a test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.lab import PracticeServer


@pytest.fixture(scope="module")
def practice_server() -> Iterator[PracticeServer]:
    """A running practice server (free ports, fresh CA); stopped after the module."""
    with PracticeServer(size_limit=64 * 1024) as server:
        yield server
