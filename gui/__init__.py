"""SMTP Doctor's desktop app (PySide6): renders core results and dispatches work off the GUI thread.

Widgets hold no protocol logic. ``gui.app`` is the composition root, ``gui.controller`` runs probes
on a thread pool, ``gui.presenter`` turns core values into display text without Qt.
"""
