"""A tiny OAuth 2.0 token introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb.

Dovecot checks every XOAUTH2/OAUTHBEARER token by POSTing ``token=...`` here. The answer comes
from a JSON file that tests rewrite whenever they mint a token::

    {"good-token": {"username": "alice@example.test", "active": true}, ...}

Unknown tokens get ``{"active": false}``. The file is read on every request, so a new token works
at once. Each request is logged (without the token) to stderr. Run by ``mailpeer.sh``::

    python introspect.py --port 12345 --tokens BASE/tokens.json --pid-file BASE/run/introspect.pid

It stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

INTROSPECTION_PATH = "/introspect"


def lookup(tokens_file: Path, token: str) -> dict[str, object]:
    """The introspection answer for ``token`` according to the table in ``tokens_file``."""
    try:
        table = json.loads(tokens_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        table = {}
    entry = table.get(token) if isinstance(table, dict) else None
    if not isinstance(entry, dict) or not entry.get("active", False):
        return {"active": False}
    return {"active": True, "username": str(entry.get("username", "")), "scope": "mail"}


class IntrospectionHandler(BaseHTTPRequestHandler):
    """Answers POST /introspect; everything else is 404."""

    tokens_file: Path  # set on the subclass built in make_server

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != INTROSPECTION_PATH:
            self._send_json(404, {"error": "not_found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        token = form.get("token", [""])[0]
        answer = lookup(self.tokens_file, token)
        self._send_json(200, answer)

    def do_GET(self) -> None:
        self._send_json(404, {"error": "not_found"})

    def _send_json(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        # The request line never carries the token (it is in the body), so this is safe to log.
        sys.stderr.write(f"introspect: {format % args}\n")


def make_server(host: str, port: int, tokens_file: Path) -> ThreadingHTTPServer:
    handler = type("BoundIntrospectionHandler", (IntrospectionHandler,), {"tokens_file": tokens_file})
    return ThreadingHTTPServer((host, port), handler)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens", type=Path, required=True, help="JSON file: token -> {username, active}")
    parser.add_argument("--pid-file", type=Path, required=True, help="written once the server listens")
    return parser.parse_args()


def main() -> None:
    args = _parse_args()
    server = make_server(args.host, args.port, args.tokens)
    # serve_forever runs in a thread so the main thread can wait for a signal and shut it down.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread.start()
    args.pid_file.write_text(f"{os.getpid()}\n")
    stop.wait()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
