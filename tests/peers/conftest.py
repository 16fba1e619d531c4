"""The ``mail_peer`` fixture: one real Postfix + Dovecot pair for the whole test session.

Started by tests/peers/mailpeer.sh in a fresh directory under /tmp (Postfix's unprivileged user
must be able to reach it, which rules out pytest's 0700 tmp_path), stopped at the end of the
session even when tests failed. Without Postfix/Dovecot (or without root) the peer tests are
skipped, except in CI (``CI=true``), where that is an error: CI must install them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.peer import MailPeer, MailPeerError, skip_or_fail, stop_peer, unavailable_reason


def _stop_quietly(base_dir: Path) -> None:
    try:
        stop_peer(base_dir)
    except MailPeerError:
        pass  # the start failure is the error worth reporting


@pytest.fixture(scope="session")
def mail_peer() -> Iterator[MailPeer]:
    """A running Postfix + Dovecot peer; see ``tests.peers.peer.MailPeer`` for its API."""
    reason = unavailable_reason()
    if reason:
        skip_or_fail(reason)
    base_dir = Path(tempfile.mkdtemp(prefix="smtp-doctor-mailpeer-", dir="/tmp"))
    try:
        try:
            peer = MailPeer.start(base_dir)
        except MailPeerError as exc:
            # The script cleans up after itself, except when it was killed for taking too long.
            _stop_quietly(base_dir)
            pytest.fail(str(exc), pytrace=False)
        try:
            yield peer
        finally:
            peer.stop()
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)


@pytest.fixture
def recipient(mail_peer: MailPeer) -> str:
    """A recipient address only this test uses, so it can find its message in the shared sink."""
    return mail_peer.fresh_recipient()
