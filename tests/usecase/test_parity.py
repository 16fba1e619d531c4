"""One pipeline: the same request through ``smtp-doctor probe`` and through the app's Test gives the same
answer — the same primary code, the same findings, the same report.

Each case runs twice against one real practice server: once through the CLI adapter (argv in, the
``--report`` JSON out) and once through the desktop app's task (a real ``MainWindow`` offscreen,
``start_plan`` and the window's own "Save report"). The CLI's parsed request is first checked to equal
the request the app is given, so both really ran the same thing. Sender-domain MX answers come from a
real DNS server on loopback (dnsmasq); the OAuth case signs in with real MSAL at the local fake
authority. Only what differs by nature between two runs (clock, milliseconds, the client's port) is
normalised away before comparing.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from core.cli.main import build_parser
from core.cli.main import main as cli_main
from core.cli.probe_cmd import build_request
from core.lab import SCENARIO_BY_ID, PracticeServer, scenario_plan
from core.model import AuthMethod, CredentialKind, Credentials, MessageSpec, ProbePlan, Timeouts
from core.oauth.cache import MemoryTokenCacheStore
from core.oauth.settings import OAuthFlow, OAuthSettings
from core.usecase.check import prepare_plan
from core.usecase.signin import SignIn
from gui.app import build_services
from gui.main_window import MainWindow
from tests.helpers.dns_server import DnsServer, Records
from tests.helpers.fake_authority import FakeAuthority, FakeUser
from tests.oauth.conftest import _loopback_only, authority  # noqa: F401 - fixtures used by these tests

pytestmark = [pytest.mark.gui, pytest.mark.network]

CUSTOM_HOST = "smtp.fabrikam-scan.com"  # fronts Microsoft 365; only its sender domain's MX says so
SENDER_DOMAIN = "fabrikam-scan.com"
M365_MX = "fabrikamscan-com.mail.protection.outlook.com"
OAUTH_MAILBOX = "oauth-scan@practice.test"
PASSWORD_ENV = "PARITY_TEST_PASSWORD"
TIMEOUT = 5.0


@dataclass(frozen=True)
class Case:
    name: str
    scenario: str
    expected: str | None  # the primary code; None: the test passes
    argv: tuple[str, ...] = ()  # flags beyond the scenario's own
    plan_changes: dict[str, Any] = field(default_factory=dict)
    message: MessageSpec | None = None
    oauth: bool = False


CASES = (
    Case("works", "works-starttls", None),
    Case(
        "tenant disabled on a custom host whose MX is Microsoft 365",
        "tenant-disabled",
        "smtp_auth_disabled_tenant",
        argv=("--connect-to", "127.0.0.1", "--from", f"scan@{SENDER_DOMAIN}"),
        plan_changes={"host": CUSTOM_HOST, "connect_address": "127.0.0.1"},
        message=MessageSpec(mail_from=f"scan@{SENDER_DOMAIN}", rcpt_to=(f"scan@{SENDER_DOMAIN}",)),
    ),
    Case(
        "TLS 1.0 printer",
        "works-starttls",
        "tls_version_too_old|tls_handshake_failed",
        argv=("--device", "legacy-tls10"),
        plan_changes={"device_profile": "legacy-tls10"},
    ),
    Case("OAuth device flow at the local authority", "oauth-works", None, oauth=True),
    Case("send-as denied", "send-as-denied", "send_as_denied"),
)  # fmt: skip


@pytest.fixture(scope="module")
def dns_server() -> Iterator[DnsServer]:
    with DnsServer(Records(mx=((SENDER_DOMAIN, M365_MX, 0),))) as server:
        yield server


@pytest.fixture(scope="module")
def lab() -> Iterator[PracticeServer]:
    # Accepts the fake authority's tokens for the OAuth mailbox too (Exchange checks aud and scope).
    def accepts(token: str, user: str) -> bool:
        return token.count(".") == 2 and user.lower() == OAUTH_MAILBOX

    with PracticeServer(certificate_names=(CUSTOM_HOST,), accept_token=accepts) as server:
        yield server


@pytest.fixture(autouse=True)
def _dns_and_password(monkeypatch: pytest.MonkeyPatch, dns_server: DnsServer) -> None:
    monkeypatch.setenv("SMTP_DOCTOR_DNS_SERVER", dns_server.address)


@dataclass
class FrontEnds:
    """What running one case through both front ends needs: the servers, the CA, the pytest tools."""

    lab: PracticeServer
    authority: FakeAuthority
    ca_file: str
    qtbot: QtBot
    tmp_path: Path
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch

    def case_plan(self, case: Case) -> tuple[ProbePlan, Credentials]:
        """The case's plan; its password is put where the CLI's ``--password-env`` reads it."""
        plan, credentials = case_plan(case, self.lab)
        if credentials.password is not None:
            self.monkeypatch.setenv(PASSWORD_ENV, credentials.password.reveal())
        return plan, credentials

    def argv(self, case: Case, plan: ProbePlan) -> list[str]:
        return cli_argv(case, plan, self.authority, self.ca_file)

    def cli(self, argv: list[str], report_name: str) -> tuple[int, str]:
        return run_cli(argv, self.tmp_path / report_name, self.capsys)

    def app(self, plan: ProbePlan, credentials: Credentials, sign_in: SignIn | None) -> Any:
        return run_app(self.qtbot, self.tmp_path, plan, credentials, sign_in)


@pytest.fixture
def front_ends(
    lab: PracticeServer,
    authority: FakeAuthority,  # noqa: F811 - the fixture
    ca_file: str,
    qtbot: QtBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> FrontEnds:
    return FrontEnds(lab, authority, ca_file, qtbot, tmp_path, capsys, monkeypatch)


def case_plan(case: Case, lab: PracticeServer) -> tuple[ProbePlan, Credentials]:
    plan, credentials = scenario_plan(lab, SCENARIO_BY_ID[case.scenario])
    plan = replace(plan, timeouts=Timeouts.uniform(TIMEOUT), profile_name=None, **case.plan_changes)
    if case.message is not None:
        plan = replace(plan, message=case.message)
    else:
        plan = replace(plan, message=replace(plan.message, subject_note=""))
    if case.oauth:
        plan = replace(
            plan, username=OAUTH_MAILBOX, auth=AuthMethod.XOAUTH2, credential_kind=CredentialKind.OAUTH_DELEGATED
        )
        plan = replace(plan, message=replace(plan.message, mail_from=OAUTH_MAILBOX))
        credentials = Credentials()
    return plan, credentials


def cli_argv(case: Case, plan: ProbePlan, fa: FakeAuthority, ca_file: str) -> list[str]:
    argv = [
        "probe", plan.host, "--port", str(plan.port), "--security", plan.security.value,
        "--timeout", f"{TIMEOUT:g}", "--ca-file", str(plan.tls.ca_file), "--color", "never",
        "--from", plan.message.mail_from, *(a for rcpt in plan.message.rcpt_to for a in ("--to", rcpt)),
    ]  # fmt: skip
    if plan.message.header_from:
        argv += ["--header-from", plan.message.header_from]
    if case.oauth:
        argv += ["--user", str(plan.username), "--oauth", "device", "--tenant", fa.tenant, "--client-id", fa.client_id]
        argv += ["--authority-host", fa.authority_host, "--authority-ca-file", ca_file]
    elif plan.username:
        argv += ["--user", plan.username, "--password-env", PASSWORD_ENV]
        if plan.credential_kind is CredentialKind.APP_PASSWORD:
            argv += ["--credential", "app-password"]
    return [*argv, *case.argv]


def sign_in_for(plan: ProbePlan, fa: FakeAuthority, ca_file: str) -> SignIn:
    settings = OAuthSettings(
        flow=OAuthFlow.DEVICE_CODE,
        tenant=fa.tenant,
        client_id=fa.client_id,
        authority_host=fa.authority_host,
        username=plan.username,
        ca_file=ca_file,
    )
    return SignIn(settings.validated(), MemoryTokenCacheStore())


def parsed(argv: list[str]) -> argparse.Namespace:
    return build_parser("probe").parse_args(argv)


def run_cli(argv: list[str], report: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli_main([*argv, "--report", str(report)])
    return status, capsys.readouterr().out


def run_app(qtbot: QtBot, tmp_path: Path, plan: ProbePlan, credentials: Credentials, sign_in: SignIn | None) -> Any:
    services = build_services(QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat))
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.run_finished, timeout=30_000) as finished:
            assert window.start_plan(plan, credentials, sign_in)
        return window, finished.args
    finally:
        window.controller.shutdown(5000)


# exp/nbf/iat: each run signs in afresh, so its token is issued (and expires) a second apart.
_VOLATILE_KEYS = {
    "started_at",
    "duration_ms",
    "milliseconds",
    "offset_ms",
    "local_time",
    "server_date",
    "exp",
    "nbf",
    "iat",
}
_VOLATILE_TEXT = [
    (re.compile(r"\b\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\b"), "<date>"),  # greeting dates
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b"), "<time>"),  # "took 12 ms"
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?"), "<timestamp>"),
    (re.compile(r"127\.0\.0\.1:\d+ -> "), "127.0.0.1:<port> -> "),
    (re.compile(r"queued as \w+"), "queued as <id>"),
    (re.compile(r"\b[0-9a-fA-F]{16,}\b"), "<hex>"),  # Message-ID, queue and diagnostic ids
    (re.compile(r"\b\d\d:\d\d [+-]\d{4}\b"), "<hh:mm>"),  # the subject's local time
]


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items() if k not in _VOLATILE_KEYS}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, str):
        for pattern, replacement in _VOLATILE_TEXT:
            value = pattern.sub(replacement, value)
        return value
    return value


def report_document(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data.pop("environment")  # the machine's versions and clock: the same machine, by construction
    return normalised(data)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_and_app_give_the_same_answer(case: Case, front_ends: FrontEnds, tmp_path: Path) -> None:
    front_ends.authority.user = FakeUser(upn=OAUTH_MAILBOX, name="OAuth Scanner")
    plan, credentials = front_ends.case_plan(case)
    argv = front_ends.argv(case, plan)
    request = build_request(parsed(argv))
    sign_in = sign_in_for(plan, front_ends.authority, front_ends.ca_file) if case.oauth else None
    assert request.plan == prepare_plan(plan)  # the CLI parsed exactly the request the app is given
    assert request.credentials == credentials
    assert (request.sign_in.settings if request.sign_in else None) == (sign_in.settings if sign_in else None)

    cli_status, cli_out = front_ends.cli(argv, "cli.json")
    window, (app_result, app_findings) = front_ends.app(plan, credentials, sign_in)
    assert window.save_report_to(str(tmp_path / "app.json")) is not None

    cli_doc, app_doc = report_document(tmp_path / "cli.json"), report_document(tmp_path / "app.json")
    primary = next((f["code"] for f in cli_doc["findings"] if f["severity"] == "error"), None)
    assert primary in _expected(case), cli_out
    app_primary = next((f.code for f in app_findings if f.severity.value == "error"), None)
    assert app_primary == primary
    assert cli_status == (0 if case.expected is None else 1)
    differences = _differences(app_doc, cli_doc)
    assert differences == [], "\n".join(differences)
    # The app's typed enrichment says what the CLI's JSON says (token times aside: two sign-ins).
    assert normalised(app_result.enrichment.as_dict()) == normalised(cli_doc["extra"])


def _expected(case: Case) -> set[str | None]:
    return set(case.expected.split("|")) if case.expected else {None}


def _differences(app: Any, cli: Any, where: str = "") -> list[str]:
    """Where the two documents differ, as readable paths (empty: the same)."""
    if isinstance(app, dict) and isinstance(cli, dict):
        keys = list(dict.fromkeys([*app, *cli]))
        return [d for k in keys for d in _differences(app.get(k), cli.get(k), f"{where}.{k}")]
    if isinstance(app, list) and isinstance(cli, list) and len(app) == len(cli):
        return [d for i, (a, c) in enumerate(zip(app, cli, strict=True)) for d in _differences(a, c, f"{where}[{i}]")]
    return [] if app == cli else [f"{where}: app {app!r} != cli {cli!r}"]


def test_both_html_reports_show_the_provider_and_the_sender_mx(front_ends: FrontEnds, tmp_path: Path) -> None:
    case = CASES[1]
    plan, credentials = front_ends.case_plan(case)
    assert credentials.password is not None
    front_ends.cli(front_ends.argv(case, plan), "cli.html")
    window, _ = front_ends.app(plan, credentials, None)
    assert window.save_report_to(str(tmp_path / "app.html")) is not None
    for name in ("cli.html", "app.html"):
        html = (tmp_path / name).read_text(encoding="utf-8")
        assert "<th>Detected provider</th><td>Microsoft 365 (Exchange Online)</td>" in html, name
        assert f"<th>MX records</th><td>{M365_MX} (for {SENDER_DOMAIN})</td>" in html, name
