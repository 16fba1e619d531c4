"""The "Find settings" dialog: the port x encryption matrix as a grid, and the one setting to use.

The dialog starts from the form's server name, certificate settings and (optionally) its login,
runs ``core.usecase.detect.find_settings`` on its own thread pool, fills the grid row by row as each
combination finishes, and shows the recommendation with its reason. "Use these settings" puts the
recommended server, port and encryption into the settings form.

Only frozen core values cross signals (``MatrixRow``, ``DetectOutcome``); the ``Credentials`` go
by reference into the task and are dropped as soon as the run returns.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import validate
from core.cancel import CancelToken
from core.detect import DEFAULT_PORTS
from core.detect.matrix import MatrixRow, combinations, detect_timeouts
from core.detect.session import DetectOutcome
from core.devices import DEVICES
from core.errors import InputError
from core.model import AuthMethod, CredentialKind, Credentials, ProbePlan, SecurityMode, TlsPolicy
from core.usecase.detect import DetectRequest, find_settings
from gui.icons import Glyph, icon
from gui.widgets.settings_form import SettingsForm

COLUMNS = ("Port", "Encryption", "Reached", "TLS", "Certificate", "AUTH before TLS", "AUTH after TLS", "Result", "Time")
_TIMEOUT_SECONDS = 8.0
_SECURITY_CHOICES = (SecurityMode.NONE, SecurityMode.STARTTLS, SecurityMode.TLS)


@dataclass(frozen=True)
class DetectSeed:
    """What the dialog starts from: the form's server, certificate settings and login."""

    host: str
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    username: str | None = None
    credentials: Credentials = field(default_factory=Credentials, repr=False)


def seed_from_form(form: SettingsForm) -> DetectSeed:
    """The form's current server, certificate settings and (when SMTP authentication is on) login."""
    ca_file = form.ca_file.text().strip() or None if form.verify.isChecked() else None
    tls = TlsPolicy(verify=form.verify.isChecked(), ca_file=ca_file)
    login = form.auth.isChecked() and not form.password.is_empty() and bool(form.user.text().strip())
    if not login:
        return DetectSeed(form.host.text().strip(), tls)
    secret = form.password.secret()
    oauth = form.kind.currentData() is CredentialKind.OAUTH_DELEGATED
    credentials = Credentials(token=secret) if oauth else Credentials(password=secret)
    return DetectSeed(form.host.text().strip(), tls, form.user.text().strip(), credentials)


def apply_to_form(form: SettingsForm, host: str, port: int, security: SecurityMode) -> None:
    """Put the found server, port and encryption into the form (as if the user had typed them)."""
    form.host.setText(host)
    form.port.setText(str(port))
    form.security.setCurrentIndex(_SECURITY_CHOICES.index(security))
    form.changed.emit()


class _TaskSignals(QObject):
    row_ready = Signal(object)  # MatrixRow, emitted from the matrix's worker threads
    finished = Signal(object)  # DetectOutcome
    crashed = Signal(str)


class DetectTask(QRunnable):
    """One detect run on a pool thread; never touches a widget."""

    def __init__(
        self, plan: ProbePlan, ports: tuple[int, ...], credentials: Credentials | None, cancel: CancelToken
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _TaskSignals()
        self._plan, self._ports, self._cancel = plan, ports, cancel
        self._credentials = credentials

    def run(self) -> None:
        credentials, self._credentials = self._credentials, None
        try:
            request = DetectRequest(self._plan, self._ports, credentials or Credentials())
            outcome = find_settings(request, cancel=self._cancel, on_row=self.signals.row_ready.emit)
        except Exception:  # noqa: BLE001 - a bug in core must show, never hang the dialog
            self.signals.crashed.emit(traceback.format_exc(limit=8))
            return
        self.signals.finished.emit(outcome)


class FindSettingsDialog(QDialog):
    """Probe every port and encryption mode, show the grid, recommend one setting."""

    settings_chosen = Signal(str, int, object)  # host, port, SecurityMode
    run_finished = Signal(object)  # DetectOutcome (for tests and tools)

    def __init__(self, seed: DetectSeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find settings")
        self.setWindowIcon(icon(Glyph.INFO))
        self._seed = seed
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._task: DetectTask | None = None
        self._cancel: CancelToken | None = None
        self._rows: dict[tuple[int, SecurityMode], int] = {}
        self.outcome: DetectOutcome | None = None
        self._build()
        self.resize(980, 560)

    # --- construction -------------------------------------------------------------------------
    def _build(self) -> None:
        self.host = QLineEdit(self._seed.host, placeholderText="smtp.example.com")
        self.ports = QLineEdit(", ".join(str(p) for p in DEFAULT_PORTS))
        self.ports.setToolTip("The ports to try, separated by commas. Each is tried with None, STARTTLS and SSL/TLS.")
        self.device = QComboBox()
        self.device.addItem("This computer (no restrictions)", None)
        for device in DEVICES:
            self.device.addItem(device.label, device.id)
            self.device.setItemData(self.device.count() - 1, f"{device.description}\n{device.summary()}",
                                    Qt.ItemDataRole.ToolTipRole)  # fmt: skip
        self.device.setToolTip("Try only what this class of printer can do (TLS versions, ciphers, SSL/TLS, login).")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0.5, 60.0)
        self.timeout.setSingleStep(1.0)
        self.timeout.setValue(_TIMEOUT_SECONDS)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("How long to wait for each step; a blocked or silent port costs this long.")
        self.login = QCheckBox("Then log in on the recommended setting with the form's login name and password")
        self.login.setEnabled(bool(self._seed.username))
        self.login.setChecked(bool(self._seed.username))
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #cf222e")
        self.problem.hide()
        form = QFormLayout()
        form.addRow("SMTP server:", self.host)
        form.addRow("Ports:", self.ports)
        form.addRow("Device:", self.device)
        form.addRow("Wait per step:", self.timeout)
        form.addRow("", self.login)
        form.addRow("", self.problem)

        self.grid = QTableWidget(0, len(COLUMNS))
        self.grid.setHorizontalHeaderLabels(COLUMNS)
        self.grid.verticalHeader().hide()
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grid.horizontalHeader().setStretchLastSection(True)
        self.recommendation = QLabel("Press Start to try every port and encryption.")
        self.recommendation.setWordWrap(True)
        self.recommendation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.start_button = QPushButton(icon(Glyph.OK), "Start")
        self.start_button.setDefault(True)
        self.stop_button = QPushButton(icon(Glyph.FAIL), "Stop")
        self.stop_button.setEnabled(False)
        self.use_button = QPushButton("Use these settings")
        self.use_button.setToolTip("Put the recommended server, port and encryption into the settings form")
        self.use_button.setEnabled(False)
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.recommendation)
        layout.addLayout(buttons)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.use_button.clicked.connect(self.use_recommendation)
        self.close_button.clicked.connect(self.close)

    # --- running ------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self._task is not None

    def start(self) -> bool:
        """Validate the host and ports and start the run; False (with the reason shown) if invalid."""
        if self._task is not None:
            return False
        try:
            host = validate.host(self.host.text(), "SMTP server")
            ports = _parse_ports(self.ports.text())
        except InputError as exc:
            self.problem.setText(f"✖ {exc.field}: {exc.message}")
            self.problem.show()
            return False
        self.problem.hide()
        plan = self._plan(host)
        self._prepare_grid(ports)
        self._cancel = CancelToken()
        credentials = self._seed.credentials if self.login.isChecked() else None
        task = DetectTask(plan, ports, credentials, self._cancel)
        task.signals.row_ready.connect(self._show_row)
        task.signals.finished.connect(self._finished)
        task.signals.crashed.connect(self._crashed)
        self._task = task
        self._set_running(True)
        self.recommendation.setText(f"Trying {len(ports) * 3} combinations on {host}…")
        self._pool.start(task)
        return True

    def _plan(self, host: str) -> ProbePlan:
        login = self.login.isChecked() and self._seed.username
        token = self._seed.credentials.token is not None
        return ProbePlan(
            host=host,
            port=587,
            auth=(AuthMethod.XOAUTH2 if token else AuthMethod.AUTO) if login else AuthMethod.NONE,
            username=self._seed.username if login else None,
            send=False,
            tls=self._seed.tls,
            timeouts=detect_timeouts(self.timeout.value()),
            device_profile=self.device.currentData(),
        )

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
            self.recommendation.setText("Stopping…")

    def wait(self, milliseconds: int = 5000) -> None:
        self.stop()
        self._pool.waitForDone(milliseconds)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for widget in (self.host, self.ports, self.device, self.timeout):
            widget.setEnabled(not running)
        self.login.setEnabled(not running and bool(self._seed.username))
        if running:
            self.use_button.setEnabled(False)

    def _finished(self, outcome: DetectOutcome) -> None:
        self._task = self._cancel = None
        self._set_running(False)
        self.outcome = outcome
        for row in outcome.rows:  # reconciled rows replace the live ones
            self._show_row(row)
        self._show_recommendation(outcome)
        self.run_finished.emit(outcome)

    def _crashed(self, text: str) -> None:
        self._task = self._cancel = None
        self._set_running(False)
        self.recommendation.setText("The search stopped because of a bug in SMTP Doctor:\n" + text)

    # --- the grid -----------------------------------------------------------------------------
    def _prepare_grid(self, ports: tuple[int, ...]) -> None:
        combos = combinations(ports)
        self.grid.setRowCount(len(combos))
        self._rows = {}
        for number, combo in enumerate(combos):
            self._rows[(combo.port, combo.security)] = number
            cells = [str(combo.port), combo.security.label, "", "", "", "", "", "trying…", ""]
            for column, text in enumerate(cells):
                self.grid.setItem(number, column, QTableWidgetItem(text))
            _item(self.grid, number, 7).setIcon(icon(Glyph.RUNNING))

    def _show_row(self, row: MatrixRow) -> None:
        number = self._rows.get((row.port, row.security))
        if number is None:
            return
        cells = _cells(row)
        for column, (text, glyph) in enumerate(cells):
            item = QTableWidgetItem(text)
            if glyph is not None:
                item.setIcon(icon(glyph))
            if column == 7 and row.message:
                item.setToolTip(row.message)
            self.grid.setItem(number, column, item)

    def row_texts(self, port: int, security: SecurityMode) -> list[str]:
        """The cells of one grid row as shown (for tests and screenshots)."""
        number = self._rows[(port, security)]
        return [_item(self.grid, number, column).text() for column in range(len(COLUMNS))]

    def _show_recommendation(self, outcome: DetectOutcome) -> None:
        best = outcome.recommendation
        if best is None:
            causes = sorted({row.error_code for row in outcome.rows if row.error_code})
            self.recommendation.setText(
                "No combination works: nothing to type into the device yet. Causes seen: " + ", ".join(causes)
            )
            return
        number = self._rows[(best.port, best.security)]
        bold = QFont(self.grid.font())
        bold.setBold(True)
        for column in range(len(COLUMNS)):
            _item(self.grid, number, column).setFont(bold)
        self.grid.selectRow(number)
        text = f"<b>Recommended: {outcome.host}, port {best.port}, {best.security.label}</b><br>{_escape(best.reason)}"
        if outcome.auth is not None:
            auth = outcome.auth
            state = f"worked (AUTH {auth.mechanism})" if auth.ok else f"failed: {_escape(auth.message or '')}"
            text += f"<br>Login with the form's account {state}."
        warnings = [p.finding.title for p in outcome.findings if p.finding.severity.value == "warning"]
        if warnings:
            text += "<br>Check also: " + "; ".join(_escape(w) for w in warnings) + "."
        self.recommendation.setText(text)
        self.use_button.setEnabled(True)

    def use_recommendation(self) -> None:
        outcome = self.outcome
        if outcome is None or outcome.recommendation is None:
            return
        best = outcome.recommendation
        self.settings_chosen.emit(outcome.host, best.port, best.security)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.wait()
        super().closeEvent(event)


def _item(grid: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    item = grid.item(row, column)
    assert item is not None, "every cell is filled when the grid is prepared"
    return item


def _parse_ports(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if not parts:
        raise InputError("Ports", "Enter at least one port, e.g. 587, 465, 25.")
    ports = tuple(dict.fromkeys(validate.port(part, "Ports") for part in parts))
    if len(ports) > 16:
        raise InputError("Ports", "At most 16 ports at a time.")
    return ports


def _cells(row: MatrixRow) -> list[tuple[str, Glyph | None]]:
    if row.skipped:
        skipped = [("–", None)] * 5
        return [(str(row.port), None), (row.security.label, None), *skipped, ("not possible on this device",
                Glyph.SKIPPED), ("", None)]  # fmt: skip
    reached = {True: ("yes", Glyph.OK), False: ("no", Glyph.FAIL), None: ("–", Glyph.PENDING)}[row.reachable]
    certificate = {True: ("valid", Glyph.LOCK), False: ("NOT trusted", Glyph.WARNING), None: ("–", None)}[
        row.certificate_valid
    ]
    if row.works:
        result: tuple[str, Glyph | None] = ("works", Glyph.OK)
    elif row.session_ok:
        result = ("works, certificate not trusted", Glyph.WARNING)
    else:
        result = (row.error_code or "failed", Glyph.FAIL)
    return [
        (str(row.port), None),
        (row.security.label, None),
        reached,
        (row.tls_version or "–", Glyph.LOCK if row.tls_version else None),
        certificate,
        (_mechanisms(row.auth_before_tls), None),
        (_mechanisms(row.auth_after_tls), None),
        result,
        (f"{row.milliseconds:.0f} ms", None),
    ]


def _mechanisms(value: tuple[str, ...] | None) -> str:
    if value is None:
        return "–"
    return " ".join(value) if value else "(none)"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
