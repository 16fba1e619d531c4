"""Cancellation shared by the transport, the runner and token providers (set from any thread)."""

from __future__ import annotations

import threading


class CancelToken:
    """A one-way flag: once :meth:`cancel` is called, :attr:`cancelled` stays true.

    The transport checks it between short receive slices, so a cancel from the GUI thread ends a
    probe within a fraction of a second without closing sockets from the wrong thread.
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True as soon as the token is cancelled."""
        return self._event.wait(seconds)
