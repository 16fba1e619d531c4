"""Facts about a build: the app's version, the Windows version resource's agreement with it, and the
fingerprint of everything that goes into a bundle (so build.sh can skip a build that is up to date).

    python build/buildinfo.py version              # 0.1.0
    python build/buildinfo.py check-version-info   # exit 1 (with the reason) if version_info.txt disagrees
    python build/buildinfo.py fingerprint MODE     # a SHA-256 over sources, spec, icons and the venv
"""

from __future__ import annotations

import ast
import hashlib
import os
import platform
import re
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
VERSION_INFO: Final = ROOT / "build" / "windows" / "version_info.txt"
CODESIGN_IDENTITY_ENV: Final = "SMTP_DOCTOR_CODESIGN_IDENTITY"  # macOS signing identity for the spec
# What goes into the bundle: a change to any of these means the dist folder is stale.
SOURCE_GLOBS: Final = (
    "core/**/*.py",
    "gui/**/*.py",
    "build/*.py",
    "build/*.spec",
    "build/rthooks/*.py",
    "build/windows/*",
    "resources/app.*",
    "pyproject.toml",
)


def app_version(root: Path = ROOT) -> str:
    """``core.__version__``, read from the source without importing the package."""
    text = (root / "core" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if found is None:
        raise SystemExit("core/__init__.py has no __version__")
    return found.group(1)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``"1.2.3"`` -> ``(1, 2, 3, 0)``; pre-release suffixes (``1.2.3rc1``) are cut off."""
    numbers: list[int] = []
    for part in version.split(".")[:4]:
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
    padded = [*numbers, 0, 0, 0, 0]
    return (padded[0], padded[1], padded[2], padded[3])


def _calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            yield node


def version_info_values(path: Path = VERSION_INFO) -> dict[str, object]:
    """The fixed and string versions of a PyInstaller version file (read with ``ast``, not ``eval``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), mode="eval")
    values: dict[str, object] = {}
    for call in _calls(tree, "FixedFileInfo"):
        for keyword in call.keywords:
            if keyword.arg in ("filevers", "prodvers"):
                values[keyword.arg] = ast.literal_eval(keyword.value)
    for call in _calls(tree, "StringStruct"):
        key, value = (ast.literal_eval(arg) for arg in call.args[:2])
        values[str(key)] = value
    return values


def version_info_problems(version: str, path: Path = VERSION_INFO) -> list[str]:
    """What in the Windows version resource disagrees with ``version`` (empty: all agrees)."""
    values = version_info_values(path)
    expected: dict[str, object] = {
        "filevers": version_tuple(version),
        "prodvers": version_tuple(version),
        "FileVersion": version,
        "ProductVersion": version,
    }
    return [
        f"{path.name}: {key} is {values.get(key)!r}, expected {want!r}"
        for key, want in expected.items()
        if values.get(key) != want
    ]


def _source_files(root: Path) -> list[Path]:
    files = {path for pattern in SOURCE_GLOBS for path in root.glob(pattern) if path.is_file()}
    return sorted(path for path in files if "__pycache__" not in path.parts)


def _installed_packages() -> list[str]:
    return sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions())


def fingerprint(mode: str, root: Path = ROOT) -> str:
    """SHA-256 over the mode, the signing identity, Python, installed packages and every input file."""
    digest = hashlib.sha256()
    identity = os.environ.get(CODESIGN_IDENTITY_ENV, "")
    for item in (mode, identity, sys.version, platform.platform(), *_installed_packages()):
        digest.update(item.encode("utf-8") + b"\0")
    for path in _source_files(root):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "version":
        print(app_version())
        return 0
    if command == "check-version-info":
        problems = version_info_problems(app_version())
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if command == "fingerprint" and len(argv) == 2:
        print(fingerprint(argv[1]))
        return 0
    print("usage: buildinfo.py version | check-version-info | fingerprint MODE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
