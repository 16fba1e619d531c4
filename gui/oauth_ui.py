"""The window's OAuth behaviour: sign-in before Test, the device-code dialog, Sign in / Sign out.

``OAuthCoordinator`` connects the form's OAuth section and the probe controller. It picks where the
sign-in is kept (the selected profile's token cache, following its "Remember" rule; otherwise a
cache in memory for this session), shows ``DeviceCodeDialog`` when the device flow needs it (Cancel
stops the sign-in), opens the browser for the browser flow, and keeps the "Signed in as" line
current. Every MSAL and token-cache call runs on the thread pool; only prompts and names come back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices

from core.errors import SmtpDoctorError
from core.model import Credentials, ProbePlan
from core.oauth.cache import MemoryTokenCacheStore, TokenCacheStore
from core.oauth.settings import OAuthSettings
from core.oauth.tokens import DeviceCodePrompt
from core.profiles.model import Profile, SecretKind
from core.secret import Secret
from core.usecase.signin import SignIn
from gui.dialogs.device_code import DeviceCodeDialog
from gui.oauth_task import OAuthTask, accounts_work, sign_in_work, sign_out_work
from gui.widgets.oauth_section import SignInMethod

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class OAuthCoordinator(QObject):
    """Owned by the main window; holds no secret beyond the call that builds a request."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.section = window.form.oauth
        self.dialog: DeviceCodeDialog | None = None
        self.account_task: OAuthTask | None = None  # a Sign in or Sign out started with the buttons
        self.lookups: list[OAuthTask] = []  # "who is signed in" look-ups still running
        self._retired: list[OAuthTask] = []  # kept a little longer: ``finished`` comes before run() returns
        self._memory_caches: dict[tuple[str, str, str], MemoryTokenCacheStore] = {}
        controller = window.controller
        controller.device_code_needed.connect(lambda prompt: self.show_device_code(prompt, controller.stop))
        controller.browser_sign_in.connect(self.open_browser)
        controller.signed_in.connect(self._show_signed_in)
        controller.running_changed.connect(lambda running: None if running else self.close_dialog())
        self.section.sign_in_requested.connect(self.sign_in)
        self.section.sign_out_requested.connect(self.sign_out)

    # --- Test ---------------------------------------------------------------------------------
    def start_test(self, plan: ProbePlan) -> bool:
        """Start a run that signs in first; False (message shown beside the fields) if the settings are bad."""
        request = self.request()
        if request is None:
            self.window.statusBar().showMessage("Fix the sign-in settings marked in red, then press Test again.")
            return False
        return self.window.start_plan(plan, Credentials(), request)

    def request(self) -> SignIn | None:
        """The token request for the form's settings and the selected profile's cache (None if invalid)."""
        # None also covers "App-only: client secret" with no secret typed: the section says so.
        settings = self.window.form.oauth_settings(self.window.services.authority_ca_file)
        if settings is None:
            return None
        return SignIn(settings, self.cache_store(settings))

    def cache_store(self, settings: OAuthSettings) -> TokenCacheStore:
        """The profile's token cache; without a saved profile, one in memory per app and flow."""
        profile_store = self._profile_cache_store()
        if profile_store is not None:
            return profile_store
        key = (settings.authority, settings.client_id, settings.flow.value)
        return self._memory_caches.setdefault(key, MemoryTokenCacheStore())

    def current_profile(self) -> Profile | None:
        panel = self.window.profile_panel
        profile = panel.current_profile() if panel is not None else None
        return profile if profile is not None and profile.id == self.window._showing_profile_id else None

    # --- the device code and the browser ---------------------------------------------------------
    def show_device_code(self, prompt: DeviceCodePrompt, cancel: Callable[[], None]) -> DeviceCodeDialog:
        """Show the code and link; Cancel (or the code expiring) stops the sign-in."""
        self.close_dialog()
        dialog = DeviceCodeDialog(prompt, self.window)
        dialog.rejected.connect(cancel)
        self.dialog = dialog
        dialog.open()
        self.window.statusBar().showMessage("Waiting for the sign-in with the code…")
        return dialog

    def close_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.rejected.disconnect()  # closing after the run is not a Cancel
            dialog.accept()
            dialog.deleteLater()

    def open_browser(self, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))
        self.window.statusBar().showMessage("Finish the sign-in in the browser (a page opened for it)…")

    def _show_signed_in(self, account: str) -> None:
        self.close_dialog()
        self.section.show_account(account or "the app (no person)")

    # --- Sign in / Sign out / account line ---------------------------------------------------------
    def sign_in(self) -> OAuthTask | None:
        request = self.request()
        if request is None:
            self.window.statusBar().showMessage("Fix the sign-in settings marked in red first.")
            return None
        task = OAuthTask(sign_in_work(request))
        task.signals.device_code.connect(lambda prompt: self.show_device_code(prompt, task.cancel.cancel))
        task.signals.browser_url.connect(self.open_browser)
        task.signals.signed_in.connect(self._show_signed_in)
        task.signals.signed_in.connect(lambda _a: self.window.statusBar().showMessage("Signed in.", 4000))
        return self._start(task)

    def sign_out(self) -> OAuthTask | None:
        settings = self.window.form.oauth_settings(self.window.services.authority_ca_file)
        self.section.clear_message()  # signing out needs no valid settings
        store = self.cache_store(settings) if settings is not None else self._profile_cache_store()
        if store is None:
            self.section.show_account(None)
            return None
        request = SignIn(settings, store) if settings is not None else None
        task = OAuthTask(sign_out_work(request, store))
        task.signals.signed_out.connect(lambda: self.section.show_account(None))
        task.signals.signed_out.connect(lambda: self.window.statusBar().showMessage("Signed out.", 4000))
        return self._start(task)

    def refresh_account(self) -> OAuthTask | None:
        """Look up who is signed in for the current settings (quietly; nothing shown if unknown)."""
        self.section.show_account(None)
        flow = self.section.sign_in_method().flow
        if flow is None or not flow.is_delegated:
            return None
        try:
            settings = self.section.settings(self.window.form.user.text().strip() or None)
        except SmtpDoctorError:
            self.section.clear_message()  # a half-filled profile: no complaint before Test
            return None
        settings = dataclasses.replace(settings, ca_file=self.window.services.authority_ca_file)
        task = OAuthTask(accounts_work(SignIn(settings, self.cache_store(settings))))
        task.signals.accounts.connect(lambda names: self.section.show_account(names[0] if names else None))
        return self._start(task, account_action=False)

    def _profile_cache_store(self) -> TokenCacheStore | None:
        profile = self.current_profile()
        service = self.window.services.profile_service()
        return service.token_cache_store(profile) if profile is not None and service is not None else None

    def _start(self, task: OAuthTask, *, account_action: bool = True) -> OAuthTask:
        """Run ``task`` on the pool (its signals are connected before it can emit).

        Sign in and Sign out are account actions: one at a time, and the window keeps a handle to
        cancel them; looking up the account line is not, and never complains.
        """
        if account_action:
            self.account_task = task
            self.section.sign_in_button.setEnabled(False)
            task.signals.failed.connect(self._failed)
        else:
            self.lookups.append(task)
        task.signals.finished.connect(lambda: self._finished(task))
        self.window.services.probe_pool.start(task)
        return task

    def _failed(self, message: str) -> None:
        self.close_dialog()
        self.window.statusBar().showMessage(f"Sign-in: {message}")

    def _finished(self, task: OAuthTask) -> None:
        self._retired = [*self._retired[-3:], task]
        if task in self.lookups:
            self.lookups.remove(task)
        if self.account_task is task:
            self.account_task = None
            self.section.sign_in_button.setEnabled(not self.window.controller.is_running)
        if self.dialog is not None and not self.window.controller.is_running:
            self.close_dialog()

    def cancel(self) -> None:
        """Stop a Sign in started by the button (closing the window)."""
        if self.account_task is not None:
            self.account_task.cancel.cancel()

    # --- profiles ---------------------------------------------------------------------------------
    def load_profile(self, profile: Profile) -> None:
        """Show the profile's OAuth settings and stored client secret; then who is signed in."""
        pasted = self.section.sign_in_method() is SignInMethod.PASTED_TOKEN
        self.section.set_profile_oauth(profile.oauth, self._stored_client_secret(profile))
        if pasted and not profile.oauth.client_id:
            self.section.set_sign_in_method(SignInMethod.PASTED_TOKEN)  # a saved token, not a sign-in
        self.window.form._sync_enabled()
        if profile.credential_kind.is_oauth:
            self.refresh_account()

    def profile_with_oauth(self, profile: Profile) -> Profile:
        return dataclasses.replace(profile, oauth=self.section.profile_oauth(profile.oauth))

    def save_client_secret(self, profile: Profile) -> None:
        """Keep the typed client secret (keyring or session, by the profile's rule); forget it when unused."""
        service = self.window.services.profile_service()
        if service is None:
            return
        method = self.section.sign_in_method()
        value: Secret | None = self.section.client_secret_value()
        if method is SignInMethod.APP_SECRET and value is None:
            return  # nothing typed: keep what is stored
        try:
            service.save(profile, {SecretKind.CLIENT_SECRET: value}, allow_session_only=True)
        except SmtpDoctorError as exc:
            self.window.statusBar().showMessage(f"The client secret was not saved: {exc}")

    def _stored_client_secret(self, profile: Profile) -> Secret | None:
        service = self.window.services.profile_service()
        if service is None or SignInMethod.of(profile.oauth) is not SignInMethod.APP_SECRET:
            return None
        try:
            return service.secret(profile, SecretKind.CLIENT_SECRET)
        except SmtpDoctorError as exc:
            self.window.statusBar().showMessage(f"Could not read the saved client secret: {exc}")
            return None
