"""``python -m core`` runs the ``smtp-doctor`` command line without the desktop part (headless commands)."""

from core.cli.main import entry_point

entry_point()
