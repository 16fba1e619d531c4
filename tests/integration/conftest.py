"""Real aiosmtpd servers on 127.0.0.1: ``smtpd(mode, **smtp_kwargs)`` starts one, the test stops it."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.integration.support import SERVER_NAME, RecordingHandler, free_port, make_authenticator


@dataclass
class Server:
    port: int
    handler: RecordingHandler
    controller: Controller


ServerFactory = Callable[..., Server]


@pytest.fixture
def smtpd(server_ssl_context: ssl.SSLContext) -> Iterator[ServerFactory]:
    """Start aiosmtpd controllers: ``smtpd(mode="starttls"|"tls"|"plain", **smtp_kwargs)``."""
    started: list[Controller] = []

    def start(mode: str = "starttls", **kwargs: Any) -> Server:
        handler = kwargs.pop("handler", None) or RecordingHandler()
        options: dict[str, Any] = {
            "authenticator": make_authenticator(handler),
            "hostname": "127.0.0.1",
            "server_hostname": SERVER_NAME,
            "ready_timeout": 10.0,
        }
        if mode == "starttls":
            options |= {"tls_context": server_ssl_context, "require_starttls": True, "auth_require_tls": True}
        elif mode == "tls":
            # aiosmtpd#281: implicit TLS is not seen as TLS, so AUTH must not require it.
            options |= {"ssl_context": server_ssl_context, "auth_require_tls": False}
        else:
            options |= {"auth_require_tls": False}
        options |= kwargs
        port = free_port()
        controller = Controller(handler, port=port, **options)
        controller.start()
        started.append(controller)
        return Server(port, handler, controller)

    yield start
    for controller in started:
        controller.stop()
