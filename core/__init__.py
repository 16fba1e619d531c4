"""SMTP Doctor's engine: everything that is not a widget.

Nothing under ``core`` imports Qt; the desktop app (``gui``) and the headless command line both
sit on top of it. The package is split by responsibility:

- ``core.smtp``: the sans-I/O SMTP client conversation (bytes in, typed replies out);
- ``core.transport``: sockets, TLS and deadlines;
- ``core.probe``: the runner that drives a conversation over a transport and records a transcript;
- ``core.diagnosis``: findings with plain-language explanations and fixes;
- ``core.report``: JSON, text and HTML renderings of a result, redacted;
- ``core.cli``: the ``smtp-doctor`` command line.
"""

from __future__ import annotations

__version__ = "0.1.0"
