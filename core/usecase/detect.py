"""Find the settings that work: the use case behind ``smtp-doctor detect`` and the app's Find settings.

``find_settings(request)`` probes every port and encryption combination of the request at once,
recommends the one to type into the device (with the reason), logs in on it when a secret is given,
and adds the pre-flight checks (message size, password characters, clock). The matrix, the ranking
and the login live in ``core.detect``; this is the one door both front ends go through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.cancel import CancelToken
from core.detect import DEFAULT_PORTS
from core.detect.matrix import MatrixRow
from core.detect.session import DetectOutcome, run_detect
from core.model import Credentials, ProbePlan
from core.preflight import TYPICAL_SCAN_BYTES
from core.secret import SecretRegistry


@dataclass(frozen=True)
class DetectRequest:
    """What to examine: the base plan (host, TLS policy, EHLO name, timeouts, device class), the ports."""

    base: ProbePlan
    ports: tuple[int, ...] = DEFAULT_PORTS
    credentials: Credentials = field(default_factory=Credentials)  # a login on the recommendation, if any
    attachment_bytes: int = TYPICAL_SCAN_BYTES  # a typical scan, checked against the server's SIZE


def find_settings(
    request: DetectRequest,
    *,
    cancel: CancelToken | None = None,
    on_row: Callable[[MatrixRow], None] | None = None,
    secrets: SecretRegistry | None = None,
) -> DetectOutcome:
    """Run the matrix (``on_row`` sees each row as it finishes) and return the whole outcome."""
    if secrets is not None:
        secrets.add(request.credentials.password, request.credentials.token)
    wants_login = bool(request.credentials.password or request.credentials.token)
    return run_detect(
        request.base,
        request.ports,
        request.credentials if wants_login else None,
        attachment_bytes=request.attachment_bytes,
        cancel=cancel,
        on_row=on_row,
    )
