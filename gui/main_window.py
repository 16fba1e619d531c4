"""The main window: layout, menus, shortcuts and signal wiring; every decision lives elsewhere.

Left: the settings form (and the profile list when profiles are available) with Test and Stop.
Right: the step bar, the diagnosis (verdict first) and tabs for the transcript, the EHLO
capabilities before and after STARTTLS, and the TLS details.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.diagnosis.finding import Finding
from core.errors import SmtpDoctorError
from core.model import Credentials, ProbePlan, SecurityMode
from core.probe.result import ProbeResult
from core.profiles.model import Profile, SecretKind
from core.report.save import FILE_DIALOG_FILTER, containing_folder, save_report, suggested_filename, ticket_summary
from core.secret import Secret
from core.usecase.check import CheckRequest
from core.usecase.signin import SignIn
from gui.controller import ProbeController
from gui.dialogs.about import show_about
from gui.dialogs.profile_exchange import ProfileExchange
from gui.icons import Glyph, icon
from gui.oauth_ui import OAuthCoordinator
from gui.presenter import format_ms, verdict
from gui.profile_bridge import plan_of, profile_with_plan
from gui.report_pdf import html_to_pdf
from gui.services import Services
from gui.style import is_dark
from gui.widgets.capabilities_view import CapabilitiesView
from gui.widgets.findings_panel import FindingsPanel
from gui.widgets.practice_panel import PracticePanel
from gui.widgets.profile_panel import ProfilePanel
from gui.widgets.settings_form import SettingsForm
from gui.widgets.step_bar import StepBar
from gui.widgets.tls_view import TlsView
from gui.widgets.transcript_view import TranscriptView

if TYPE_CHECKING:
    from gui.dialogs.find_settings import FindSettingsDialog
    from gui.practice import PracticeProfile


class MainWindow(QMainWindow):
    """The app's one window. ``run_finished`` re-emits the controller's result for tests and tools."""

    run_finished = Signal(object, object)  # ProbeResult, tuple[Finding, ...]

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("SMTP Doctor")
        self.setWindowIcon(icon(Glyph.APP))
        self.controller = ProbeController(services.probe_pool, services.check_services, self)
        self.last_result: ProbeResult | None = None
        self.last_findings: tuple[Finding, ...] = ()
        self._dirty = False
        self._showing_profile_id: str | None = None
        self._keep_form = False  # True while save_profile creates a profile from the form
        self._build_parts()
        self._build_actions()
        self._build_menus()
        self._wire()
        self.oauth = OAuthCoordinator(self)  # sign-in before Test, the device-code dialog, Sign in/out
        self.form.set_presets(services.presets)
        self.restore_state()
        self.statusBar().showMessage("Ready")

    # --- construction -------------------------------------------------------------------------
    def _build_parts(self) -> None:
        self.form = SettingsForm()
        self.test_button = QPushButton(icon(Glyph.OK), "Test")
        self.test_button.setDefault(True)
        self.test_button.setToolTip("Run the test with these settings (Ctrl+Enter)")
        self.stop_button = QPushButton(icon(Glyph.FAIL), "Stop")
        self.stop_button.setToolTip("Stop the running test (Esc)")
        self.stop_button.setEnabled(False)
        self.step_bar = StepBar()
        self.findings = FindingsPanel()
        self.transcript = TranscriptView()
        self.capabilities = CapabilitiesView()
        self.tls = TlsView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.transcript, "Transcript")
        self.tabs.addTab(self.capabilities, "Capabilities")
        self.tabs.addTab(self.tls, "TLS details")

        self.find_button = QPushButton(icon(Glyph.INFO), "Find settings…")
        self.find_button.setToolTip("Try every port and encryption on this server and recommend one")
        buttons = QHBoxLayout()
        buttons.addWidget(self.find_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.test_button)
        form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(self.form)
        self.sources = QTabWidget()
        self.profile_panel: ProfilePanel | None = None
        self.practice_panel: PracticePanel | None = None
        if self.services.practice is not None:
            self.practice_panel = PracticePanel(self.services.practice.profiles)
            self.sources.addTab(self.practice_panel, "Practice")
        if self.services.profile_store is not None:
            self.profile_panel = ProfilePanel(
                self.services.profile_store,
                self.services.keyring_label,
                self.services.keyring_problem,
                service=self.services.profile_service(),
            )
            self.sources.addTab(self.profile_panel, "Profiles")
        self.left_split = QSplitter(Qt.Orientation.Vertical)
        if self.sources.count():
            self.left_split.addWidget(self.sources)
        self.left_split.addWidget(form_scroll)
        self.left_split.setStretchFactor(self.left_split.count() - 1, 1)
        self.left = QWidget()
        left_layout = QVBoxLayout(self.left)
        left_layout.addWidget(self.left_split, 1)
        left_layout.addLayout(buttons)

        self.results_split = QSplitter(Qt.Orientation.Vertical)
        self.results_split.addWidget(self.findings)
        self.results_split.addWidget(self.tabs)
        self.results_split.setStretchFactor(0, 2)
        self.results_split.setStretchFactor(1, 3)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.step_bar)
        right_layout.addWidget(self.results_split, 1)

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.left)
        self.main_split.addWidget(right)
        self.main_split.setStretchFactor(0, 2)
        self.main_split.setStretchFactor(1, 5)
        self.setCentralWidget(self.main_split)
        self.resize(1280, 820)
        self.main_split.setSizes([430, 850])
        self.results_split.setSizes([420, 330])

    def _build_actions(self) -> None:
        self.test_action = QAction(icon(Glyph.OK), "&Test", self)
        self.test_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.stop_action = QAction(icon(Glyph.FAIL), "&Stop", self)
        self.stop_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.stop_action.setEnabled(False)
        self.find_settings_action = QAction(icon(Glyph.INFO), "&Find settings…", self)
        self.find_settings_dialog: FindSettingsDialog | None = None
        self.copy_all_action = QAction("Copy &whole transcript", self)
        self.copy_all_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_summary_action = QAction("Copy s&ummary for ticket", self)
        self.copy_summary_action.setEnabled(False)
        self.save_report_action = QAction("Save &report…", self)
        self.save_report_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_report_action.setEnabled(False)
        self.open_folder_action = QAction("&Open containing folder", self)
        self.open_folder_action.setEnabled(False)
        self.last_report_path: Path | None = None
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.about_action = QAction("&About SMTP Doctor", self)
        self.save_action = QAction("&Save profile", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.new_profile_action = QAction("&New profile…", self)
        self.new_profile_action.setShortcut(QKeySequence.StandardKey.New)
        for action in (self.test_action, self.stop_action, self.copy_all_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

    def _build_menus(self) -> None:
        self.file_menu = self.menuBar().addMenu("&File")
        if self.services.profile_store is not None:
            self.file_menu.addAction(self.new_profile_action)
            self.file_menu.addAction(self.save_action)
            self.file_menu.addSeparator()
            self.profile_exchange = ProfileExchange(self)  # Export profiles… / Import profiles…
            self.file_menu.addActions(self.profile_exchange.actions())
            self.file_menu.addSeparator()
        self.file_menu.addAction(self.save_report_action)
        self.file_menu.addAction(self.open_folder_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        test_menu = self.menuBar().addMenu("&Test")
        test_menu.addAction(self.test_action)
        test_menu.addAction(self.stop_action)
        test_menu.addSeparator()
        test_menu.addAction(self.find_settings_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.transcript.copy_action)
        edit_menu.addAction(self.copy_all_action)
        edit_menu.addAction(self.copy_summary_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _wire(self) -> None:
        self.test_button.clicked.connect(self.start_test)
        self.test_action.triggered.connect(self.start_test)
        self.stop_button.clicked.connect(self.stop_test)
        self.stop_action.triggered.connect(self.stop_test)
        self.find_button.clicked.connect(self.open_find_settings)
        self.find_settings_action.triggered.connect(self.open_find_settings)
        self.copy_all_action.triggered.connect(self.transcript.copy_all)
        self.copy_summary_action.triggered.connect(self.copy_summary)
        self.save_report_action.triggered.connect(self.ask_and_save_report)
        self.open_folder_action.triggered.connect(self.open_report_folder)
        self.quit_action.triggered.connect(self.close)
        self.about_action.triggered.connect(lambda: show_about(self))
        c = self.controller
        c.event_received.connect(self.transcript.transcript.append)
        c.phase_started.connect(self.step_bar.phase_started)
        c.phase_finished.connect(self.step_bar.phase_finished)
        c.probe_finished.connect(self._show_result)
        c.probe_crashed.connect(self._show_crash)
        c.running_changed.connect(self._set_running)
        self.findings.evidence_requested.connect(self.show_evidence)
        self.form.changed.connect(self._mark_dirty)
        if self.practice_panel is not None:
            self.practice_panel.chosen.connect(self._practice_chosen)
        if self.profile_panel is not None:
            self.profile_panel.chosen.connect(self.load_profile)
            self.profile_panel.save_requested.connect(self.save_profile)
            self.save_action.triggered.connect(self.save_profile)
            self.new_profile_action.triggered.connect(self.profile_panel.new_profile)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: self._follow_palette())

    # --- running ------------------------------------------------------------------------------
    def start_test(self) -> bool:
        """Validate the form and start a probe; False (with messages beside the fields) if invalid."""
        if self.controller.is_running:
            return False
        built = self.form.build()
        if built is None:
            self.statusBar().showMessage("Fix the fields marked in red, then press Test again.")
            return False
        plan, credentials = built
        if self.form.signs_in():
            return self.oauth.start_test(plan)
        return self.start_plan(plan, credentials)

    def start_plan(self, plan: ProbePlan, credentials: Credentials, sign_in: SignIn | None = None) -> bool:
        self.transcript.transcript.clear()
        self.capabilities.show_capabilities(None, None)
        self.tls.show_tls(None)
        self.findings.clear()
        self.step_bar.reset(plan)
        self.findings.verdict.show_running(f"Testing {plan.host} port {plan.port} ({plan.security.label})…")
        self.tabs.setCurrentWidget(self.transcript)
        self.statusBar().showMessage(f"Testing {plan.host}:{plan.port}…")
        return self.controller.start(CheckRequest(plan, credentials, sign_in))

    def stop_test(self) -> None:
        if self.controller.is_running:
            self.controller.stop()
            self.findings.verdict.show_running("Stopping…")
            self.statusBar().showMessage("Stopping…")

    def _set_running(self, running: bool) -> None:
        self.test_button.setEnabled(not running)
        self.test_action.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.stop_action.setEnabled(running)
        self.find_button.setEnabled(not running)
        self.find_settings_action.setEnabled(not running)
        self.form.set_busy(running)

    def _show_result(self, result: ProbeResult, findings: tuple[Finding, ...]) -> None:
        self.last_result, self.last_findings = result, findings
        self.transcript.transcript.flush()
        if not self.transcript.transcript.rowCount() and result.transcript:
            self.transcript.transcript.extend(result.transcript)
            self.transcript.transcript.flush()
        self.step_bar.finish(result)
        self.capabilities.show_capabilities(result.capabilities_before_tls, result.capabilities_after_tls)
        self.tls.show_tls(result.tls)
        passed, line = verdict(result, findings)
        self.findings.show_findings(passed, line, findings)
        self.copy_summary_action.setEnabled(True)
        self.save_report_action.setEnabled(True)
        self.statusBar().showMessage(f"Finished in {format_ms(result.duration_ms)}: {line}")
        self.run_finished.emit(result, findings)

    def _show_crash(self, text: str) -> None:
        self.findings.verdict.show_verdict(False, "The test stopped because of a bug in SMTP Doctor")
        self.statusBar().showMessage("Internal error; details in the dialog")
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "SMTP Doctor: internal error",
            "The test stopped because of a bug. Please report it with the details below.",
            parent=self,
        )
        box.setDetailedText(text)
        box.open()

    # --- find settings ------------------------------------------------------------------------
    def open_find_settings(self) -> FindSettingsDialog:
        """Show the "Find settings" dialog for the form's server (one at a time)."""
        from gui.dialogs.find_settings import FindSettingsDialog, seed_from_form

        dialog = self.find_settings_dialog
        if dialog is None or not dialog.isVisible():
            if dialog is not None:
                dialog.deleteLater()
            dialog = FindSettingsDialog(seed_from_form(self.form), self)
            dialog.settings_chosen.connect(self._use_found_settings)
            self.find_settings_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def _use_found_settings(self, host: str, port: int, security: SecurityMode) -> None:
        from gui.dialogs.find_settings import apply_to_form

        apply_to_form(self.form, host, port, security)
        self.statusBar().showMessage(f"Settings from the search: {host}, port {port}, {security.label}.", 6000)

    # --- small actions ------------------------------------------------------------------------
    def show_evidence(self, event_index: int) -> None:
        self.tabs.setCurrentWidget(self.transcript)
        self.transcript.show_event(event_index)

    def copy_summary(self) -> None:
        if self.last_result is not None:
            text = ticket_summary(self.last_result, self.last_findings, secrets=self._run_secrets())
            QGuiApplication.clipboard().setText(text)
            self.statusBar().showMessage("Summary copied: paste it into the ticket.", 4000)

    def _run_secrets(self) -> tuple[Secret, ...]:
        # Every secret the shown run held (registered by the check), whatever the form holds by now.
        return self.controller.last_secrets.secrets()

    def ask_and_save_report(self) -> None:
        if self.last_result is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save report", suggested_filename(self.last_result), FILE_DIALOG_FILTER
        )
        if path:
            self.save_report_to(path)

    def save_report_to(self, path: str) -> Path | None:
        """Write the last result as a report (format from the extension); None after a message."""
        if self.last_result is None:
            return None
        try:
            saved = save_report(
                path,
                self.last_result,
                self.last_findings,
                secrets=self._run_secrets(),
                load_pdf_writer=lambda: html_to_pdf,
            )
        except SmtpDoctorError as exc:
            QMessageBox.warning(self, "Report not saved", str(exc))
            return None
        self.last_report_path = saved
        self.open_folder_action.setEnabled(True)
        self.statusBar().showMessage(f"Report saved: {saved}", 6000)
        return saved

    def open_report_folder(self) -> None:
        if self.last_report_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(containing_folder(self.last_report_path))))

    def _follow_palette(self) -> None:
        self.transcript.transcript.set_dark(is_dark())
        if self.last_result is not None:
            self.capabilities.show_capabilities(
                self.last_result.capabilities_before_tls, self.last_result.capabilities_after_tls
            )

    def load_plan(self, plan: ProbePlan, password: Secret | None = None) -> None:
        """Put a plan into the form (profiles and practice scenarios call this)."""
        self.form.set_plan(plan, password)

    # --- profiles and practice ------------------------------------------------------------------
    def _mark_dirty(self) -> None:
        self._dirty = True

    def _practice_chosen(self, scenario_id: str) -> None:
        if self.practice_panel is not None:
            self.load_practice(self.practice_panel.profiles[scenario_id])

    def load_practice(self, profile: PracticeProfile) -> None:
        if not self.confirm_discard():
            return
        credentials = profile.credentials
        self.load_plan(profile.plan, credentials.password or credentials.token)
        self._dirty = False
        self._showing_profile_id = None
        self.findings.verdict.show_idle(f"{profile.title}: {profile.lesson} Press Test (Ctrl+Enter).")

    def load_profile(self, profile: Profile | None) -> None:
        if profile is None or profile.id == self._showing_profile_id:
            return
        if self._keep_form:
            self._showing_profile_id = profile.id  # being created from the form by save_profile
            return
        if not self.confirm_discard():
            assert self.profile_panel is not None
            if self._showing_profile_id:
                self.profile_panel.select(self._showing_profile_id)
            return
        password = self._stored_password(profile)
        self.load_plan(plan_of(profile), password)
        self._dirty = False
        self._showing_profile_id = profile.id
        self.oauth.load_profile(profile)
        self.findings.verdict.show_idle(f"Profile '{profile.name}' loaded. Press Test (Ctrl+Enter).")

    def _stored_password(self, profile: Profile) -> Secret | None:
        store = self.services.secret_store
        if store is None or not profile.remember_secret:
            return None
        try:
            secret: Secret | None = store.get(profile.secret_ref(SecretKind.PASSWORD))
        except SmtpDoctorError as exc:
            self.statusBar().showMessage(f"Could not read the saved password: {exc}")
            return None
        return secret

    def save_profile(self) -> Profile | None:
        """Save the form into the selected profile (or a new one) and its password into the keyring.

        An invalid form saves nothing (neither the settings nor the password): the messages beside
        the fields say what to fix, as they do for Test.
        """
        panel = self.profile_panel
        if panel is None:
            return None
        plan = self.form.check()
        if plan is None:
            self.statusBar().showMessage("Fix the fields marked in red before saving.")
            return None
        base = panel.current_profile()
        if base is None:
            # The new, empty profile gets selected; it must not replace what the user typed (password too).
            self._keep_form = True
            try:
                base = panel.new_profile()
            finally:
                self._keep_form = False
        if base is None:
            return None
        remember = panel.remember.isChecked()
        profile = dataclasses.replace(profile_with_plan(base, plan), remember_secret=remember)
        profile = self.oauth.profile_with_oauth(profile)
        saved = panel._guarded(lambda: self.services.profile_store.save(profile))
        if saved is None:
            return None
        self._save_password(saved, remember)
        self.oauth.save_client_secret(saved)
        self._dirty = False
        self._showing_profile_id = saved.id
        self.statusBar().showMessage(f"Saved profile '{saved.name}'.", 4000)
        return saved

    def _save_password(self, profile: Profile, remember: bool) -> None:
        store = self.services.secret_store
        if store is None:
            return
        ref = profile.secret_ref(SecretKind.PASSWORD)
        try:
            if remember and not self.form.password.is_empty():
                store.set(ref, self.form.password.secret())
            else:
                store.delete(ref)
        except SmtpDoctorError as exc:
            QMessageBox.warning(self, "Password not saved", str(exc))

    def confirm_discard(self) -> bool:
        """True when there are no unsaved edits, or the user saved or discarded them."""
        if not self._dirty or self.profile_panel is None or self._showing_profile_id is None:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "The settings were changed but not saved. Save them to the profile?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_profile() is not None
        return answer == QMessageBox.StandardButton.Discard

    # --- window state -------------------------------------------------------------------------
    def restore_state(self) -> None:
        settings = self.services.settings
        for key, restore in (
            ("window/geometry", self.restoreGeometry),
            ("window/state", self.restoreState),
            ("window/main_split", self.main_split.restoreState),
            ("window/left_split", self.left_split.restoreState),
            ("window/results_split", self.results_split.restoreState),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)

    def save_state(self) -> None:
        settings = self.services.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/main_split", self.main_split.saveState())
        settings.setValue("window/left_split", self.left_split.saveState())
        settings.setValue("window/results_split", self.results_split.saveState())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.save_state()
        if self.find_settings_dialog is not None:
            self.find_settings_dialog.wait()
        self.oauth.cancel()
        self.controller.shutdown()
        super().closeEvent(event)
