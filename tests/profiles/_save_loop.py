"""Saves profiles in a tight loop until killed: the victim of test_kill_during_save.py.

Usage: python _save_loop.py PROFILES_JSON START. Prints "ready", then after each completed save the
number of that save, so the test knows what must survive the SIGKILL it sends at a random moment.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from core.profiles.model import Profile
from core.profiles.store import ProfileStore


def main() -> None:
    path, start = Path(sys.argv[1]), int(sys.argv[2])
    store = ProfileStore(path)
    print("ready", flush=True)
    number = start
    while True:
        number += 1
        if number % 3 == 0:
            store.save(Profile(f"new {number}", host="new.example.test", notes="n" * 500))
        else:
            base = store.get(f"base {number % 20:02d}")
            store.save(replace(base, notes=f"rev {number} " + "x" * 2000))
        print(number, flush=True)


if __name__ == "__main__":
    main()
