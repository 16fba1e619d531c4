"""SMTP Doctor's desktop app (PySide6): renders core results and dispatches work off the GUI thread.

Widgets hold no protocol logic. ``gui.app`` is the composition root, ``gui.controller`` runs probes
on a thread pool, ``gui.presenter`` turns core values into display text without Qt.
"""

from gui.refcount_guard import make_singletons_immortal

# Before any Qt call: PySide6 6.12 leaks references to None/True/False on Python 3.11.
make_singletons_immortal()
