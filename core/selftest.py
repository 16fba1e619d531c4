"""``smtp-doctor --self-test``: proof that this copy of SMTP Doctor has everything it needs to work.

Made for the packaged app (PyInstaller leaves out what it cannot see), it works the same from
source. Each check prints one line; the exit status is 0 when all pass, 1 otherwise (with the
reason on the failing line), 2 for bad usage.

- ``modules``: every module of ``core`` imports, and so do the libraries the app loads lazily or by
  name (msal, requests, dnspython's record types, trustme, aiosmtpd, platformdirs): the things a
  packager most often misses.
- ``keyring``: the platform's keyring backend is bundled and registered in keyring's entry points
  (keyring finds backends only through them). Whether a keyring *works in this session* is
  reported, not judged: a headless build machine has none, and the app then keeps secrets for
  the session only, by design.
- ``certificates``: Python's default TLS context has trusted root certificates (the engine checks
  real servers against them) and certifi's bundle (used for sign-in requests) is there.
- ``probe``: the practice server starts on 127.0.0.1, the real engine probes a working and a
  failing scenario, and the diagnosis names the cause each scenario expects.
- ``assets`` and ``window`` (``gui.selftest``, Qt, handed in by the entry point as
  ``window_checks``): the bundled icon, drawn icons, Qt plugins, fonts and PDF output; then the main
  window opens in practice mode, runs a practice test and shows the result. ``--screenshot FILE.png``
  saves what the window shows.

Without a display on Linux the window part uses Qt's offscreen platform instead of aborting.
Nothing is left behind: the practice server deletes its CA folder, the window's settings go to a
temporary file, nothing is written to the keyring.

The flags (``--self-test [--screenshot FILE.png]``, ``--startup-probe``) are read by
``core.cli.selftest_cmd``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from core import __version__

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

# Imported by name or only inside functions, so a packager's analysis may not see them.
LAZY_LIBRARIES: Final = (
    "msal",
    "requests",
    "certifi",
    "jwt",
    "dns.resolver",
    "trustme",
    "aiosmtpd.controller",
    "cryptography.x509",
    "platformdirs",
)
# The keyring backend module each platform needs, and what that backend itself imports.
NATIVE_KEYRING: Final = {
    "linux": ("keyring.backends.SecretService", ("secretstorage", "jeepney")),
    "darwin": ("keyring.backends.macOS", ()),
    "win32": ("keyring.backends.Windows", ("win32ctypes",)),
}
# One scenario that must pass and one whose diagnosis must name its cause.
PROBE_SCENARIOS: Final = ("works-starttls", "tenant-disabled")


class CheckFailed(Exception):
    """A check's reason for failing, one line for people."""


Check = Callable[[], str]  # returns the detail line; raises CheckFailed (or anything) on failure
# Loads the desktop part's checks (Qt); handed in by the entry point, core never imports gui.
WindowChecks = Callable[[], Sequence[tuple[str, Check]]]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float

    def line(self) -> str:
        mark = "ok" if self.ok else "FAIL"
        return f"[{mark:>4}] {self.name}: {self.detail}"


def run_check(name: str, check: Check) -> CheckResult:
    """Run one check; an unexpected exception is a failure with its type and message, never a traceback."""
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except CheckFailed as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # noqa: BLE001 - the report must say what broke, whatever it was
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return CheckResult(name, ok, detail, time.perf_counter() - started)


# --- modules ---------------------------------------------------------------------------------------


def package_modules(package: str) -> list[str]:
    """Every module of ``package`` (subpackages included, ``__main__`` modules excluded)."""
    root = importlib.import_module(package)
    found = [info.name for info in pkgutil.walk_packages(root.__path__, f"{package}.")]
    return sorted(name for name in found if not name.endswith(".__main__"))


def import_all(names: Sequence[str]) -> None:
    """Import each module; CheckFailed names every one that fails."""
    broken = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - ImportError, or a module failing at import time
            broken.append(f"{name} ({type(exc).__name__}: {exc})")
    if broken:
        raise CheckFailed(f"{len(broken)} module(s) do not import: " + "; ".join(broken))


def check_modules() -> str:
    modules = package_modules("core")
    import_all([*modules, *LAZY_LIBRARIES])
    import dns.rdata

    # dnspython imports each record type's module by name on first use.
    record = dns.rdata.from_text("IN", "MX", "10 mx.example.test.")
    if record.to_text() != "10 mx.example.test.":
        raise CheckFailed(f"dnspython read an MX record wrongly: {record.to_text()!r}")
    return f"{len(modules)} app modules and {len(LAZY_LIBRARIES)} lazily loaded libraries import"


# --- keyring ---------------------------------------------------------------------------------------


def native_keyring(platform: str = sys.platform) -> tuple[str, tuple[str, ...]]:
    """The backend module this platform needs and its own dependencies (Linux for other Unixes)."""
    return NATIVE_KEYRING.get(platform, NATIVE_KEYRING["linux"])


def check_keyring() -> str:
    from importlib.metadata import entry_points

    from core.profiles.secrets import open_secret_store

    backend, needs = native_keyring()
    registered = {entry.value for entry in entry_points(group="keyring.backends")}
    if backend not in registered:
        raise CheckFailed(f"{backend} is not registered in keyring's entry points (package metadata missing)")
    import_all([backend, *needs])
    status = open_secret_store()
    if status.keyring_available:
        return f"{backend} bundled; in use: {status.backend_name}"
    return f"{backend} bundled; none usable in this session: {status.problem}"


# --- certificates ----------------------------------------------------------------------------------


def roots_source(paths: ssl.DefaultVerifyPaths, platform: str = sys.platform) -> str:
    """Where the default context's trusted roots come from, in words."""
    if platform == "win32":
        return "the Windows certificate store"
    chosen = os.environ.get(paths.openssl_cafile_env)
    if chosen:
        return f"{chosen} ({paths.openssl_cafile_env})"
    return paths.cafile or paths.capath or "OpenSSL's default paths"


def _folder_has_entries(folder: str | None) -> bool:
    try:
        return bool(folder) and any(os.scandir(folder))
    except OSError:
        return False


def check_certificates() -> str:
    import certifi

    context = ssl.create_default_context()
    roots = int(context.cert_store_stats()["x509_ca"])
    paths = ssl.get_default_verify_paths()
    # Roots in a hashed folder (capath) load lazily, so they do not show in the count.
    if roots == 0 and not _folder_has_entries(paths.capath):
        raise CheckFailed(
            f"no trusted root certificates (looked in {paths.cafile or paths.openssl_cafile} and "
            f"{paths.capath or paths.openssl_capath}): TLS to real servers would fail"
        )
    bundle = certifi.where()
    if not os.path.isfile(bundle):
        raise CheckFailed(f"certifi's CA bundle is missing ({bundle}): sign-in requests would fail")
    count = f"{roots} trusted roots" if roots else "trusted roots in a certificate folder"
    return f"{count} from {roots_source(paths)}; certifi bundle for sign-in present"


# --- probe -----------------------------------------------------------------------------------------


def check_probe() -> str:
    from core.diagnosis.engine import diagnose
    from core.diagnosis.finding import primary
    from core.lab.scenarios import SCENARIOS, scenario_plan
    from core.lab.server import PracticeServer
    from core.probe.runner import run_probe

    outcomes = []
    with PracticeServer() as server:
        for scenario_id in PROBE_SCENARIOS:
            scenario = next(s for s in SCENARIOS if s.id == scenario_id)
            plan, credentials = scenario_plan(server, scenario)
            started = time.perf_counter()
            result = run_probe(plan, credentials)
            cause = primary(diagnose(result))
            took_ms = (time.perf_counter() - started) * 1000
            code = cause.code if cause is not None else None
            if code != scenario.expected_code:
                stopped = f" (stopped: {result.failure.message})" if result.failure else ""
                raise CheckFailed(
                    f"practice scenario {scenario_id}: diagnosis {code or 'passed'}, "
                    f"expected {scenario.expected_code or 'passed'}{stopped}"
                )
            if code is None and not result.message_accepted:
                raise CheckFailed(f"practice scenario {scenario_id}: the test message was not accepted")
            outcomes.append(f"{scenario_id} -> {code or 'passed'} in {took_ms:.0f} ms")
    return "practice server and real engine: " + ", ".join(outcomes)


# --- the whole self-test ---------------------------------------------------------------------------

CORE_CHECKS: Final[tuple[tuple[str, Check], ...]] = (
    ("modules", check_modules),
    ("keyring", check_keyring),
    ("certificates", check_certificates),
    ("probe", check_probe),
)


def _say(line: str) -> None:
    # A windowed Windows build has no stdout unless it is redirected; the exit status still tells.
    if sys.stdout is not None:
        print(line, flush=True)


def _loaded(window_checks: WindowChecks | None) -> Sequence[tuple[str, Check]]:
    """The window part's checks, or one failing check saying why they cannot load."""
    if window_checks is None:
        return ()
    try:
        return window_checks()
    except Exception as exc:  # noqa: BLE001 - a missing Qt library shows up as any kind of error
        reason = f"the desktop part cannot load ({type(exc).__name__}: {exc})"

        def cannot_load() -> str:
            raise CheckFailed(reason)

        return (("window", cannot_load),)


def run_self_test(window_checks: WindowChecks | None = None) -> int:
    """Run every check (the core ones, then the window part when given), print the report, return the status."""
    started = time.perf_counter()
    frozen = "packaged" if getattr(sys, "frozen", False) else "from source"
    _say(f"SMTP Doctor {__version__} self-test ({frozen}, {sys.platform}, Python {sys.version.split()[0]})")
    results = []
    checks = (*CORE_CHECKS, *_loaded(window_checks))
    for name, check in checks:
        result = run_check(name, check)
        results.append(result)
        _say(result.line())
    failed = [r.name for r in results if not r.ok]
    took = time.perf_counter() - started
    if failed:
        _say(f"self-test FAILED ({', '.join(failed)}) in {took:.1f} s")
        return EXIT_FAILED
    _say(f"self-test passed: {len(results)} checks in {took:.1f} s")
    return EXIT_OK
