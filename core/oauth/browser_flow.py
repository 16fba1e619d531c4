"""Interactive sign-in in a browser on this PC, with a Cancel that works.

MSAL's ``acquire_token_interactive`` opens the browser itself, shows the sign-in link only when no
browser starts, and cannot be cancelled. So this module uses MSAL's two public halves of the same
flow (``initiate_auth_code_flow`` / ``acquire_token_by_auth_code_flow``, PKCE and state included)
and runs the redirect receiver itself: a one-shot HTTP server on 127.0.0.1 that takes the
``form_post`` reply. The caller gets the sign-in link (to open and to show, copyable) and the wait
ends on the reply, on Cancel, or after ``timeout`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs

from core.cancel import CancelToken
from core.errors import Cancelled
from core.oauth.errors import TokenError
from core.secret import Secret

BrowserOpener = Callable[[str], None]
DEFAULT_TIMEOUT = 300.0  # seconds for a person to finish signing in
_PAGE_DONE = b"<html><body><p>Sign-in finished. You can close this tab and return to SMTP Doctor.</p></body></html>"
_PAGE_WAITING = b"<html><body><p>SMTP Doctor is waiting for the sign-in reply.</p></body></html>"


class _Receiver(HTTPServer):
    """Loopback server that keeps the first form POST carrying the expected state."""

    def __init__(self, state: str) -> None:
        super().__init__(("127.0.0.1", 0), _ReplyHandler)
        self.expected_state = state
        self.reply: dict[str, str] | None = None
        self.arrived = threading.Event()


class _ReplyHandler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace")).items()}
        # A reply for another sign-in (or a forged one) is ignored: the state must match.
        if form.get("state") != self.server.expected_state or not ("code" in form or "error" in form):
            self._answer(400, b"Unexpected sign-in reply.")
            return
        self._answer(200, _PAGE_DONE)
        if self.server.reply is None:
            self.server.reply = form
            self.server.arrived.set()

    def do_GET(self) -> None:
        self._answer(200, _PAGE_WAITING)

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return  # the request line carries the authorization code: never log it


def _open_default_browser(url: str) -> None:
    import webbrowser

    if not webbrowser.open(url):
        raise TokenError("no_browser", "No web browser could be started on this computer; use device-code sign-in.")


def run_browser_flow(
    app: Any,
    scopes: Iterable[str],
    login_hint: str | None,
    on_browser_url: BrowserOpener | None,
    cancel: CancelToken,
    secrets: Iterable[Secret | None] = (),
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Open the sign-in page, wait for its reply on loopback, and redeem the code for tokens."""
    receiver = _Receiver(state="")
    port = receiver.server_address[1]
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    try:
        # Entra ID accepts any port for a "http://localhost" redirect URI registered on the app.
        flow: dict[str, Any] = app.initiate_auth_code_flow(
            list(scopes),
            redirect_uri=f"http://localhost:{port}",
            login_hint=login_hint,
            prompt="select_account",
            response_mode="form_post",
        )
        receiver.expected_state = str(flow["state"])
        thread.start()
        (on_browser_url or _open_default_browser)(str(flow["auth_uri"]))
        reply = _wait_for_reply(receiver, cancel, timeout)
    finally:
        if thread.is_alive():
            receiver.shutdown()
        receiver.server_close()
    if "error" in reply:
        raise TokenError.from_reply(reply, secrets)
    try:
        result: dict[str, Any] = app.acquire_token_by_auth_code_flow(flow, reply)
    except (ValueError, RuntimeError) as exc:
        # MSAL's own checks of the reply (state, nonce) failed: a reply for another sign-in.
        raise TokenError("invalid_reply", f"The sign-in reply did not match this sign-in: {exc}") from None
    return result


def _wait_for_reply(receiver: _Receiver, cancel: CancelToken, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while not receiver.arrived.is_set():
        if cancel.wait(0.05):
            raise Cancelled("Sign-in cancelled.")
        if time.monotonic() >= deadline:
            raise TokenError("timeout", f"The sign-in in the browser was not finished within {timeout:.0f} seconds.")
    assert receiver.reply is not None
    return receiver.reply
