"""Checks for everything a person types, shared by the form and the command line.

Each function returns a clean value or raises ``InputError(field, message)`` whose message is one
sentence a technician can act on. Nothing here touches the network.
"""

from __future__ import annotations

import ipaddress
import re

from core.errors import InputError
from core.model import TLS_VERSIONS, AuthMethod, SecurityMode

MAX_HOST = 253  # RFC 1035 limit for a full domain name
MAX_ADDRESS = 254  # RFC 5321 path limit less the angle brackets
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BRACKETED_WITH_PORT = re.compile(r"^\[([^\]]+)\]:(\d+)$")

# Printer web pages and other tools name the modes in many ways.
_SECURITY_WORDS = {
    "none": SecurityMode.NONE,
    "off": SecurityMode.NONE,
    "plain": SecurityMode.NONE,
    "no": SecurityMode.NONE,
    "starttls": SecurityMode.STARTTLS,
    "start-tls": SecurityMode.STARTTLS,
    "explicit": SecurityMode.STARTTLS,
    "tls": SecurityMode.TLS,
    "ssl": SecurityMode.TLS,
    "ssl/tls": SecurityMode.TLS,
    "smtps": SecurityMode.TLS,
    "implicit": SecurityMode.TLS,
}


def ip_address(text: str, field: str) -> str:
    """An IPv4 or IPv6 address (brackets allowed), normalised."""
    value = (text or "").strip().removeprefix("[").removesuffix("]")
    if not _is_ip(value):
        raise InputError(field, f"'{text}' is not an IP address (for example 203.0.113.25 or 2001:db8::25).")
    return str(ipaddress.ip_address(value))


def host(text: str, field: str = "host") -> str:
    """A host name or IP literal; IPv6 may come with or without brackets."""
    value = (text or "").strip()
    if not value:
        raise InputError(field, "Enter the SMTP server's name, for example smtp.office365.com.")
    if _CONTROL.search(value):
        raise InputError(field, "The server name contains a line break or control character.")
    scheme = _SCHEME.match(value)
    if scheme:
        raise InputError(
            field,
            f"Type only the server name, without '{scheme.group(1)}://' (put the port in the Port field).",
        )
    bracketed = _BRACKETED_WITH_PORT.match(value)
    if bracketed and _is_ip(bracketed.group(1)):
        raise InputError(field, f"Type the port ({bracketed.group(2)}) in the Port field, not after the address.")
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if ":" in value:
        name, _, port_text = value.rpartition(":")
        if port_text.isdigit() and name and ":" not in name:
            raise InputError(field, f"Type the port ({port_text}) in the Port field, not after the server name.")
        raise InputError(field, "This is not a valid server name or IP address.")
    if any(c.isspace() for c in value):
        raise InputError(field, "A server name cannot contain spaces.")
    if len(value) > MAX_HOST:
        raise InputError(field, f"The server name is too long ({len(value)} characters; at most {MAX_HOST}).")
    try:
        ascii_name = value.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError as exc:
        if "too long" in str(exc):  # the idna codec's words for a label over 63 characters
            raise InputError(field, "A part of the server name (between dots) is too long.") from None
        raise InputError(field, "The server name has characters that are not allowed in a host name.") from None
    if not all(_LABEL.match(label) for label in ascii_name.split(".")):
        raise InputError(field, "This is not a valid server name (letters, digits, dots and hyphens only).")
    return ascii_name.lower()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def port(value: str | int, field: str = "port") -> int:
    text = str(value).strip()
    if not text:
        raise InputError(field, "Enter a port number (587 for STARTTLS, 465 for SSL/TLS, 25 for relay).")
    # isdecimal, not isdigit: '²' is a digit that int() refuses; full-width '５８７' is decimal and fine.
    if not text.isdecimal():
        raise InputError(field, f"The port must be a number from 1 to 65535, not '{text[:20]}'.")
    number = int(text)
    if not 1 <= number <= 65535:
        raise InputError(field, f"The port must be from 1 to 65535; {number} is out of range.")
    return number


def security(text: str, field: str = "security") -> SecurityMode:
    word = (text or "").strip().lower()
    if word in _SECURITY_WORDS:
        return _SECURITY_WORDS[word]
    raise InputError(field, f"Unknown encryption '{text}': use none, starttls or tls (ssl).")


def auth_method(text: str, field: str = "auth") -> AuthMethod:
    word = (text or "").strip().lower()
    for method in AuthMethod:
        if method.value == word:
            return method
    choices = ", ".join(m.value for m in AuthMethod)
    raise InputError(field, f"Unknown authentication '{text}': use one of {choices}.")


def tls_version(text: str, field: str = "tls version") -> str:
    word = (text or "").strip().lower().removeprefix("tlsv").removeprefix("tls")
    if word in TLS_VERSIONS:
        return word
    raise InputError(field, f"Unknown TLS version '{text}': use one of {', '.join(TLS_VERSIONS)}.")


def address(text: str, field: str = "address", *, required: bool = True) -> str:
    """An email address for MAIL FROM / RCPT TO / header From (syntax only; no DNS)."""
    value = (text or "").strip()
    if not value:
        if required:
            raise InputError(field, "Enter an email address, for example scanner@example.com.")
        return ""
    if _CONTROL.search(value):
        raise InputError(field, "The address contains a line break or control character.")
    if any(c.isspace() for c in value):
        raise InputError(field, "An email address cannot contain spaces.")
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if len(value) > MAX_ADDRESS:
        raise InputError(field, f"The address is too long ({len(value)} characters; at most {MAX_ADDRESS}).")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise InputError(field, f"'{value}' is not an email address (it needs a name, @ and a domain).")
    if any(c in value for c in '<>()[],;\\"'):
        raise InputError(field, 'The address contains characters that are not allowed (<>()[],;\\").')
    try:
        host(domain, field)
    except InputError:
        raise InputError(field, f"The domain part '{domain}' is not a valid domain.") from None
    return value


def username(text: str, field: str = "user") -> str:
    value = (text or "").strip()
    if _CONTROL.search(value):
        raise InputError(field, "The login name contains a line break or control character.")
    if len(value) > 256:
        raise InputError(field, "The login name is too long (at most 256 characters).")
    return value


def helo_name(text: str, field: str = "helo") -> str:
    value = (text or "").strip()
    if _CONTROL.search(value) or any(c.isspace() for c in value):
        raise InputError(field, "The EHLO name cannot contain spaces or line breaks.")
    if not value or len(value) > MAX_HOST:
        raise InputError(field, "The EHLO name must be 1 to 253 characters.")
    return value


def timeout(text: str | float, field: str = "timeout") -> float:
    try:
        seconds = float(text)
    except (TypeError, ValueError):
        raise InputError(field, f"The timeout must be a number of seconds, not '{text}'.") from None
    if not 0.1 <= seconds <= 600:
        raise InputError(field, "The timeout must be between 0.1 and 600 seconds.")
    return seconds


def port_security_mismatch(port_number: int, mode: SecurityMode) -> str | None:
    """A warning when the port and the encryption look swapped (the commonest printer mistake)."""
    if port_number == 465 and mode is not SecurityMode.TLS:
        return "Port 465 normally needs SSL/TLS (implicit TLS), not " + mode.label + "."
    if port_number in (25, 587) and mode is SecurityMode.TLS:
        return f"Port {port_number} normally needs STARTTLS, not SSL/TLS."
    return None
