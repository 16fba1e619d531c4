"""The shape of the code base, enforced: core never imports Qt or gui, and core/smtp does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"
SMTP_PACKAGE = CORE / "smtp"
QT_PACKAGES = {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
# The sans-I/O conversation: no sockets, TLS, clocks, threads or Qt.
NO_IO = {"socket", "ssl", "time", "threading", "select", "asyncio", "selectors", *QT_PACKAGES}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_never_imports_qt() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    offenders = {str(p.relative_to(CORE)): sorted(_imported_roots(p) & QT_PACKAGES) for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_never_imports_gui() -> None:
    offenders = [str(p.relative_to(CORE)) for p in CORE.rglob("*.py") if "gui" in _imported_roots(p)]
    # The one allowed door: the `gui` command launches the desktop app (imported lazily, inside run()).
    assert set(offenders) <= {"cli/gui_cmd.py"}


def test_every_core_module_has_a_docstring() -> None:
    missing = [
        str(p.relative_to(CORE))
        for p in CORE.rglob("*.py")
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


@pytest.mark.parametrize("path", sorted(SMTP_PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_smtp_module_does_no_io(path: Path) -> None:
    assert not _imported_roots(path) & NO_IO


def test_the_check_sees_imports() -> None:
    sample = CORE / "transport" / "socket_transport.py"
    assert {"socket", "ssl", "select"} <= _imported_roots(sample)
