"""Screenshot of the device-code sign-in for the README (run by hand under Xvfb; not collected by pytest).

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tests/bench/take_oauth_screenshot.py resources/screenshots

Starts the local fake Microsoft authority (HTTPS on loopback, a trustme CA) and the practice server,
fills the OAuth section, presses Test, and saves ``oauth-device-code.png`` with the real
device-code dialog open over the window while the sign-in waits. Then it presses Cancel.
"""

from __future__ import annotations

import ssl
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import trustme  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.lab import PracticeServer  # noqa: E402
from core.model import AuthMethod, CredentialKind, MessageSpec, ProbePlan, SecurityMode, TlsPolicy  # noqa: E402
from core.profiles.model import ProfileOAuth  # noqa: E402
from gui.app import build_services, create_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from tests.helpers.fake_authority import FakeAuthority, FakeUser  # noqa: E402

MAILBOX = "scanner@contoso.example"


def wait(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def composite(window: MainWindow) -> QPixmap:
    """The screen area of the window, so the dialog above it is in the picture (a grab leaves it out)."""
    screen = window.screen()
    area = window.frameGeometry()
    picture = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
    dialog = window.oauth.dialog
    if dialog is not None:
        # Xvfb runs no window manager, so the dialog has no frame: outline it so it reads as a dialog.
        painter = QPainter(picture)
        painter.setPen(QPen(QColor("#57606a"), 2))
        painter.drawRect(dialog.frameGeometry().translated(-area.x(), -area.y()).adjusted(-1, -1, 1, 1))
        painter.end()
    return picture


def main(out_dir: str) -> int:
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    app = create_application()
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(server_context)
    with tempfile.TemporaryDirectory() as scratch, PracticeServer() as lab:
        ca_file = str(Path(scratch) / "ca.pem")
        ca.cert_pem.write_to_path(ca_file)
        with FakeAuthority(server_context, pending_polls=None, interval=1) as authority:
            authority.user = FakeUser(upn=MAILBOX, name="Scanner")
            services = build_services(QSettings(str(Path(scratch) / "s.ini"), QSettings.Format.IniFormat))
            services.authority_ca_file = ca_file
            window = MainWindow(services)
            window.resize(1280, 860)
            window.show()
            window.load_plan(
                ProbePlan(
                    host="smtp.office365.com",
                    port=lab.submission_port,
                    security=SecurityMode.STARTTLS,
                    auth=AuthMethod.XOAUTH2,
                    username=MAILBOX,
                    credential_kind=CredentialKind.OAUTH_DELEGATED,
                    message=MessageSpec(mail_from=MAILBOX, rcpt_to=("it@contoso.example",)),
                    tls=TlsPolicy(ca_file=lab.ca_file),
                )
            )
            window.form.host.setText("127.0.0.1")
            window.form.oauth.set_profile_oauth(
                ProfileOAuth(
                    tenant=authority.tenant, client_id=authority.client_id, authority_host=authority.authority_host
                )
            )
            window.form._sync_enabled()
            wait(app, 0.3)
            window.start_test()
            deadline = time.monotonic() + 20
            while window.oauth.dialog is None and time.monotonic() < deadline:
                wait(app, 0.05)
            if window.oauth.dialog is None:
                raise SystemExit("the device-code dialog did not appear")
            wait(app, 1.2)
            path = target / "oauth-device-code.png"
            if not composite(window).save(str(path)):
                raise SystemExit(f"could not save {path}")
            print(f"saved {path} ({app.platformName()})")
            window.oauth.dialog.reject()
            wait(app, 0.5)
            window.controller.shutdown(5000)
            window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "resources" / "screenshots")))
