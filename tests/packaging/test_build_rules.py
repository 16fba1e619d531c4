"""The build's own rules, without building: what the spec trims, the version resource, the TLS
root fallback of the runtime hook, and the committed icon files."""

from __future__ import annotations

import importlib.util
import ssl
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

from core import __version__

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))
import buildinfo  # noqa: E402
import trim  # noqa: E402


def load_tls_hook() -> ModuleType:
    path = ROOT / "build" / "rthooks" / "tls_roots.py"
    spec = importlib.util.spec_from_file_location("tls_roots_hook", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not frozen: defines functions only, changes nothing
    return module


# --- trim ------------------------------------------------------------------------------------------

LINUX_PLUGINS = "PySide6/Qt/plugins"


@pytest.mark.parametrize(
    ("dest", "unused"),
    [
        (f"{LINUX_PLUGINS}/platforms/libqxcb.so", False),
        (f"{LINUX_PLUGINS}/platforms/libqoffscreen.so", False),
        (f"{LINUX_PLUGINS}/platforms/libqwayland.so", True),
        (f"{LINUX_PLUGINS}/platforms/libqeglfs.so", True),
        (f"{LINUX_PLUGINS}/platformthemes/libqgtk3.so", True),
        (f"{LINUX_PLUGINS}/imageformats/libqico.so", False),
        (f"{LINUX_PLUGINS}/imageformats/libqjpeg.so", True),
        (f"{LINUX_PLUGINS}/platforminputcontexts/libcomposeplatforminputcontextplugin.so", False),
        (f"{LINUX_PLUGINS}/tls/libqopensslbackend.so", True),
        (f"{LINUX_PLUGINS}/wayland-shell-integration/libxdg-shell.so", True),
        ("PySide6\\plugins\\platforms\\qwindows.dll", False),
        ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", False),
        ("PySide6\\plugins\\platforms\\qdirect2d.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", False),
        ("PySide6/Qt/lib/libQt6Gui.so.6", False),  # a library, not a plugin
        ("cryptography/hazmat/bindings/_rust.abi3.so", False),
    ],
)
def test_plugins_are_kept_or_dropped(dest: str, unused: bool) -> None:
    assert trim.is_unused_plugin(dest) is unused


@pytest.mark.parametrize(
    ("dest", "name"),
    [
        ("PySide6/Qt/lib/libQt6Network.so.6", "Network"),
        ("libQt6Gui.so.6", "Gui"),
        ("PySide6\\Qt6Svg.dll", "Svg"),
        ("PySide6/Qt/lib/QtOpenGL.framework/Versions/A/QtOpenGL", "OpenGL"),
        ("libpython3.11.so.1.0", None),
    ],
)
def test_qt_library_names(dest: str, name: str | None) -> None:
    assert trim.qt_library_name(dest) == name


def test_trim_binaries_drops_what_no_kept_binary_needs() -> None:
    binaries = [
        ("PySide6/QtGui.abi3.so", "/src/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", "/src/libQt6Network.so.6", "BINARY"),
        (f"{LINUX_PLUGINS}/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        (f"{LINUX_PLUGINS}/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
        ("libgtk-3.so.0", "/usr/lib/libgtk-3.so.0", "BINARY"),
        ("libxcb-cursor.so.0", "/usr/lib/libxcb-cursor.so.0", "BINARY"),
        ("libpython3.11.so.1.0", "/src/libpython3.11.so.1.0", "BINARY"),
    ]
    imports = {
        "/src/QtGui.abi3.so": ["/src/libQt6Gui.so.6"],
        "/src/libqxcb.so": ["/usr/lib/libxcb-cursor.so.0", "/src/libQt6Gui.so.6"],
        "/src/libqgtk3.so": ["/usr/lib/libgtk-3.so.0"],
    }
    kept = trim.trim_binaries(binaries, linux=True, imports_of=lambda src: imports.get(src, []))
    assert [dest for dest, _src, _kind in kept] == [
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        f"{LINUX_PLUGINS}/platforms/libqxcb.so",
        "libxcb-cursor.so.0",
        "libpython3.11.so.1.0",
    ]
    # Elsewhere only the explicit rules apply: nothing is judged by reachability.
    elsewhere = trim.trim_binaries(binaries, linux=False)
    assert ("libgtk-3.so.0", "/usr/lib/libgtk-3.so.0", "BINARY") in elsewhere
    assert trim.forbidden_libraries(elsewhere) == ["libgtk-3.so.0"]


def test_trim_datas_drops_translations() -> None:
    datas = [
        ("PySide6/Qt/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
        ("resources/app.png", "/src/app.png", "DATA"),
        ("certifi/cacert.pem", "/src/cacert.pem", "DATA"),
    ]
    assert [dest for dest, _src, _kind in trim.trim_datas(datas)] == [
        "resources/app.png",
        "certifi/cacert.pem",
    ]


# --- version resource ------------------------------------------------------------------------------


def test_windows_version_resource_matches_the_app_version() -> None:
    assert buildinfo.app_version() == __version__
    assert buildinfo.version_info_problems(__version__) == []
    values = buildinfo.version_info_values()
    assert values["OriginalFilename"] == "smtp-doctor.exe"


def test_version_mismatch_is_reported(tmp_path: Path) -> None:
    stale = tmp_path / "version_info.txt"
    stale.write_text(buildinfo.VERSION_INFO.read_text(encoding="utf-8").replace(__version__, "0.0.9"))
    problems = buildinfo.version_info_problems(__version__, stale)
    assert any("FileVersion" in problem for problem in problems)


@pytest.mark.parametrize(
    ("version", "expected"), [("0.1.0", (0, 1, 0, 0)), ("2.10", (2, 10, 0, 0)), ("1.2.3rc1", (1, 2, 3, 0))]
)
def test_version_tuple(version: str, expected: tuple[int, int, int, int]) -> None:
    assert buildinfo.version_tuple(version) == expected


def test_fingerprint_changes_with_the_mode_and_the_sources(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    source = tmp_path / "core" / "x.py"
    source.write_text("A = 1\n")
    first = buildinfo.fingerprint("onedir", tmp_path)
    assert first == buildinfo.fingerprint("onedir", tmp_path)
    assert first != buildinfo.fingerprint("onefile", tmp_path)
    source.write_text("A = 2\n")
    assert first != buildinfo.fingerprint("onedir", tmp_path)


# --- TLS roots runtime hook ------------------------------------------------------------------------

PATHS = ssl.DefaultVerifyPaths(
    "/build/ssl/cert.pem",
    "/build/ssl/certs",
    "SSL_CERT_FILE",
    "/build/ssl/cert.pem",
    "SSL_CERT_DIR",
    "/build/ssl/certs",
)


def test_tls_hook_leaves_a_working_openssl_alone() -> None:
    hook = load_tls_hook()
    works = "/build/ssl/cert.pem"
    chosen = hook.choose_ca_file(PATHS, {}, is_file=lambda p: p == works, has_entries=lambda p: False)
    assert chosen is None


def test_tls_hook_respects_the_users_choice() -> None:
    hook = load_tls_hook()
    users = {"SSL_CERT_DIR": "/mine"}
    chosen = hook.choose_ca_file(PATHS, users, is_file=lambda p: False, has_entries=lambda p: False)
    assert chosen is None


def test_tls_hook_uses_the_systems_bundle_on_another_distribution() -> None:
    hook = load_tls_hook()
    fedora = "/etc/pki/tls/certs/ca-bundle.crt"
    chosen = hook.choose_ca_file(PATHS, {}, is_file=lambda p: p == fedora, has_entries=lambda p: False)
    assert chosen == fedora


def test_tls_hook_falls_back_to_certifi() -> None:
    hook = load_tls_hook()
    chosen = hook.choose_ca_file(PATHS, {}, is_file=lambda p: False, has_entries=lambda p: False)
    import certifi

    assert chosen == certifi.where()


# --- icons -----------------------------------------------------------------------------------------


def test_png_icon_is_256_pixels() -> None:
    data = (ROOT / "resources" / "app.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (256, 256)


def test_ico_holds_every_windows_size() -> None:
    data = (ROOT / "resources" / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, _h, _c, _r, _planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        assert bits == 32
        assert offset + length <= len(data)
        sizes.append(width or 256)
    assert {16, 24, 32, 48, 256} <= set(sizes)


def test_icns_entries_are_pngs_and_lengths_add_up() -> None:
    data = (ROOT / "resources" / "app.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    position, codes = 8, []
    while position < len(data):
        code, length = (
            data[position : position + 4],
            struct.unpack(">I", data[position + 4 : position + 8])[0],
        )
        assert data[position + 8 : position + 16] == b"\x89PNG\r\n\x1a\n"
        codes.append(code)
        position += length
    assert position == len(data)
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= set(codes)
