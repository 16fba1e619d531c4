"""``python -m gui [ARGS]`` is ``smtp-doctor [ARGS]``: no arguments open the desktop app."""

from gui.launcher import entry_point

entry_point()
