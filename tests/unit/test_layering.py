"""The shape of the code base beyond what import-linter checks (its contracts are in pyproject.toml
and run by ``build/dev.sh test``): modules imported by name stay inside their layer, every module
says what it is for, and the contracts themselves hold."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
UPWARD = ("gui", "PySide6", "shiboken6")


def _string_imports(path: Path) -> list[str]:
    """Literal module names given to importlib.import_module / __import__ in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append(node.args[0].value)
    return found


def _command_modules() -> list[str]:
    from core.cli.main import COMMANDS

    return [module for module, _help in COMMANDS.values()]


def test_core_never_loads_gui_or_qt_by_name() -> None:
    # import-linter cannot see a module name held in a string; no core module may name an upper layer.
    names = [name for path in CORE.rglob("*.py") for name in _string_imports(path)]
    names += _command_modules()
    assert [n for n in names if n.split(".")[0] in UPWARD] == []
    assert all(module.startswith("core.cli.") for module in _command_modules())


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(p.relative_to(ROOT))
        for package in ("core", "gui")
        for p in (ROOT / package).rglob("*.py")
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def test_import_linter_contracts_hold() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout
