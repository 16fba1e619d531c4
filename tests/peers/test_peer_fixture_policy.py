"""When the peer cannot run: a clear skip on a developer's machine, a loud failure in CI."""

from __future__ import annotations

import pytest

from tests.peers import peer


def test_missing_binaries_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name, path=None: None if name == "dovecot" else "/x")
    reason = peer.unavailable_reason()
    assert reason is not None
    assert "dovecot missing" in reason
    assert "apt-get install postfix dovecot-core" in reason


def test_not_root_is_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name, path=None: f"/usr/sbin/{name}")
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert peer.unavailable_reason() == "the Postfix + Dovecot peer must be started as root"


def test_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no postfix"):
        peer.skip_or_fail("no postfix")


def test_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the real-peer tests, but: no postfix"):
        peer.skip_or_fail("no postfix")
