"""Golden-file helpers: compare a rendering with tests/golden/, or rewrite it with UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


def check_golden(name: str, actual: str) -> None:
    """Assert ``actual`` equals the golden file ``name``; with UPDATE_GOLDEN=1, write it instead."""
    path = GOLDEN / name
    if updating():
        path.write_text(actual, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing: run the tests once with UPDATE_GOLDEN=1 and review it")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it; review the diff)"


def pdf_text(pdf: Path) -> str:
    """The words of a PDF as poppler's pdftotext reads them, one space apart (layout-independent)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, timeout=30
    ).stdout.decode("utf-8")
    # NFKC undoes the ligatures Qt's text shaping writes (ﬀ, ﬃ), so words compare as typed.
    return " ".join(re.split(r"\s+", unicodedata.normalize("NFKC", out))).strip()
