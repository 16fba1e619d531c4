"""The shared input checks: each bad value gets its own specific message; good values come back clean."""

from __future__ import annotations

import pytest

from core import validate
from core.errors import InputError
from core.model import SecurityMode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("smtp.office365.com", "smtp.office365.com"),
        ("  SMTP.Gmail.com ", "smtp.gmail.com"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("mail.example.com.", "mail.example.com"),
    ],
)
def test_good_hosts(text: str, expected: str) -> None:
    assert validate.host(text) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "Enter the SMTP server"),
        ("   ", "Enter the SMTP server"),
        ("smtp://mail.example.com:587", "without 'smtp://'"),
        ("smtps://mail.example.com", "without 'smtps://'"),
        ("mail.example.com:587", "Port field"),
        ("mail example.com", "spaces"),
        ("mail.example.com\r\nRCPT TO:<x@y>", "line break"),
        ("a" * 300, "too long"),
        ("-bad-.example", "not a valid server name"),
        ("[2001:db8::zz]", "not a valid server name or IP"),
    ],
)
def test_bad_hosts_have_specific_messages(text: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        validate.host(text)
    assert needle in info.value.message
    assert info.value.field == "host"


@pytest.mark.parametrize(
    ("value", "needle"), [("0", "out of range"), ("65536", "out of range"), ("abc", "number"), ("", "Enter a port")]
)
def test_bad_ports(value: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        validate.port(value)


@pytest.mark.parametrize(
    ("word", "mode"),
    [
        ("SSL", SecurityMode.TLS),
        ("ssl/tls", SecurityMode.TLS),
        ("StartTLS", SecurityMode.STARTTLS),
        ("none", SecurityMode.NONE),
    ],
)
def test_printer_wording_for_security(word: str, mode: SecurityMode) -> None:
    assert validate.security(word) is mode


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("scanner at example.com", "spaces"),
        ("scanner@", "not an email address"),
        ("scanner@exa mple.com", "spaces"),
        ("scan\r\nner@example.com", "line break"),
        ("scanner@-bad-.com", "domain part"),
        ("a,b@example.com", "not allowed"),
    ],
)
def test_bad_addresses(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        validate.address(text)


def test_address_in_angle_brackets_is_accepted() -> None:
    assert validate.address("<scan@example.com>") == "scan@example.com"


def test_mismatched_port_and_encryption_warns() -> None:
    assert validate.port_security_mismatch(465, SecurityMode.STARTTLS) is not None
    assert validate.port_security_mismatch(587, SecurityMode.TLS) is not None
    assert validate.port_security_mismatch(587, SecurityMode.STARTTLS) is None
