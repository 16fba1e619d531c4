"""A wrapper that keeps passwords and tokens out of reprs, logs and f-strings by accident."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from typing import Final

_MASK: Final = "***"


class Secret:
    """A sensitive string (password, app password, access token, client secret).

    ``str()``, ``repr()`` and formatting all show ``***``; :meth:`reveal` is the only way to the
    value, so every place that needs it is easy to find with a search.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the plain value. Call only where the value goes onto the wire or into a store."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the value to wherever the pickle goes (a Qt signal queue, a file).
        raise TypeError("Secret values cannot be pickled")


def secret_forms(value: str) -> set[str]:
    """Every form in which ``value`` could appear in an SMTP session or a file.

    Used by redaction and by the leak tests: the value itself, its base64 (alone and as part of
    the AUTH PLAIN and XOAUTH2 payloads is handled by the caller, who knows the user name), and
    URL-safe base64.
    """
    if not value:
        return set()
    raw = value.encode("utf-8")
    forms = {value, base64.b64encode(raw).decode("ascii"), base64.urlsafe_b64encode(raw).decode("ascii")}
    # Without padding, as some encoders write it.
    forms |= {f.rstrip("=") for f in list(forms) if f.endswith("=")}
    return forms


class SecretRegistry:
    """Every secret one run holds, registered once when it appears (the typed password, a fetched token).

    The check registers what it presents and what it fetches; whoever saves the run's report later
    redacts with the same registry, never with whatever a form field holds by then. Safe to add to
    from the thread that runs the check while another thread reads.
    """

    def __init__(self, secrets: Iterable[Secret | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: list[Secret] = []
        self.add(*secrets)

    def add(self, *secrets: Secret | None) -> None:
        with self._lock:
            self._secrets += [s for s in secrets if s and s not in self._secrets]

    def secrets(self) -> tuple[Secret, ...]:
        with self._lock:
            return tuple(self._secrets)

    def values(self) -> list[str]:
        """Plain values, for redaction only."""
        return [s.reveal() for s in self.secrets()]

    def __repr__(self) -> str:
        return f"SecretRegistry({len(self._secrets)} secrets)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("SecretRegistry values cannot be pickled")
