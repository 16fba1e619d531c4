"""What the window needs from the outside world, bundled so tests can pass their own.

``gui.app.build_services`` makes the real ones; tests build ``Services`` with a private
``QSettings`` file and their own thread pool (and wait for it at teardown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QThreadPool

from gui.controller import DiagnoseFunction, ProbeFunction

if TYPE_CHECKING:
    from gui.practice import PracticeSession


@dataclass
class Services:
    run_probe: ProbeFunction
    diagnose: DiagnoseFunction
    probe_pool: QThreadPool
    settings: QSettings
    presets: tuple[Any, ...] = ()  # provider presets for the picker (core.diagnosis.presets.PRESETS)
    practice: PracticeSession | None = None  # the running practice server (gui --demo), or None
    profile_store: Any = None  # core.profiles ProfileStore, when the profile list is in use
    secret_store: Any = None  # core.profiles.secrets.SecretStore
    keyring_label: str = ""  # where passwords are kept, in the user's words
    keyring_problem: str | None = None  # why there is no keyring (secrets kept for this session only)


def private_pool() -> QThreadPool:
    """A pool of one thread: probes run one at a time and never compete with Qt's global pool."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    return pool
