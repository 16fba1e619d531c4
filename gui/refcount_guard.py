"""Keeps ``None``, ``True`` and ``False`` alive under PySide6 6.12 on Python 3.11 (an upstream bug).

shiboken6 6.12 hands back ``None`` (and the bools) from wrapped C++ calls without taking a new
reference. On Python 3.12+ these objects are immortal and nothing happens; on 3.11 every call to a
void Qt method (``setText``, ``selectAll``...) drops ``None``'s reference count by one. The app
starts with about 10,000 references to ``None``, so after a few test runs the count reaches zero
and the interpreter aborts ("Fatal Python error: none_dealloc"), mid-session or at exit.

Adding a huge number of references once makes these singletons effectively immortal, as Python
3.12 does by design. Nothing else changes: the objects are never freed anyway.
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40  # more void calls than any session makes; far below the counter's limit


def make_singletons_immortal() -> None:
    """On Python < 3.12, give None, True and False enough references that no leak can free them."""
    if sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every PyObject in a release build of CPython 3.11.
        counter = ctypes.c_ssize_t.from_address(id(singleton))
        counter.value += _EXTRA_REFERENCES
