"""``python -m core`` runs the ``smtp-doctor`` command line."""

from core.cli.main import entry_point

entry_point()
