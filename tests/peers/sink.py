"""The mail sink behind the Postfix peer: every message Postfix relays lands here as a file.

Postfix relays accepted mail to ``relayhost = [127.0.0.1]:SINK_PORT``; this aiosmtpd server writes
each message, byte for byte, to ``DIR/NNNNNN.eml`` and the envelope to ``DIR/NNNNNN.json``. Files
appear atomically (written under a temporary name, then renamed), so a test that polls the
folder never reads half a message. Run by ``mailpeer.sh`` as its own process::

    python sink.py --port 12345 --dir BASE/sink --pid-file BASE/run/sink.pid

It stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class FileSink:
    """aiosmtpd handler that stores every message it receives under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            stem = f"{next(self._numbers):06d}"
        details = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        # The envelope first: a reader that sees the .eml can rely on the .json being there.
        _write_atomically(self.folder / f"{stem}.json", json.dumps(details).encode("utf-8"))
        _write_atomically(self.folder / f"{stem}.eml", bytes(envelope.original_content))
        return "250 2.0.0 Stored in the test sink"


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True, help="where .eml and .json files go")
    parser.add_argument("--pid-file", type=Path, required=True, help="written once the sink accepts mail")
    return parser.parse_args()


def main() -> None:
    args = _parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller = Controller(FileSink(args.dir), hostname=args.host, port=args.port)
    controller.start()  # returns once the server answers, so the pid file means "ready"
    args.pid_file.write_text(f"{os.getpid()}\n")
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
