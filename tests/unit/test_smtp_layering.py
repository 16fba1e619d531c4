"""core/smtp is sans-I/O: it must not import sockets, TLS, clocks, threads or Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SMTP_PACKAGE = Path(__file__).resolve().parents[2] / "core" / "smtp"
FORBIDDEN = {"socket", "ssl", "time", "threading", "select", "asyncio", "selectors", "PySide6"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted(SMTP_PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_smtp_module_does_no_io(path: Path) -> None:
    assert not imported_roots(path) & FORBIDDEN


def test_the_check_sees_imports() -> None:
    sample = SMTP_PACKAGE.parent / "transport" / "socket_transport.py"
    assert {"socket", "ssl", "select"} <= imported_roots(sample)
