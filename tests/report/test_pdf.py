"""PDF reports via Qt: real pages that poppler can rasterise, with the report's words in them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import core.report.json_report as json_report
from core.report.save import save_report
from gui.report_pdf import html_to_pdf
from tests.report.golden import check_golden, pdf_text
from tests.report.samples import all_samples, environment_for

# The app's QApplication, made first whatever order the tests run in (Qt allows one per process).
pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("qapp")]


def _pdf(tmp_path: Path) -> Path:
    sample = all_samples()[1]
    return save_report(
        tmp_path / "report.pdf",
        sample.result,
        sample.findings,
        secrets=sample.credentials,
        environment=environment_for(sample),
        load_pdf_writer=lambda: html_to_pdf,
    )


def test_pdf_pages_rasterise(tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    pdf = _pdf(tmp_path)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 2 <= len(pages) <= 8  # A4 pages, laid out (not one endless page, not empty)
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 5000 for p in pages)


def test_pdf_text_matches_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_report, "__version__", "0.1.0")
    text = pdf_text(_pdf(tmp_path))
    assert text.startswith("SMTP Doctor report PROBLEM FOUND: SMTP AUTH is switched off")
    # pdftotext reads the transcript table column by column: the texts follow one another.
    assert "AUTH LOGIN c2Nhbm5lckBjb250b3NvLmNvbQ== 334 UGFzc3dvcmQ6 *** 535 5.7.139" in text
    check_golden("m365-535-5.7.139.pdf.txt", text + "\n")


def test_pdf_metadata_title(tmp_path: Path) -> None:
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdfinfo) is not installed")
    info = subprocess.run(["pdfinfo", str(_pdf(tmp_path))], capture_output=True, text=True, check=True, timeout=30)
    assert "SMTP Doctor report: smtp.office365.com:587" in info.stdout
    assert "Page size:" in info.stdout
    assert "A4" in info.stdout
