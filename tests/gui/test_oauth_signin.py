"""OAuth from the window: real MSAL against the local fake authority, the practice server checking tokens.

The practice server plays Exchange Online's resource check (``exchange_accepts``); the fake
authority issues the tokens over HTTPS on loopback. Each test presses Test (or Sign in / Sign out)
as a technician would and looks at what the window shows, the signals it sent and the keyring.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QPushButton
from pytestqt.qtbot import QtBot

from core.diagnosis.finding import primary
from core.lab import PracticeServer
from core.model import AuthMethod, CredentialKind, MessageSpec, ProbePlan, SecurityMode, TlsPolicy
from core.oauth.tokens import DeviceCodePrompt
from core.probe.phases import Phase
from core.probe.result import FailureKind, ProbeResult
from core.profiles.model import Profile, ProfileOAuth
from core.profiles.secrets import open_secret_store
from core.profiles.store import ProfileStore
from core.report.json_report import result_to_json
from core.secret import secret_forms
from gui.app import build_services
from gui.dialogs.device_code import DeviceCodeDialog
from gui.main_window import MainWindow
from gui.services import Services
from gui.widgets.oauth_section import SignInMethod
from tests.helpers.fake_authority import AadError, FakeAuthority, FakeUser
from tests.oauth.conftest import _loopback_only, authority  # noqa: F401 - fixtures used by these tests
from tests.oauth.test_end_to_end import exchange_accepts

pytestmark = [pytest.mark.gui, pytest.mark.network]

MAILBOX = "oauth@practice.test"


@pytest.fixture(scope="module")
def lab() -> Iterator[PracticeServer]:
    with PracticeServer(accept_token=exchange_accepts) as server:
        yield server


@pytest.fixture
def fa(authority: FakeAuthority) -> FakeAuthority:  # noqa: F811 - the imported fixture, renamed
    authority.user = FakeUser(upn=MAILBOX, name="OAuth Mailbox")
    authority.pending_polls = 2  # two "authorization_pending" answers, as while the person types the code
    authority.interval = 0
    return authority


def make_services(tmp_path: Path, ca_file: str) -> Services:
    services = build_services(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    services.authority_ca_file = ca_file
    return services


@pytest.fixture
def oauth_window(qtbot: QtBot, tmp_path: Path, ca_file: str) -> Iterator[MainWindow]:
    services = make_services(tmp_path, ca_file)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.oauth.cancel()
    win.controller.shutdown(5000)


def plan_for(lab: PracticeServer) -> ProbePlan:
    return ProbePlan(
        host="127.0.0.1",
        port=lab.submission_port,
        security=SecurityMode.STARTTLS,
        auth=AuthMethod.XOAUTH2,
        username=MAILBOX,
        credential_kind=CredentialKind.OAUTH_DELEGATED,
        message=MessageSpec(mail_from=MAILBOX, rcpt_to=("colleague@practice.test",)),
        send=False,
        tls=TlsPolicy(ca_file=lab.ca_file),
    )


def fill_device_sign_in(window: MainWindow, lab: PracticeServer, fa: FakeAuthority) -> None:
    window.load_plan(plan_for(lab))
    section = window.form.oauth
    section.set_profile_oauth(ProfileOAuth(tenant=fa.tenant, client_id=fa.client_id, authority_host=fa.authority_host))
    window.form._sync_enabled()


def spy_on_controller(window: MainWindow) -> list[Any]:
    """Every argument of every controller signal (and the window's run_finished)."""
    seen: list[Any] = []
    c = window.controller
    for signal in (
        c.event_received,
        c.phase_started,
        c.phase_finished,
        c.probe_finished,
        c.probe_crashed,
        c.running_changed,
        c.device_code_needed,
        c.browser_sign_in,
        c.signed_in,
        window.run_finished,
    ):
        signal.connect(lambda *args: seen.extend(args))
    return seen


def run_test(qtbot: QtBot, window: MainWindow, timeout: int = 20000) -> tuple[ProbeResult, tuple[Any, ...]]:
    with qtbot.waitSignal(window.run_finished, timeout=timeout) as blocker:
        QTest.mouseClick(window.test_button, Qt.MouseButton.LeftButton)
    result, findings = blocker.args
    return result, tuple(findings)


def dialogs_shown(window: MainWindow) -> list[str]:
    """The code each device-code dialog showed, read the moment it opens (a quick sign-in closes it)."""
    shown: list[str] = []

    def capture(_prompt: DeviceCodePrompt) -> None:
        dialog = window.oauth.dialog
        assert dialog is not None
        assert dialog.isVisible()
        shown.append(dialog.code.text())
        copy = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Copy code")
        copy.click()  # the technician copies the code: it must be the code, nothing else

    # Connected after the coordinator, so its slot (which opens the dialog) has run.
    window.controller.device_code_needed.connect(capture)
    return shown


def text_of_everything(window: MainWindow, seen: list[Any]) -> str:
    parts = [repr(item) for item in seen]
    parts += [result_to_json(item, ()) for item in seen if isinstance(item, ProbeResult)]
    model = window.transcript.transcript
    parts += [str(model.data(model.index(row))) for row in range(model.rowCount())]
    return "\n".join(parts)


def test_device_code_sign_in_then_probe_passes_and_the_token_stays_hidden(
    qtbot: QtBot, oauth_window: MainWindow, lab: PracticeServer, fa: FakeAuthority, tmp_path: Path
) -> None:
    window = oauth_window
    fill_device_sign_in(window, lab, fa)
    assert window.form.oauth.isVisible()
    assert window.form.signs_in()
    assert not window.form.password.isVisible()  # the sign-in replaces the password
    seen = spy_on_controller(window)
    shown = dialogs_shown(window)

    result, findings = run_test(qtbot, window)

    assert len(shown) == 1
    prompt = next(item for item in seen if isinstance(item, DeviceCodePrompt))
    assert shown == [prompt.user_code]
    assert prompt.user_code in prompt.message
    assert QGuiApplication.clipboard().text() == prompt.user_code
    assert fa.grants() == ["discovery", "devicecode", "device_code", "device_code", "device_code"]
    assert result.failure is None, result.failure
    assert result.authenticated
    assert result.auth_mechanism == "XOAUTH2"
    assert result.plan.credential_kind is CredentialKind.OAUTH_DELEGATED
    assert result.enrichment.token_claims.values["upn"] == MAILBOX  # type: ignore[union-attr]
    assert primary(findings) is None
    assert window.findings.verdict.passed is True
    assert window.form.oauth.account.text() == f"Signed in as {MAILBOX}"
    assert window.oauth.dialog is None

    # The token: in no signal argument, transcript row, clipboard or file.
    token = fa.issued_access_tokens[-1]
    report = window.save_report_to(str(tmp_path / "report.html"))
    assert report is not None
    window.transcript.copy_all()
    window.save_state()
    everything = text_of_everything(window, seen) + QGuiApplication.clipboard().text()
    everything += "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert "C: AUTH XOAUTH2" in everything
    assert [form for form in secret_forms(token) if form in everything] == []

    # A second Test uses the cached sign-in: no new code, no dialog.
    result, _ = run_test(qtbot, window)
    assert result.authenticated
    assert len(shown) == 1
    assert fa.grants().count("devicecode") == 1


def test_a_token_for_the_wrong_audience_gets_its_finding(
    qtbot: QtBot, oauth_window: MainWindow, lab: PracticeServer, fa: FakeAuthority
) -> None:
    fa.user_claims = {"aud": "https://graph.microsoft.com", "scp": "Mail.Send User.Read"}
    fill_device_sign_in(oauth_window, lab, fa)
    result, _findings = run_test(qtbot, oauth_window)
    assert not result.authenticated
    assert result.enrichment.token_claims.values["aud"] == "https://graph.microsoft.com"  # type: ignore[union-attr]
    assert oauth_window.findings.codes()[0] == "oauth_wrong_scope_or_audience"
    assert oauth_window.findings.verdict.passed is False


def test_an_aadsts_error_from_the_token_endpoint_becomes_a_finding(
    qtbot: QtBot, oauth_window: MainWindow, lab: PracticeServer, fa: FakeAuthority
) -> None:
    fa.errors["device_code"] = AadError(
        7000218,
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        status=401,
    )
    crashes: list[str] = []
    oauth_window.controller.probe_crashed.connect(crashes.append)
    fill_device_sign_in(oauth_window, lab, fa)
    result, _findings = run_test(qtbot, oauth_window)
    assert crashes == []
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TOKEN
    assert result.enrichment.token_error.aadsts == (7000218,)  # type: ignore[union-attr]
    assert oauth_window.findings.codes()[0] == "oauth_app_registration_misconfigured"
    assert oauth_window.findings.verdict.text.text().startswith("Fails:")
    assert oauth_window.test_button.isEnabled()  # the run ended normally
    assert oauth_window.oauth.dialog is None


def test_cancel_in_the_device_code_dialog_ends_the_run_quickly(
    qtbot: QtBot, oauth_window: MainWindow, lab: PracticeServer, fa: FakeAuthority
) -> None:
    fa.pending_polls = None  # the person never finishes signing in
    fa.interval = 1
    fill_device_sign_in(oauth_window, lab, fa)
    QTest.mouseClick(oauth_window.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: oauth_window.oauth.dialog is not None, timeout=10000)
    dialog = oauth_window.oauth.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: fa.grants().count("device_code") >= 1, timeout=5000)  # polling has begun
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    with qtbot.waitSignal(oauth_window.run_finished, timeout=3000) as blocker:
        started = time.monotonic()
        cancel.click()
    elapsed = time.monotonic() - started
    result, _ = blocker.args
    assert elapsed < 0.5, f"Cancel took {elapsed:.2f} s"
    assert result.failure is not None
    assert result.failure.kind is FailureKind.CANCELLED
    assert oauth_window.findings.verdict.text.text().startswith("Stopped")
    assert oauth_window.test_button.isEnabled()


def test_sign_in_and_sign_out_keep_and_clear_the_profiles_keyring_cache(
    qtbot: QtBot, tmp_path: Path, ca_file: str, lab: PracticeServer, fa: FakeAuthority
) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    profile = store.save(
        Profile(
            name="Contoso scanner",
            host="127.0.0.1",
            port=lab.submission_port,
            auth=AuthMethod.XOAUTH2,
            username=MAILBOX,
            credential_kind=CredentialKind.OAUTH_DELEGATED,
            mail_from=MAILBOX,
            ca_file=lab.ca_file,
            oauth=ProfileOAuth(tenant=fa.tenant, client_id=fa.client_id, authority_host=fa.authority_host),
        )
    )
    services = make_services(tmp_path, ca_file)
    services.profile_store = store
    status = open_secret_store()  # the in-memory keyring installed by the root conftest
    assert status.keyring_available
    services.secret_store = status.store
    services.keyring_label = status.backend_name
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    memory: dict[tuple[str, str], str] = keyring.get_keyring().store  # type: ignore[attr-defined]

    def cache_entries() -> list[str]:
        return [key for (_service, key) in memory if key.startswith(profile.id) and "token_cache" in key]

    try:
        assert window.profile_panel is not None
        window.profile_panel.select(profile.id)
        section = window.form.oauth
        assert section.isVisible()
        assert section.sign_in_method() is SignInMethod.DEVICE_CODE
        assert section.tenant.text() == fa.tenant
        shown = dialogs_shown_for_sign_in(window)
        section.sign_in_button.click()
        qtbot.waitUntil(lambda: section.account.text() == f"Signed in as {MAILBOX}", timeout=10000)
        qtbot.waitUntil(lambda: window.oauth.account_task is None, timeout=5000)
        assert shown
        assert cache_entries()
        token = fa.issued_access_tokens[-1]
        assert token not in store.path.read_text()  # the sign-in is in the keyring, not the profile file

        # Choosing the profile again shows who is signed in, from the keyring.
        window._showing_profile_id = None
        window.load_profile(store.get(profile.name))
        qtbot.waitUntil(lambda: section.account.text() == f"Signed in as {MAILBOX}", timeout=5000)

        section.sign_out_button.click()
        qtbot.waitUntil(lambda: section.account.text() == "Not signed in", timeout=5000)
        qtbot.waitUntil(lambda: window.oauth.account_task is None, timeout=5000)
        assert cache_entries() == []
    finally:
        window._dirty = False  # no "Save changes?" question when the test closes the window
        window.oauth.cancel()
        window.controller.shutdown(5000)


def dialogs_shown_for_sign_in(window: MainWindow) -> list[str]:
    """The codes shown by the device-code dialog of a Sign in started with the button."""
    codes: list[str] = []
    original = window.oauth.show_device_code

    def show(prompt: DeviceCodePrompt, cancel: Any) -> DeviceCodeDialog:
        dialog = original(prompt, cancel)
        codes.append(dialog.code.text())
        return dialog

    window.oauth.show_device_code = show  # type: ignore[method-assign]
    return codes


def test_app_only_client_secret_is_kept_in_the_keyring_not_the_profile_file(
    qtbot: QtBot, tmp_path: Path, ca_file: str, lab: PracticeServer, fa: FakeAuthority
) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    profile = store.save(Profile(name="App-only", host="127.0.0.1", port=lab.submission_port))
    services = make_services(tmp_path, ca_file)
    services.profile_store = store
    status = open_secret_store()
    services.secret_store = status.store
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.profile_panel is not None
        window.profile_panel.select(profile.id)
        form = window.form
        form.set_plan(dataclasses.replace(plan_for(lab), credential_kind=CredentialKind.OAUTH_APP_ONLY))
        form.oauth.set_profile_oauth(
            ProfileOAuth(tenant=fa.tenant, client_id=fa.client_id, authority_host=fa.authority_host)
        )
        form.oauth.set_sign_in_method(SignInMethod.APP_SECRET)
        form.oauth.client_secret.line.setText(fa.client_secret or "")
        form._sync_enabled()
        saved = window.save_profile()
        assert saved is not None
        assert saved.oauth.client_id == fa.client_id
        secret_value = fa.client_secret or ""
        assert secret_value not in store.path.read_text()
        assert keyring.get_password("smtp-doctor", f"{saved.id}:client_secret") == secret_value

        # Loading the profile again brings the secret back from the keyring; Test passes app-only.
        window._showing_profile_id = None
        form.oauth.client_secret.clear()
        window.load_profile(store.get(saved.name))
        assert form.oauth.sign_in_method() is SignInMethod.APP_SECRET
        assert form.oauth.client_secret.secret().reveal() == secret_value
        form.send.setChecked(False)  # a profile does not keep "Send a test message"
        seen = spy_on_controller(window)
        result, _ = run_test(qtbot, window)
        assert result.authenticated, result.failure
        assert result.plan.credential_kind is CredentialKind.OAUTH_APP_ONLY
        assert "client_credentials" in fa.grants()
        assert secret_value not in text_of_everything(window, seen)
    finally:
        window._dirty = False  # no "Save changes?" question when the test closes the window
        window.controller.shutdown(5000)


def test_a_practice_token_in_the_password_field_still_works_without_a_sign_in(qtbot: QtBot, window: MainWindow) -> None:
    assert window.practice_panel is not None
    window.practice_panel.select("oauth-works")
    section = window.form.oauth
    assert section.isVisible()
    assert section.sign_in_method() is SignInMethod.PASTED_TOKEN
    assert not window.form.signs_in()
    assert window.form.password.isVisible()
    result, _ = run_test(qtbot, window)
    assert result.authenticated, result.failure
    assert Phase.OAUTH_TOKEN not in [p.phase for p in result.phases]  # no sign-in happened
