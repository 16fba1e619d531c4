"""The one-folder PyInstaller build: it is trimmed as promised and its --self-test passes headless.

Slow (marked): runs ``bash build/build.sh onedir``, which rebuilds only when the sources, spec,
icons or installed packages changed since the last build (about 25 s when it does).
The packaged app then runs with no display and no QT_QPA_PLATFORM (it must pick the offscreen
platform itself instead of aborting), without the CA variables the CI machine sets (as on a
user's machine), and with a private TMPDIR that must be empty afterwards.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
ONEDIR = ROOT / "dist" / "smtp-doctor"
APP = ONEDIR / ("smtp-doctor.exe" if sys.platform == "win32" else "smtp-doctor")
CHECKS = ("modules", "keyring", "certificates", "probe", "assets", "window")
ONEDIR_LIMIT_MB = 140.0
HEADLESS_DROP = ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "SSL_CERT_FILE", "SSL_CERT_DIR")

sys.path.insert(0, str(ROOT / "build"))
import trim  # noqa: E402


@pytest.fixture(scope="module")
def onedir_app() -> Path:
    if shutil.which("bash") is None:
        pytest.skip("build/build.sh needs bash")
    env = dict(os.environ, PYTHON=sys.executable)
    build = subprocess.run(
        ["bash", "build/build.sh", "onedir"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=540
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert APP.is_file()
    return APP


def headless_env(tmp: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in HEADLESS_DROP}
    env["TMPDIR"] = str(tmp)
    return env


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_packaged_self_test_passes_without_a_display(onedir_app: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    shot = tmp_path / "window.png"
    run = subprocess.run(
        [str(onedir_app), "--self-test", "--screenshot", str(shot)],
        env=headless_env(scratch),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("SMTP Doctor ")
    assert "(packaged," in lines[0]
    for name in CHECKS:
        passing = [line for line in lines if line.startswith(f"[  ok] {name}: ")]
        assert passing, f"no passing {name} line in {lines}"
    assert lines[-1].startswith(f"self-test passed: {len(CHECKS)} checks")
    window = next(line for line in lines if line.startswith("[  ok] window: "))
    assert "'offscreen'" in window
    assert "passed through the window" in window
    assert "tenant-disabled -> smtp_auth_disabled_tenant" in run.stdout
    assert png_size(shot) == (1280, 860)
    assert list(scratch.iterdir()) == [], "the packaged app left files in TMPDIR"


def test_packaged_self_test_rejects_a_bad_screenshot_path(onedir_app: Path, tmp_path: Path) -> None:
    run = subprocess.run(
        [str(onedir_app), "--self-test", "--screenshot", str(tmp_path / "missing" / "x.png")],
        env=headless_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "does not exist" in run.stderr
    assert "Traceback" not in run.stderr


def test_onedir_bundle_is_trimmed(onedir_app: Path) -> None:
    files = [path for path in ONEDIR.rglob("*") if path.is_file() and not path.is_symlink()]
    size_mb = sum(path.stat().st_size for path in files) / 1e6
    assert size_mb <= ONEDIR_LIMIT_MB
    relative = [path.relative_to(ONEDIR).as_posix() for path in files]
    assert not [name for name in relative if "/translations/" in name]
    assert not trim.forbidden_libraries([(name, name, "BINARY") for name in relative])
    plugins = {found for name in relative if (found := trim.plugin_of(name)) is not None}
    assert plugins, "no Qt plugins were bundled"
    unused = [found for found in plugins if trim.is_unused_plugin("PySide6/plugins/{}/{}".format(*found))]
    assert not unused
    if sys.platform.startswith("linux"):
        assert {"qxcb", "qoffscreen"} <= {name for folder, name in plugins if folder == "platforms"}
