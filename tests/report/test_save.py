"""save_report: the format follows the extension, failures are one clear message, nothing half-written."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core.report.save import (
    FILE_DIALOG_FILTER,
    PdfWriter,
    ReportError,
    containing_folder,
    report_format,
    save_report,
    suggested_filename,
    ticket_summary,
)
from tests.report.samples import FIXED_ENVIRONMENT, all_samples

SAMPLE = all_samples()[1]
ROOT = Path(__file__).resolve().parents[2]


def _load_pdf_writer() -> PdfWriter:
    from gui.report_pdf import html_to_pdf  # Qt only when a PDF is made

    return html_to_pdf


def _save(path: Path) -> Path:
    return save_report(
        path,
        SAMPLE.result,
        SAMPLE.findings,
        secrets=SAMPLE.credentials,
        environment=FIXED_ENVIRONMENT,
        load_pdf_writer=_load_pdf_writer,
    )


@pytest.mark.parametrize(
    ("name", "starts"),
    [("r.html", b"<!DOCTYPE html>"), ("R.HTM", b"<!DOCTYPE html>"), ("r.json", b"{"), ("r.txt", b"SMTP Doctor report")],
)
def test_format_follows_the_extension(tmp_path: Path, name: str, starts: bytes) -> None:
    written = _save(tmp_path / name)
    assert written == (tmp_path / name).absolute()
    assert written.read_bytes().startswith(starts)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp file left


@pytest.mark.gui
@pytest.mark.usefixtures("qapp")
def test_pdf_is_a_pdf(tmp_path: Path) -> None:
    data = _save(tmp_path / "r.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_json_file_is_the_cli_schema(tmp_path: Path) -> None:
    data = json.loads(_save(tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    assert data["failure"]["reply"]["enhanced"] == "5.7.139"


@pytest.mark.parametrize("name", ["report.docx", "report", "report.html.bak"])
def test_unknown_extension_is_a_clear_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(ReportError, match=r"Cannot tell the report format .* use one of \.htm, \.html"):
        _save(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        _save(tmp_path / "nope" / "r.html")


def test_target_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "r.html").mkdir()
    with pytest.raises(ReportError, match="that is a folder"):
        _save(tmp_path / "r.html")


def test_disk_full_leaves_no_partial_file_and_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.txt"
    target.write_text("the previous report", encoding="utf-8")
    real_write = os.write

    def write_half_then_fail(fd: int, data: memoryview) -> int:
        if len(data) > 100:
            return real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write_half_then_fail)
    with pytest.raises(ReportError) as caught:
        _save(target)
    assert str(caught.value) == f"Cannot write the report to {target}: No space left on device"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]
    assert target.read_text(encoding="utf-8") == "the previous report"


def test_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)  # a real read-only folder (root ignores the mode, so simulate below)
    else:

        def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        with pytest.raises(ReportError, match=r"Cannot write the report to .*r\.html: (Read-only|Permission)"):
            _save(folder / "r.html")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        mode = _save(tmp_path / "r.txt").stat().st_mode & 0o777
    finally:
        os.umask(umask)
    assert mode == 0o644


def test_ticket_summary_names_cause_fix_and_reply() -> None:
    summary = ticket_summary(SAMPLE.result, SAMPLE.findings, secrets=SAMPLE.credentials, environment=FIXED_ENVIRONMENT)
    assert "PROBLEM FOUND" in summary
    assert "Cause [smtp_auth_disabled_tenant]" in summary
    assert "Server said: 535 5.7.139" in summary
    assert "> Set-CASMailbox -Identity scanner@contoso.com" in summary
    assert len(summary.splitlines()) < 15


def test_dialog_helpers(tmp_path: Path) -> None:
    assert suggested_filename(SAMPLE.result, "pdf") == "smtp-doctor-smtp.office365.com-587-20251122-180512.pdf"
    assert containing_folder(tmp_path / "x" / "r.html") == (tmp_path / "x").absolute()
    for ext in (".html", ".htm", ".pdf", ".txt", ".json"):
        assert f"*{ext}" in FILE_DIALOG_FILTER
        assert report_format(f"a{ext}") in {"html", "pdf", "text", "json"}


def test_non_pdf_reports_do_not_load_qt(tmp_path: Path) -> None:
    """The CLI's --report path: saving HTML, JSON and text must not import PySide6."""
    code = (
        "import sys\n"
        "from core.report.save import save_report\n"
        "from tests.report.samples import all_samples\n"
        "s = all_samples()[0]\n"
        f"for ext in ('html', 'json', 'txt'):\n"
        f"    save_report({str(tmp_path)!r} + '/r.' + ext, s.result, s.findings, secrets=s.credentials)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'gui'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
    assert len(list(tmp_path.iterdir())) == 3
