"""The packaged app's entry point: the ``smtp-doctor`` command line (no arguments: the desktop app)."""

from gui.launcher import entry_point

entry_point()
