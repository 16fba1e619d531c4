"""What the window needs from the outside world, bundled so tests can pass their own.

``gui.app.build_services`` makes the real ones; tests build ``Services`` with a private
``QSettings`` file and their own thread pool (and wait for it at teardown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QThreadPool

from core.usecase.check import CheckServices

if TYPE_CHECKING:
    from core.profiles.service import ProfileService
    from gui.practice import PracticeSession


@dataclass
class Services:
    check_services: CheckServices  # the pipeline's dependencies (the real ones, or a test's)
    probe_pool: QThreadPool
    settings: QSettings
    presets: tuple[Any, ...] = ()  # provider presets for the picker (core.diagnosis.presets.PRESETS)
    practice: PracticeSession | None = None  # the running practice server (gui --demo), or None
    profile_store: Any = None  # core.profiles ProfileStore, when the profile list is in use
    secret_store: Any = None  # core.profiles.secrets.SecretStore
    keyring_label: str = ""  # where passwords are kept, in the user's words
    keyring_problem: str | None = None  # why there is no keyring (secrets kept for this session only)
    # The CA for the sign-in service's HTTPS instead of the system's (a local fake authority in tests,
    # a TLS-inspecting proxy's CA on site); None: the system's CAs.
    authority_ca_file: str | None = None
    _profile_service: Any = field(default=None, repr=False)

    def profile_service(self) -> ProfileService | None:
        """Profiles and their secrets as one object, over the same store and secret store as the window.

        A persistent secret store is the keyring; a session-only one becomes the service's session
        store, so a secret written through either is found through the other.
        """
        if self.profile_store is None:
            return None
        if self._profile_service is None:
            from core.profiles.service import ProfileService

            store = self.secret_store
            persistent = store is not None and bool(store.is_persistent)
            session = None if persistent or store is None else store
            self._profile_service = ProfileService(
                self.profile_store, store if persistent else None, keyring_problem=self.keyring_problem, session=session
            )
        service: ProfileService = self._profile_service
        return service


def private_pool() -> QThreadPool:
    """A pool of one thread: probes run one at a time and never compete with Qt's global pool."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    return pool
