"""What the command line needs from the desktop part, handed in by the program's entry point.

``core`` never imports Qt or ``gui``. The ``smtp-doctor`` entry point (``gui.launcher``) plugs a
``Desktop`` into ``core.cli.main.main``: the app itself for ``smtp-doctor gui``, Qt's PDF writer for
``--report FILE.pdf``, and the window checks of ``--self-test``. Each is loaded only when used, so
the headless commands stay Qt-free. ``python -m core`` runs without one: those commands then say
that the desktop part is not available.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from core.report.save import PdfWriter, PdfWriterLoader
from core.selftest import Check


class Desktop(Protocol):
    """The desktop part, as the command line uses it (every method loads Qt on first use)."""

    def open_app(self, demo: bool) -> int:
        """Run the desktop app until its window closes; the exit status."""

    def pdf_writer(self) -> PdfWriter:
        """Qt's HTML-to-PDF writer (raises ImportError when Qt cannot load)."""

    def self_test_checks(self, screenshot: Path | None) -> Sequence[tuple[str, Check]]:
        """The window part of ``--self-test``."""

    def startup_probe(self) -> int:
        """Open the app, print when its first window shows, quit (``--startup-probe``)."""


DESKTOP_ATTRIBUTE = "desktop"  # where core.cli.main leaves the Desktop on the parsed arguments


def desktop_of(args: argparse.Namespace) -> Desktop | None:
    desktop: Desktop | None = getattr(args, DESKTOP_ATTRIBUTE, None)
    return desktop


def pdf_writer_loader(args: argparse.Namespace) -> PdfWriterLoader | None:
    """The loader of Qt's PDF writer for ``--report FILE.pdf``, None without the desktop part."""
    desktop = desktop_of(args)
    return desktop.pdf_writer if desktop is not None else None
