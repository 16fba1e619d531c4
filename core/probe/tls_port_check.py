"""While a plaintext greeting is awaited, quietly ask the same port whether it speaks TLS.

A greeting that never comes has two usual causes: the port expects implicit TLS (it waits for our
ClientHello, as port 465 does) or the server is stalled. Port numbers cannot tell them apart: 465
is a convention, and custom or practice listeners use other numbers. A ServerHello can. The check
runs on a second connection in a background thread that starts after a short silence and is
stopped as soon as the greeting arrives, so it never makes a run longer than its greeting deadline.

A port that is silent for another reason can give itself away too: a web server waits for a
request as well, and answers the ClientHello with a plaintext ``HTTP/1.1 400 Bad Request``.
"""

from __future__ import annotations

import threading

from core.cancel import CancelToken
from core.errors import ProbeError
from core.model import TlsPolicy
from core.transport.deadline import Deadline
from core.transport.socket_transport import SocketTransport
from core.transport.tls import TlsHandshakeFailure, build_context

# Most greetings arrive within milliseconds; only a silence this long starts the second connection.
START_AFTER_SECONDS = 1.0


class TlsPortCheck:
    """Started when the greeting wait begins; ``tls_version`` is set if the port answered TLS."""

    def __init__(self, host: str, port: int, greeting: Deadline, run_cancel: CancelToken) -> None:
        self.tls_version: str | None = None
        self.plaintext_service: str | None = None  # "HTTP" when the port answered TLS like a web server
        self._host, self._port = host, port
        self._greeting = greeting
        self._run_cancel = run_cancel
        self._stop = CancelToken()
        # Start after a third of the greeting allowance at most, so the check can finish in time.
        self._delay = min(START_AFTER_SECONDS, greeting.remaining() / 3)
        self._thread = threading.Thread(target=self._run, name="smtp-doctor-tls-port-check", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the check (the greeting came, or the wait is over) and wait briefly for the thread."""
        self._stop.cancel()
        self._thread.join(timeout=1.0)

    def _run(self) -> None:
        if self._stop.wait(self._delay) or self._run_cancel.cancelled:
            return
        # Only "does this port speak TLS?" matters here; the certificate is checked by the real run.
        context = build_context(TlsPolicy(verify=False))
        transport = SocketTransport(cancel=self._stop)
        try:
            transport.connect(self._host, self._port, self._greeting.child(self._greeting.remaining()))
            info = transport.start_tls(context, self._host, self._greeting.child(self._greeting.remaining()))
            self.tls_version = info.version or "TLS"
        except TlsHandshakeFailure as exc:
            self.plaintext_service = plaintext_service(exc.received)
        except ProbeError:
            pass  # no TLS (or no answer in time): the silence stays unexplained
        finally:
            transport.close()


def plaintext_service(received: bytes) -> str | None:
    """The service that answered a TLS ClientHello in plaintext, named from its first bytes."""
    if received.startswith(b"HTTP/"):
        return "HTTP"
    return None
