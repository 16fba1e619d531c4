"""Writing a file so that a crash or a kill leaves either the old or the new content, never half.

The data goes to a temporary file in the same directory, is flushed and fsync'ed, and then
``os.replace`` swaps it in (atomic on POSIX and on NTFS). The directory is fsync'ed afterwards on
POSIX so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

TEMP_SUFFIX = ".tmp"
# Windows refuses os.replace while another process (an indexer, an antivirus) has the target
# open; that passes within moments, so retry briefly before giving up.
_REPLACE_RETRIES = 5 if sys.platform == "win32" else 1
_REPLACE_PAUSE_S = 0.05


def temp_prefix(path: Path) -> str:
    return f".{path.name}."


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step. Raises ``OSError``; the old file is then intact."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    fsync_directory(directory)


def _replace(source: str, target: Path) -> None:
    for attempt in range(_REPLACE_RETRIES):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if attempt == _REPLACE_RETRIES - 1:
                raise
            time.sleep(_REPLACE_PAUSE_S)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX only; Windows has no directory handles)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temp_files(path: Path, older_than_s: float = 600.0) -> int:
    """Delete temporary files a killed save left behind; younger ones may belong to a running save."""
    removed = 0
    cutoff = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for candidate in path.parent.glob(temp_prefix(path) + "*" + TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                if candidate.stat().st_mtime < cutoff:
                    candidate.unlink()
                    removed += 1
    return removed
