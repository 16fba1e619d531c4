"""Flag handling that ``probe`` and ``detect`` share: secrets, TLS options and the report file.

Every function raises ``InputError`` naming the flag at fault, so the command prints one line and
exits 2. Heavy modules are imported inside the functions: ``--help`` needs none of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli.common import usage_error
from core.errors import InputError
from core.secret import Secret

if TYPE_CHECKING:
    from core.model import Credentials, TlsPolicy

PASSWORD_FLAG_REFUSAL = (
    "a password is never taken as a command-line value (it would show in the process list); "
    "use --password-env VAR or --password-stdin"
)


def add_secret_arguments(login: argparse._ArgumentGroup) -> None:
    """The ways to give a secret (one at most), and the refused ``--password``/``-p``."""
    secret = login.add_mutually_exclusive_group()
    secret.add_argument("--password-env", metavar="VAR", help="read the password from environment variable VAR")
    secret.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    secret.add_argument("--token-env", metavar="VAR", help="read an OAuth2 access token from environment variable VAR")
    # Refused on purpose, with a message saying what to do instead (refuse_password_flag).
    login.add_argument("--password", "-p", dest="password_flag", help=argparse.SUPPRESS)


def add_tls_arguments(parser: argparse.ArgumentParser, *, insecure_help: str) -> None:
    """The TLS group that ``tls_policy_from_flags`` reads."""
    tls = parser.add_argument_group("TLS")
    tls.add_argument("--ca-file", metavar="PEM", help="trust these CA certificates instead of the system store")
    tls.add_argument("--insecure", action="store_true", help=insecure_help)
    tls.add_argument("--tls-min", metavar="V", help="lowest TLS version to offer: 1.0, 1.1, 1.2 or 1.3")
    tls.add_argument("--tls-max", metavar="V", help="highest TLS version to offer: 1.0, 1.1, 1.2 or 1.3")


def add_color_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--color auto|always|never, the same for every command that prints."""
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the output")


def refuse_password_flag(args: argparse.Namespace, prog: str) -> int | None:
    """The exit status when a password was given as a flag value (``--password``/``-p``), else None."""
    if getattr(args, "password_flag", None) is None:
        return None
    return usage_error(prog, PASSWORD_FLAG_REFUSAL)


def read_env_secret(var: str, flag: str) -> Secret:
    value = os.environ.get(var)
    if value is None:
        raise InputError(flag, f"environment variable {var} is not set")
    if not value:
        raise InputError(flag, f"environment variable {var} is empty")
    return Secret(value)


def credentials_from_flags(args: argparse.Namespace, stored: Credentials | None = None) -> Credentials:
    """The password or token given by --password-env, --password-stdin or --token-env, else ``stored``."""
    from core.model import Credentials

    if args.password_env:
        return Credentials(password=read_env_secret(args.password_env, "--password-env"))
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InputError("--password-stdin", "no password arrived on standard input")
        return Credentials(password=Secret(line))
    if args.token_env:
        return Credentials(token=read_env_secret(args.token_env, "--token-env"))
    return stored if stored is not None else Credentials()


def tls_policy_from_flags(args: argparse.Namespace, base: TlsPolicy | None = None) -> TlsPolicy:
    """--ca-file, --insecure, --tls-min and --tls-max over ``base`` (a profile's policy, or the defaults)."""
    from core import validate
    from core.model import TlsPolicy

    policy = base or TlsPolicy()
    ca_file = policy.ca_file
    if args.ca_file:
        path = Path(args.ca_file).expanduser()
        if not path.is_file():
            raise InputError("--ca-file", f"{path} is not a readable file")
        ca_file = str(path)
    tls_min = validate.tls_version(args.tls_min, "--tls-min") if args.tls_min else policy.min_version
    tls_max = validate.tls_version(args.tls_max, "--tls-max") if args.tls_max else policy.max_version
    if tls_min and tls_max and tls_min > tls_max:
        raise InputError("--tls-min", f"the lowest TLS version ({tls_min}) is above the highest ({tls_max})")
    verify = policy.verify and not args.insecure
    return TlsPolicy(verify=verify, ca_file=ca_file, min_version=tls_min, max_version=tls_max, ciphers=policy.ciphers)


def report_path_from_flag(text: str | None, suffixes: Sequence[str], what: str = "report file") -> Path | None:
    """The --report path: a known format by its extension, in a folder that exists."""
    if text is None:
        return None
    path = Path(text).expanduser()
    if path.suffix.lower() not in suffixes:
        raise InputError("--report", f"the {what} must end in {', '.join(suffixes)}")
    if not path.parent.exists():
        raise InputError("--report", f"the folder {path.parent} does not exist")
    return path
