"""What the spec removes from PyInstaller's Analysis: unused Qt plugins, translations and libraries.

PyInstaller's PySide6 hooks collect every plugin of QtGui/QtWidgets (platform themes, Wayland,
EGLFS, SVG, TLS, ...) and then every library those plugins need. SMTP Doctor uses QtCore, QtGui and
QtWidgets only, so most of that is dead weight; worse, the GTK 3 platform-theme plugin drags the
whole GTK stack (GTK, GDK, cairo, pango, ...) into the bundle *when GTK happens to be installed on
the build machine*, so the bundle's content would depend on apt's state. The spec therefore:

1. keeps only the plugins in ``KEEP_PLUGINS`` (the native platform, offscreen, ICO images, input
   methods for dead keys and IBus, widget styles);
2. drops Qt's translations (the app has no translations, so Qt's own would never be loaded);
3. drops Qt libraries nothing kept uses (``UNUSED_QT_LIBRARIES``), and on Linux every library
   that no kept extension module, plugin or libpython reaches (``ldd`` closure), which removes
   the GTK stack and its friends whatever the build machine has installed;
4. refuses to finish when a GTK library is still in the bundle (``forbidden_libraries``).

The functions work on PyInstaller's TOC entries, ``(dest_name, src_name, typecode)`` tuples, and
have no PyInstaller import at module level, so tests can call them with hand-made entries.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Final

TocEntry = tuple[str, str, str]

# plugin folder -> plugin names to keep (None: keep all). Names are file stems without "lib".
KEEP_PLUGINS: Final[dict[str, frozenset[str] | None]] = {
    "platforms": frozenset({"qxcb", "qoffscreen", "qwindows", "qcocoa"}),
    "imageformats": frozenset({"qico"}),
    # Dead keys (compose) and IBus (the default input method framework on GNOME) for typing logins.
    "platforminputcontexts": frozenset(
        {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"},
    ),
    "styles": None,  # qmodernwindowsstyle on Windows, qmacstyle on macOS: the native look
}

# Qt libraries the app never loads once the plugins above are gone (Qt6Foo / libQt6Foo / QtFoo.framework).
UNUSED_QT_LIBRARIES: Final = frozenset(
    {
        "Network",
        "Svg",
        "OpenGL",
        "Pdf",
        "WaylandClient",
        "WaylandEglClientHwIntegration",
        "WlShellIntegration",
        "EglFSDeviceIntegration",
        "EglFsKmsSupport",
        "EglFsKmsGbmSupport",
    }
)
# Loaded by Qt only for software OpenGL, which a Widgets app without OpenGL widgets never asks for.
UNUSED_FILES: Final = frozenset({"opengl32sw.dll"})

FORBIDDEN_LIBRARY: Final = re.compile(r"^lib(gtk|gdk)-3\.so")

_QT_LIBRARY: Final = re.compile(r"^(?:lib)?Qt6(?P<name>\w+?)(?:\.so(?:\.\d+)*|\.dll|\.\d+\.dylib|\.dylib)$")
_QT_FRAMEWORK: Final = re.compile(r"^Qt(?P<name>\w+)\.framework$")
_PLUGIN_SUFFIX: Final = re.compile(r"\.(so|dll|dylib)$")


def _parts(dest: str) -> tuple[str, ...]:
    return PureWindowsPath(dest).parts if "\\" in dest else PurePosixPath(dest).parts


def plugin_of(dest: str) -> tuple[str, str] | None:
    """``(folder, name)`` when ``dest`` is a Qt plugin file, e.g. ``("platforms", "qxcb")``."""
    parts = _parts(dest)
    if "PySide6" not in parts:
        return None
    for index, part in enumerate(parts[:-2]):
        if part == "plugins":
            stem = _PLUGIN_SUFFIX.sub("", parts[-1])
            return parts[index + 1], stem.removeprefix("lib")
    return None


def is_unused_plugin(dest: str) -> bool:
    found = plugin_of(dest)
    if found is None:
        return False
    folder, name = found
    if folder not in KEEP_PLUGINS:
        return True
    keep = KEEP_PLUGINS[folder]
    return keep is not None and name not in keep


def is_translation(dest: str) -> bool:
    parts = _parts(dest)
    return "PySide6" in parts and "translations" in parts


def qt_library_name(dest: str) -> str | None:
    """``"Network"`` for ``libQt6Network.so.6``, ``Qt6Network.dll`` or ``QtNetwork.framework/...``."""
    parts = _parts(dest)
    for part in parts:
        framework = _QT_FRAMEWORK.match(part)
        if framework:
            return framework.group("name")
    library = _QT_LIBRARY.match(parts[-1]) if parts else None
    return library.group("name") if library else None


def is_unused_library(dest: str) -> bool:
    name = qt_library_name(dest)
    return (name is not None and name in UNUSED_QT_LIBRARIES) or _parts(dest)[-1].lower() in UNUSED_FILES


def trim_datas(datas: Iterable[TocEntry]) -> list[TocEntry]:
    """Data files without Qt's translations and without files of removed plugins or libraries."""
    return [
        entry
        for entry in datas
        if not (is_translation(entry[0]) or is_unused_plugin(entry[0]) or is_unused_library(entry[0]))
    ]


def trim_binaries(
    binaries: Iterable[TocEntry], *, linux: bool, imports_of: Callable[[str], Iterable[str]] | None = None
) -> list[TocEntry]:
    """Binaries without unused plugins and Qt libraries; on Linux also without unreachable libraries.

    ``imports_of(src)`` returns the file names a binary needs (on Linux, ``ldd`` lists the whole
    closure); PyInstaller's ``bindepend.get_imports`` is used when it is not given.
    """
    kept = [entry for entry in binaries if not (is_unused_plugin(entry[0]) or is_unused_library(entry[0]))]
    if not linux:
        return kept
    lookup = imports_of or _pyinstaller_imports
    needed: set[str] = set()
    for dest, src, typecode in kept:
        if _is_root(dest, typecode):
            needed.update(PurePosixPath(name).name for name in lookup(src))
    return [entry for entry in kept if _is_root(entry[0], entry[2]) or PurePosixPath(entry[0]).name in needed]


def _is_root(dest: str, typecode: str) -> bool:
    """Extension modules, Qt plugins and libpython are wanted for themselves, not as dependencies."""
    name = PurePosixPath(dest).name
    return typecode == "EXTENSION" or plugin_of(dest) is not None or name.startswith("libpython")


def _pyinstaller_imports(src: str) -> list[str]:
    from PyInstaller.depend import bindepend

    return [path or name for name, path in bindepend.get_imports(src)]


def forbidden_libraries(binaries: Iterable[TocEntry]) -> list[str]:
    """GTK libraries left in the bundle (must be none; see the module docstring)."""
    return [dest for dest, _src, _kind in binaries if FORBIDDEN_LIBRARY.match(PurePosixPath(dest).name)]


def megabytes(entries: Iterable[TocEntry]) -> float:
    """Total size of the entries' source files, in MB (for the build log)."""
    return sum(os.path.getsize(src) for _dest, src, _kind in entries if os.path.isfile(src)) / 1e6
