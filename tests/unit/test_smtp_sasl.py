"""SASL payloads against published vectors; exchanges step by step; every wire form is redactable."""

from __future__ import annotations

import base64

import pytest

from core.errors import LocalProtocolError, RemoteProtocolError
from core.smtp import sasl
from core.smtp.commands import Command

USER = "alice@example.com"
PASSWORD = "correct horse battery"
TOKEN = "ya29.a0AfH6SMBx-token-value"


def test_plain_initial_response() -> None:
    assert sasl.plain_initial_response("alice", "pw") == base64.b64encode(b"\x00alice\x00pw").decode()
    assert sasl.plain_initial_response("alice", "pw", "boss") == base64.b64encode(b"boss\x00alice\x00pw").decode()


def test_plain_refuses_nul() -> None:
    with pytest.raises(LocalProtocolError, match="NUL"):
        sasl.plain_initial_response("alice", "p\x00w")


def test_xoauth2_matches_googles_documented_example() -> None:
    # https://developers.google.com/gmail/imap/xoauth2-protocol (SASL XOAUTH2 initial client response)
    token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
    expected = (
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
        "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
    )
    assert sasl.xoauth2_initial_response("someuser@example.com", token) == expected


def test_cram_md5_matches_rfc_2195() -> None:
    challenge = base64.b64encode(b"<1896.697170952@postoffice.reston.mci.net>").decode()
    response = sasl.cram_md5_response("tim", "tanstaaftanstaaf", challenge)
    assert base64.b64decode(response) == b"tim b913a602c7eda7a495b4e6e7334d3890"


def test_cram_md5_refuses_a_challenge_that_is_not_base64() -> None:
    with pytest.raises(RemoteProtocolError, match="CRAM-MD5"):  # the server's fault, not ours
        sasl.cram_md5_response("tim", "pw", "not base64!")


@pytest.mark.parametrize(
    ("challenge", "expected"),
    [
        (
            "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
            {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"},
        ),
        (  # without padding
            "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ",
            {"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"},
        ),
        ("", None),
        ("not base64 at all", None),
        (base64.b64encode(b"[1, 2]").decode(), None),
        (base64.b64encode(b"\xff\xfe").decode(), None),
    ],
)
def test_decode_xoauth2_challenge(challenge: str, expected: dict[str, str] | None) -> None:
    assert sasl.decode_xoauth2_challenge(challenge) == expected


@pytest.mark.parametrize(
    ("challenge", "text"),
    [
        ("VXNlcm5hbWU6", "Username:"),
        ("UGFzc3dvcmQ6", "Password:"),
        ("VXNlciBOYW1lAA==", "User Name"),
        ("", None),
        ("AAEC", None),
        ("%%%", None),
    ],
)
def test_decode_challenge_text(challenge: str, text: str | None) -> None:
    assert sasl.decode_challenge_text(challenge) == text


def _wire(commands: list[Command]) -> list[bytes]:
    return [c.to_wire() for c in commands]


def test_login_with_initial_response() -> None:
    exchange = sasl.exchange_for("LOGIN", USER, PASSWORD, initial_response=True)
    steps = [exchange.start(), exchange.respond("UGFzc3dvcmQ6"), exchange.respond("")]
    assert _wire(steps) == [
        f"AUTH LOGIN {sasl.b64(USER)}\r\n".encode(),
        f"{sasl.b64(PASSWORD)}\r\n".encode(),
        b"*\r\n",
    ]
    assert USER in steps[0].display()


def test_login_without_initial_response() -> None:
    exchange = sasl.exchange_for("login", USER, PASSWORD, initial_response=False)
    steps = [exchange.start(), exchange.respond("VXNlcm5hbWU6"), exchange.respond("UGFzc3dvcmQ6")]
    assert _wire(steps) == [
        b"AUTH LOGIN\r\n",
        f"{sasl.b64(USER)}\r\n".encode(),
        f"{sasl.b64(PASSWORD)}\r\n".encode(),
    ]
    assert steps[2].display() == "<password, redacted>"


def test_plain_with_and_without_initial_response() -> None:
    blob = sasl.plain_initial_response(USER, PASSWORD)
    with_ir = sasl.exchange_for("PLAIN", USER, PASSWORD)
    assert with_ir.start().to_wire() == f"AUTH PLAIN {blob}\r\n".encode()
    assert with_ir.start().display() == f"AUTH PLAIN <credentials for {USER}: 40 bytes, redacted>"
    without = sasl.exchange_for("PLAIN", USER, PASSWORD, initial_response=False)
    assert without.start().to_wire() == b"AUTH PLAIN\r\n"
    assert without.respond("").to_wire() == f"{blob}\r\n".encode()
    assert without.respond("").to_wire() == b"*\r\n"


def test_xoauth2_error_challenge_is_recorded_and_acknowledged_with_an_empty_line() -> None:
    exchange = sasl.exchange_for("XOAUTH2", USER, TOKEN)
    start = exchange.start()
    assert start.display() == f"AUTH XOAUTH2 <user={USER} auth=Bearer ***, base64, redacted>"
    challenge = base64.b64encode(b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}').decode()
    answer = exchange.respond(challenge)
    assert answer.to_wire() == b"\r\n"
    assert exchange.xoauth2_error == {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
    assert exchange.respond(challenge).to_wire() == b"*\r\n"


def test_xoauth2_without_initial_response_sends_the_blob_after_the_empty_challenge() -> None:
    exchange = sasl.exchange_for("XOAUTH2", USER, TOKEN, initial_response=False)
    assert exchange.start().to_wire() == b"AUTH XOAUTH2\r\n"
    blob = exchange.respond("")
    assert blob.to_wire() == f"{sasl.xoauth2_initial_response(USER, TOKEN)}\r\n".encode()
    assert TOKEN not in blob.display()


def test_cram_md5_exchange() -> None:
    exchange = sasl.exchange_for("CRAM-MD5", "tim", "tanstaaftanstaaf")
    assert exchange.start().to_wire() == b"AUTH CRAM-MD5\r\n"
    challenge = base64.b64encode(b"<1896.697170952@postoffice.reston.mci.net>").decode()
    response = exchange.respond(challenge)
    assert base64.b64decode(response.payload).endswith(b"b913a602c7eda7a495b4e6e7334d3890")
    assert "b913a602" not in response.display()


def test_unknown_mechanism_is_refused() -> None:
    with pytest.raises(LocalProtocolError, match="NTLM"):
        sasl.exchange_for("NTLM", USER, PASSWORD)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "XOAUTH2"])
@pytest.mark.parametrize("initial", [True, False])
def test_every_secret_payload_sent_is_a_known_wire_form(mechanism: str, initial: bool) -> None:
    secret = TOKEN if mechanism == "XOAUTH2" else PASSWORD
    forms = sasl.secret_wire_forms(USER, PASSWORD, TOKEN)
    exchange = sasl.exchange_for(mechanism, USER, secret, initial_response=initial)
    start = exchange.start()
    payloads = [start.initial_response] if start.initial_response else []
    for challenge in ("VXNlcm5hbWU6", "UGFzc3dvcmQ6"):
        payloads.append(exchange.respond(challenge).payload)
    secret_payloads = [p for p in payloads if p and p not in ("*", sasl.b64(USER))]
    assert secret_payloads, "the exchange must have sent the secret somewhere"
    for payload in secret_payloads:
        assert payload in forms
    for command in (start,):
        assert all(form not in command.display() for form in forms)


def test_secret_wire_forms_lists_all_forms() -> None:
    forms = sasl.secret_wire_forms(USER, PASSWORD, TOKEN)
    plain = sasl.plain_initial_response(USER, PASSWORD)
    assert {PASSWORD, sasl.b64(PASSWORD), plain, TOKEN, sasl.b64(TOKEN)} <= forms
    assert sasl.xoauth2_initial_response(USER, TOKEN) in forms
    assert sasl.secret_wire_forms(None, None, None) == set()
