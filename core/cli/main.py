"""Entry point of ``smtp-doctor``: parses the command and hands over to the command's module.

Every sub-command lives in its own module under ``core.cli`` with two functions,
``configure(parser)`` and ``run(args) -> int``. Modules are imported only when their command is
used (``--help`` of one command imports only that one), which keeps start-up fast.
Exit status: 0 the test passed, 1 it ran and found a problem, 2 bad usage or input.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from core import __version__
from core.cli.common import EXIT_USAGE, OneLineParser, usage_error
from core.errors import InputError

if TYPE_CHECKING:
    from core.cli.desktop import Desktop


# command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "gui": ("core.cli.gui_cmd", "open the desktop app"),
    "probe": ("core.cli.probe_cmd", "test one server, port and login as a printer would"),
    "detect": ("core.cli.detect_cmd", "find which port and encryption combinations work"),
    "explain": ("core.cli.explain_cmd", "diagnose a pasted server reply or printer error"),
    "lab": ("core.cli.lab_cmd", "run the built-in practice server in the foreground"),
}


def build_parser(only: str | None) -> OneLineParser:
    """The full parser, with only the ``only`` command configured (None: no command)."""
    parser = OneLineParser(
        prog="smtp-doctor",
        description="SMTP Doctor: why can't the printer send scan-to-email, and what to change.",
        epilog="Exit status: 0 the test passed, 1 it found a problem, 2 bad usage or input. "
        "Check an installation: smtp-doctor --self-test [--screenshot FILE.png].",
    )
    parser.add_argument("--version", action="version", version=f"smtp-doctor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name, (module_name, help_text) in COMMANDS.items():
        if name != only:
            # Listed in the overview, but not configured: its module is not imported.
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        module = importlib.import_module(module_name)
        # No abbreviations: "--pass" must not silently mean "--password-env".
        command_parser = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        module.configure(command_parser)
    return parser


# Top-level flags of the packaged app's self-test (core.selftest), handled before any command.
SELF_TEST_FLAGS = ("--self-test", "--startup-probe")


def quiet_library_logs() -> None:
    """Keep ``core``'s log records off stderr: commands report problems themselves, in one line.

    Without a handler, Python prints WARNING records to stderr ("last resort"), which would add
    stray lines to the one-line error of exit status 2 (say, a damaged profile file's note).
    """
    core_logger = logging.getLogger("core")
    if not core_logger.handlers:
        core_logger.addHandler(logging.NullHandler())


def main(argv: Sequence[str] | None = None, desktop: Desktop | None = None) -> int:
    """Run one command. ``desktop`` is the desktop part (the app, PDF, the window self-test), if any."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    quiet_library_logs()
    if any(flag in args_list for flag in SELF_TEST_FLAGS):
        from core.cli.selftest_cmd import main as self_test

        return self_test(args_list, desktop)
    command = next((a for a in args_list if not a.startswith("-")), None)
    if command is None and not any(a in ("-h", "--help", "--version") for a in args_list):
        args_list = ["gui", *args_list]  # no command: open the desktop app
        command = "gui"
    parser = build_parser(command)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    args.desktop = desktop  # core.cli.desktop.desktop_of reads it back
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args))
    except InputError as exc:
        # Every command's bad input ends here: one line naming the flag (field "-": no flag to name).
        message = exc.message if exc.field == "-" else f"{exc.field}: {exc.message}"
        return usage_error(f"smtp-doctor {args.command}", message)
    except KeyboardInterrupt:
        print("smtp-doctor: interrupted", file=sys.stderr)
        return 130


def entry_point(desktop: Desktop | None = None) -> NoReturn:
    sys.exit(main(desktop=desktop))


if __name__ == "__main__":
    entry_point()
