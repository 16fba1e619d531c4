"""A wrapper that keeps passwords and tokens out of reprs, logs and f-strings by accident."""

from __future__ import annotations

import base64
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
