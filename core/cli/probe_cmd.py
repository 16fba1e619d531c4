"""``smtp-doctor probe``: test one server, port and login exactly as a printer would.

Secrets never come from a flag value (they would show in the process list and shell history):
the password comes from an environment variable, standard input or a saved profile's keyring
entry; the access token from an environment variable or an OAuth sign-in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli.common import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from core.cli.flags import (
    add_color_argument,
    add_secret_arguments,
    add_tls_arguments,
    credentials_from_flags,
    refuse_password_flag,
    report_path_from_flag,
    tls_policy_from_flags,
)
from core.errors import InputError

if TYPE_CHECKING:
    from core.model import AuthMethod, CredentialKind, Credentials, MessageSpec, ProbePlan, SecurityMode
    from core.usecase.check import CheckRequest

# The model, validation and result modules (and dataclasses, which they pull in) are imported by
# the functions that use them, so ``smtp-doctor probe --help`` builds its parser without them.
PROG = "smtp-doctor probe"
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}  # by SecurityMode value
REPORT_SUFFIXES = (".html", ".htm", ".json", ".txt", ".pdf")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Examples: smtp-doctor probe smtp.office365.com --user scan@contoso.com --password-env PW "
        "--from scan@contoso.com --to me@contoso.com;  smtp-doctor probe mail.example.com --port 465 "
        "--security ssl --no-send --json.  Exit status: 0 the test passed, 1 it found a problem, 2 bad input."
    )
    where = parser.add_argument_group("server")
    where.add_argument("host", nargs="?", help="SMTP server name or IP address (no smtp://, no :port)")
    where.add_argument("--port", help="TCP port (default: 587 for starttls, 465 for tls, 25 for none)")
    where.add_argument(
        "--security",
        help="encryption: starttls, tls (also 'ssl', 'smtps': implicit TLS) or none (default: starttls, "
        "or tls on port 465)",
    )
    where.add_argument("--helo", metavar="NAME", help="the name to send in EHLO (default: this computer's name)")
    where.add_argument(
        "--connect-to",
        metavar="ADDRESS",
        help="connect to this IP address instead of looking HOST up (the certificate is still checked "
        "against HOST): test a server before the DNS change, or one node of a cluster",
    )
    where.add_argument("--timeout", metavar="SECONDS", help="deadline for each step (default: 15)")
    where.add_argument("--profile", metavar="NAME", help="use a saved profile (its password from the keyring)")

    login = parser.add_argument_group("login")
    login.add_argument("--auth", default=None, help="auto, none, plain, login, cram-md5 or xoauth2 (default: auto)")
    login.add_argument("--user", metavar="U", help="login name (usually the full email address)")
    add_secret_arguments(login)
    login.add_argument(
        "--credential",
        choices=["password", "app-password", "api-key"],
        help="what the password is (helps the diagnosis; default: password)",
    )

    oauth = parser.add_argument_group("OAuth2 sign-in (Microsoft identity platform)")
    oauth.add_argument(
        "--oauth",
        choices=["device", "interactive", "client-credentials"],
        help="sign in and fetch a token before the test: device code (default for technicians), "
        "interactive (a browser on this computer) or client-credentials (app-only)",
    )
    oauth.add_argument("--tenant", help="directory (tenant) ID or domain")
    oauth.add_argument("--client-id", help="application (client) ID of your app registration")
    oauth.add_argument("--client-secret-env", metavar="VAR", help="client secret from environment variable VAR")
    oauth.add_argument("--client-cert", metavar="PEM", help="certificate + private key PEM for client credentials")
    # For tests against a local authority: its host and the CA that signed its certificate.
    oauth.add_argument("--authority-host", metavar="URL", help=argparse.SUPPRESS)
    oauth.add_argument("--authority-ca-file", metavar="PEM", help=argparse.SUPPRESS)

    message = parser.add_argument_group("test message")
    message.add_argument("--from", dest="mail_from", metavar="ADDR", help="sender (envelope MAIL FROM)")
    message.add_argument("--to", dest="rcpt_to", metavar="ADDR", help="test recipient (default: the sender)")
    message.add_argument("--header-from", metavar="ADDR", help="a different From: header (send-as test)")
    message.add_argument("--attach-size", metavar="BYTES", help="attach a scan-like PDF of this many bytes")
    message.add_argument("--no-send", action="store_true", help="stop after the login; send no message")

    add_tls_arguments(parser, insecure_help="do not verify the certificate (not recommended)")

    device = parser.add_argument_group("device behaviour")
    device.add_argument("--no-pipelining", action="store_true", help="never use PIPELINING")
    device.add_argument(
        "--no-initial-response", action="store_true", help="send AUTH without an initial response (old firmware)"
    )
    device.add_argument(
        "--device", metavar="CLASS", help="emulate a class of printer (see smtp-doctor detect --help for the list)"
    )

    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print one JSON object instead of the transcript")
    output.add_argument("--report", metavar="FILE", help="also save a redacted report (.html, .json, .txt, .pdf)")
    add_color_argument(output)


def run(args: argparse.Namespace) -> int:
    refused = refuse_password_flag(args, PROG)
    if refused is not None:
        return refused
    # Bad input raises InputError, which core.cli.main turns into one line and exit status 2.
    report_path = report_path_from_flag(args.report, REPORT_SUFFIXES)
    return execute(build_request(args), args, report_path)


def build_request(args: argparse.Namespace) -> CheckRequest:
    """The check the flags describe: the plan, the secret and, with ``--oauth``, the sign-in first."""
    from core.usecase.check import CheckRequest

    plan, credentials = build_plan(args)
    if not args.oauth:
        return CheckRequest(plan, credentials)
    from core.cli.oauth_flags import sign_in_from_flags

    return CheckRequest(plan, credentials, sign_in_from_flags(args, plan))


def execute(request: CheckRequest, args: argparse.Namespace, report_path: Path | None) -> int:
    """Run the check, print it (live transcript or JSON), save the report; return the exit status."""
    from core.cli.check_output import CliCheckListener, print_outcome
    from core.probe.result import FailureKind
    from core.secret import SecretRegistry
    from core.usecase.check import run_check

    secrets = SecretRegistry()
    outcome = run_check(request, CliCheckListener(sys.stdout, args.color, live=not args.json), secrets=secrets)
    if outcome.result.failure is not None and outcome.result.failure.kind is FailureKind.CANCELLED:
        print(f"{PROG}: sign-in cancelled", file=sys.stderr)
        return EXIT_PROBLEM
    print_outcome(outcome, sys.stdout, args.color, as_json=args.json)
    if report_path is not None:
        from core.cli.desktop import pdf_writer_loader
        from core.report.save import ReportError, save_report

        try:
            save_report(
                report_path,
                outcome.result,
                outcome.findings,
                secrets=secrets.secrets(),
                load_pdf_writer=pdf_writer_loader(args),
            )
        except ReportError as exc:
            print(f"{PROG}: report not saved: {exc}", file=sys.stderr)
            return EXIT_PROBLEM
        if not args.json:
            print(f"\nReport saved: {report_path}")
    return EXIT_OK if outcome.ok else EXIT_PROBLEM


def build_plan(args: argparse.Namespace) -> tuple[ProbePlan, Credentials]:
    """Validate every flag into a ProbePlan and Credentials (raises InputError with the flag name)."""
    from dataclasses import replace

    from core import validate
    from core.model import AuthMethod, ClientBehaviour, ProbePlan, Timeouts

    base, stored = _profile_base(args)
    security = _security(args, base)
    port = validate.port(args.port, "--port") if args.port else (base.port if base else DEFAULT_PORTS[security.value])
    host_text = args.host if args.host is not None else (base.host if base else "")
    host = validate.host(host_text, "HOST")
    user = validate.username(args.user, "--user") if args.user else (base.username if base else None)
    credentials = credentials_from_flags(args, stored)
    auth = _auth(args, base, credentials)
    kind = _credential_kind(args, credentials, auth, base)
    if auth in (AuthMethod.PLAIN, AuthMethod.LOGIN, AuthMethod.CRAM_MD5) and credentials.password is None:
        raise InputError("--auth", f"{auth.value} login needs a password: --password-env VAR or --password-stdin")
    if credentials.password is not None and not user:
        raise InputError("--user", "a password was given but no login name: add --user")
    plan = ProbePlan(
        host=host,
        port=port,
        security=security,
        auth=auth,
        username=user or None,
        credential_kind=kind,
        message=_message(args, base, user),
        send=not args.no_send and (base.send if base else True),
        helo_name=validate.helo_name(args.helo, "--helo") if args.helo else (base.helo_name if base else None),
        connect_address=validate.ip_address(args.connect_to, "--connect-to") if args.connect_to else None,
        tls=tls_policy_from_flags(args, base.tls if base else None),
        timeouts=Timeouts.uniform(validate.timeout(args.timeout, "--timeout"))
        if args.timeout
        else (base.timeouts if base else Timeouts()),
        behaviour=ClientBehaviour(
            pipelining=not args.no_pipelining,
            initial_response=not args.no_initial_response,
        ),
        profile_name=base.profile_name if base else None,
    )
    device = getattr(args, "device", None) or (base.device_profile if base else None)
    if device:
        from core.devices import resolve_device
        from core.usecase.check import prepare_plan

        # The device class is applied by the check itself; applying it here names the flag at fault now.
        plan = prepare_plan(replace(plan, device_profile=resolve_device(device).id), field="--device")
    return plan, credentials


def _profile_base(args: argparse.Namespace) -> tuple[ProbePlan | None, Credentials]:
    """The saved profile's plan and stored secret, when --profile is given."""
    from core.model import Credentials

    if not args.profile:
        if not args.host:
            raise InputError("HOST", "name the SMTP server to test (or use --profile NAME)")
        return None, Credentials()
    from core.cli.profile_flags import load_profile_for_cli

    # A password given by flag replaces the stored one; otherwise a missing stored one is an error,
    # not a silent unauthenticated probe.
    given = args.password_env or args.password_stdin or args.token_env or args.oauth
    return load_profile_for_cli(args.profile, require_secret=not given)


def _security(args: argparse.Namespace, base: ProbePlan | None) -> SecurityMode:
    from core import validate
    from core.model import SecurityMode

    if args.security:
        return validate.security(args.security, "--security")
    if base is not None:
        return base.security
    if args.port and args.port.strip() == "465":
        return SecurityMode.TLS  # what everyone means by port 465
    return SecurityMode.STARTTLS


def _auth(args: argparse.Namespace, base: ProbePlan | None, credentials: Credentials) -> AuthMethod:
    from core import validate
    from core.model import AuthMethod

    if args.auth:
        method = validate.auth_method(args.auth, "--auth")
    elif args.oauth or credentials.token is not None:
        method = AuthMethod.XOAUTH2
    else:
        method = base.auth if base else AuthMethod.AUTO
    if method is AuthMethod.XOAUTH2 and credentials.token is None and not args.oauth:
        raise InputError("--auth", "xoauth2 needs an access token: --token-env VAR or --oauth device")
    if credentials.token is not None and method not in (AuthMethod.XOAUTH2, AuthMethod.AUTO):
        raise InputError("--auth", f"an access token is used with xoauth2, not {method.value}")
    return method


def _credential_kind(
    args: argparse.Namespace, credentials: Credentials, auth: AuthMethod, base: ProbePlan | None
) -> CredentialKind:
    from core.model import AuthMethod, CredentialKind

    if args.oauth == "client-credentials":
        return CredentialKind.OAUTH_APP_ONLY
    if args.oauth or credentials.token is not None or auth is AuthMethod.XOAUTH2:
        return CredentialKind.OAUTH_DELEGATED
    if credentials.password is None:
        return CredentialKind.NONE
    if args.credential:
        return CredentialKind(args.credential.replace("-", "_"))
    if base is not None and base.credential_kind is not CredentialKind.NONE:
        return base.credential_kind
    return CredentialKind.PASSWORD


def _message(args: argparse.Namespace, base: ProbePlan | None, user: str | None) -> MessageSpec:
    from dataclasses import replace

    from core import validate
    from core.model import MessageSpec

    spec = base.message if base else MessageSpec()
    mail_from = validate.address(args.mail_from, "--from") if args.mail_from else spec.mail_from
    if not mail_from and user and "@" in user:
        mail_from = user  # what most printers do when "Sender address" is left empty
    rcpt = (validate.address(args.rcpt_to, "--to"),) if args.rcpt_to else spec.rcpt_to
    if not rcpt and mail_from:
        rcpt = (mail_from,)
    header_from = validate.address(args.header_from, "--header-from") if args.header_from else spec.header_from
    size = spec.attachment_bytes
    if args.attach_size:
        text = args.attach_size.strip().lower()
        multiplier = {"k": 1024, "m": 1024 * 1024}.get(text[-1:], 1)
        digits = text[:-1] if multiplier > 1 else text
        if not digits.isdigit() or int(digits) * multiplier > 200 * 1024 * 1024:
            raise InputError("--attach-size", "give a size in bytes (e.g. 2000000, 500k or 5m; at most 200m)")
        size = int(digits) * multiplier
    if not args.no_send and not mail_from:
        raise InputError("--from", "a sender address is needed to send the test message (or use --no-send)")
    return replace(spec, mail_from=mail_from, rcpt_to=rcpt, header_from=header_from, attachment_bytes=size)


__all__ = ["EXIT_USAGE", "build_plan", "configure", "run"]
