"""The program's entry point: the ``smtp-doctor`` command line with the desktop part plugged in.

``core`` never imports ``gui``, so the command line learns about the desktop app from here: the
console script and the packaged app start ``entry_point``, which hands ``core.cli.main`` a
``QtDesktop``. Nothing in this module imports Qt at load time; each method imports what it needs
when a command really uses it, so ``smtp-doctor probe`` stays as fast and Qt-free as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from core.cli.main import entry_point as cli_entry_point
from core.cli.main import main as cli_main

if TYPE_CHECKING:
    from core.report.save import PdfWriter
    from core.selftest import Check


class QtDesktop:
    """``core.cli.desktop.Desktop``, backed by this package (Qt loads on first use)."""

    def open_app(self, demo: bool) -> int:
        from gui.app import main

        return main([], demo=demo)

    def pdf_writer(self) -> PdfWriter:
        from gui.report_pdf import html_to_pdf

        return html_to_pdf

    def self_test_checks(self, screenshot: Path | None) -> Sequence[tuple[str, Check]]:
        from gui.selftest import checks

        return checks(screenshot)

    def startup_probe(self) -> int:
        from gui.selftest import startup_probe

        return startup_probe()


def main(argv: Sequence[str] | None = None) -> int:
    """``smtp-doctor ARGS``: the command line, able to open the desktop app."""
    return cli_main(argv, desktop=QtDesktop())


def entry_point() -> NoReturn:
    cli_entry_point(desktop=QtDesktop())
