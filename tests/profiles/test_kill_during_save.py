"""A process killed with SIGKILL while saving never loses or damages a profile."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.profiles.model import Profile
from core.profiles.store import ProfileStore
from tests.helpers.secret_service import REPO_ROOT

KILLS = 10
LOOP = Path(__file__).with_name("_save_loop.py")


def run_and_kill(path: Path, start: int, delay_s: float) -> list[int]:
    """Start the save loop, kill it ``delay_s`` after it is ready; return the saves it completed."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, str(LOOP), str(path), str(start)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay_s)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        return [int(line) for line in child.stdout.read().split()]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        child.stdout.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.timeout(120)
def test_sigkill_during_saves_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    store = ProfileStore(path)
    store.save_many([Profile(f"base {i:02d}", host="base.example.test", notes="x" * 2000) for i in range(20)])
    rng = random.Random(5)  # reproducible kill moments
    committed: list[int] = []
    for kill in range(KILLS):
        committed += run_and_kill(path, kill * 1_000_000, rng.uniform(0.005, 0.08))
        json.loads(path.read_text())  # never a torn file
        survivor = ProfileStore(path)
        assert survivor.load_warning is None, survivor.load_warning
        names = set(survivor.names())
        assert {f"base {i:02d}" for i in range(20)} <= names
        assert {f"new {n}" for n in committed if n % 3 == 0} <= names
        for number in committed:
            if number % 3:  # the base profile holds this revision or a later one
                notes = survivor.get(f"base {number % 20:02d}").notes
                assert int(notes.split()[1]) >= number
    assert len(committed) > KILLS  # the loop really saved (and was killed) many times
