"""Saving reports: the format follows the file name's extension, and the write is all or nothing.

``save_report`` is what the CLI's ``--report FILE`` and the GUI's "Save report…" call. A report
is written to a temporary file in the target folder and moved over the target only when complete,
so a full disk or a failing device never leaves half a report behind. Every problem becomes a
``ReportError`` with a one-line message (no traceback for the user).

PDF needs Qt, which ``core`` never imports: the front end hands in ``load_pdf_writer``, a function
that loads the desktop part's HTML-to-PDF writer (``gui.report_pdf``) and is called only when a PDF
is asked for, so the CLI's other formats never load Qt.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from core.diagnosis.finding import Finding
from core.errors import SmtpDoctorError
from core.probe.result import ProbeResult
from core.report.environment import Environment
from core.report.html import render_html
from core.report.json_document import render_json
from core.report.prepared import PreparedReport, SecretsArg, prepare
from core.report.text import render_text, render_ticket_summary

PdfWriter = Callable[[str, str], bytes]  # (html, title) -> PDF bytes
PdfWriterLoader = Callable[[], PdfWriter]  # loads the writer (and Qt) when a PDF is asked for


# extension -> format name
FORMATS: Final[dict[str, str]] = {".html": "html", ".htm": "html", ".json": "json", ".txt": "text", ".pdf": "pdf"}

# For a Qt file dialog: "HTML report (*.html *.htm);;PDF (*.pdf);;..."
FILE_DIALOG_FILTER: Final = ";;".join(
    [
        "HTML report (*.html *.htm)",
        "PDF report (*.pdf)",
        "Text for a ticket (*.txt)",
        "JSON for scripts (*.json)",
    ]
)


class ReportError(SmtpDoctorError):
    """A report could not be made or written; ``str()`` is a one-line message for people."""


def report_format(path: str | os.PathLike[str]) -> str:
    """The format for ``path``'s extension: ``html``, ``json``, ``text`` or ``pdf``."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        shown = f'"{suffix}"' if suffix else "no extension"
        raise ReportError(f"Cannot tell the report format from {shown} in {os.fspath(path)}: use one of {known}")
    return FORMATS[suffix]


def render_report(
    fmt: str,
    result: ProbeResult,
    findings: Sequence[Finding],
    *,
    secrets: SecretsArg = (),
    environment: Environment | None = None,
    load_pdf_writer: PdfWriterLoader | None = None,
) -> bytes:
    """The report in format ``fmt`` (a value of ``FORMATS``) as bytes, ready to write."""
    if fmt not in FORMATS.values():
        raise ReportError(f"Unknown report format {fmt!r}")
    # Qt is loaded before the environment is collected, so a PDF names the Qt version that made it.
    html_to_pdf = _pdf_writer(load_pdf_writer) if fmt == "pdf" else None
    report = prepare(result, findings, secrets=secrets, environment=environment)
    if html_to_pdf is not None:
        return _pdf_bytes(report, html_to_pdf)
    renderers: dict[str, Callable[[PreparedReport], str]] = {
        "html": render_html,
        "json": render_json,
        "text": render_text,
    }
    return renderers[fmt](report).encode("utf-8")


def save_report(
    path: str | os.PathLike[str],
    result: ProbeResult,
    findings: Sequence[Finding],
    *,
    secrets: SecretsArg = (),
    environment: Environment | None = None,
    load_pdf_writer: PdfWriterLoader | None = None,
) -> Path:
    """Write the report to ``path`` in the format its extension names; returns the absolute path.

    Raises ``ReportError`` for an unknown extension, a missing folder, or any write failure
    (permission, read-only file system, full disk); nothing is left at ``path`` then.
    """
    target = Path(path).expanduser()
    fmt = report_format(target)
    _check_folder(target)
    data = render_report(
        fmt, result, findings, secrets=secrets, environment=environment, load_pdf_writer=load_pdf_writer
    )
    write_atomically(target, data)
    return target.absolute()


def ticket_summary(
    result: ProbeResult,
    findings: Sequence[Finding],
    *,
    secrets: SecretsArg = (),
    environment: Environment | None = None,
) -> str:
    """The short text for "Copy summary for ticket" (redacted like every report)."""
    return render_ticket_summary(prepare(result, findings, secrets=secrets, environment=environment))


def containing_folder(path: str | os.PathLike[str]) -> Path:
    """The folder that holds a saved report (for "Open containing folder")."""
    return Path(path).expanduser().absolute().parent


def suggested_filename(result: ProbeResult, extension: str = ".html") -> str:
    """A file name for the save dialog: ``smtp-doctor-smtp.example.com-587-20251122-180512.html``."""
    host = re.sub(r"[^A-Za-z0-9.\-]+", "_", result.plan.host).strip("._") or "server"
    when = result.started_at.strftime("%Y%m%d-%H%M%S")
    ext = extension if extension.startswith(".") else f".{extension}"
    return f"smtp-doctor-{host}-{result.plan.port}-{when}{ext}"


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target`` and move it into place."""
    handle, temp_name = _make_temp(target)
    try:
        os.chmod(temp_name, _file_mode(target))  # mkstemp makes 0600; a report is an ordinary file
        with os.fdopen(handle, "wb") as stream:
            _write_all(stream.fileno(), data)
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise ReportError(f"Cannot write the report to {target}: {_reason(exc)}") from None


def _file_mode(target: Path) -> int:
    """The mode a new file would get (or the mode of the file being replaced)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)  # reading the umask means setting it; put it straight back
        os.umask(umask)
        return 0o666 & ~umask


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _make_temp(target: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ReportError(f"Cannot write the report to {target}: {_reason(exc)}") from None


def _check_folder(target: Path) -> None:
    folder = target.parent
    if not folder.exists():
        raise ReportError(f"Cannot write the report to {target}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ReportError(f"Cannot write the report to {target}: {folder} is not a folder")
    if target.is_dir():
        raise ReportError(f"Cannot write the report to {target}: that is a folder, not a file name")


def _reason(exc: OSError) -> str:
    """The OS's own words (``No space left on device``), without Python's decoration."""
    return exc.strerror or str(exc) or type(exc).__name__


def _pdf_writer(load: PdfWriterLoader | None) -> PdfWriter:
    if load is None:
        raise ReportError("PDF reports need the desktop part (Qt), which this command cannot use")
    try:
        return load()
    except ImportError as exc:
        raise ReportError(f"PDF reports need the desktop part (Qt), which cannot be loaded: {exc}") from None


def _pdf_bytes(report: PreparedReport, html_to_pdf: PdfWriter) -> bytes:
    title = f"SMTP Doctor report: {report.result.plan.host}:{report.result.plan.port}"
    try:
        return html_to_pdf(render_html(report), title)
    except RuntimeError as exc:
        raise ReportError(f"Cannot make the PDF: {exc}") from None
