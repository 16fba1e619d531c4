"""Provider detection and presets, the date-aware Basic-auth wording, and the explain command."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core.cli.main import main
from core.diagnosis import policy
from core.diagnosis.engine import diagnose
from core.diagnosis.explain import explain_text
from core.diagnosis.finding import primary
from core.diagnosis.presets import PRESETS
from core.diagnosis.providers import PROVIDERS, default_mx_lookup, detect_provider
from core.errors import InputError
from core.model import SecurityMode
from core.probe.phases import Phase
from tests.diagnosis.builders import NOW, make_result


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("smtp.office365.com", "microsoft365"),
        ("contoso-com.mail.protection.outlook.com", "microsoft365"),
        ("contoso-com.r-v1.mx.microsoft", "microsoft365"),
        ("SMTP-MAIL.OUTLOOK.COM.", "outlook_com"),
        ("smtp.gmail.com", "google"),
        ("smtp.mail.yahoo.com", "yahoo"),
        ("smtp.mail.me.com", "icloud"),
        ("smtppro.zoho.eu", "zoho"),
        ("smtp.sendgrid.net", "sendgrid"),
        ("smtp.eu.mailgun.org", "mailgun"),
        ("email-smtp.eu-west-1.amazonaws.com", "ses"),
        ("smtp.postmarkapp.com", "postmark"),
        ("smtp-relay.brevo.com", "brevo"),
    ],
)
def test_providers_are_detected_from_the_host_name(host: str, expected: str) -> None:
    found = detect_provider(host)
    assert found is not None
    assert found.id == expected


def test_greeting_ehlo_and_mx_break_ties() -> None:
    assert detect_provider("203.0.113.5") is None
    assert detect_provider("203.0.113.5", "220 smtp.gmail.com ESMTP x - gsmtp").id == "google"  # type: ignore[union-attr]
    ehlo = ["AM0PR02CA0134.outlook.office365.com Hello [212.52.200.46]"]
    assert detect_provider("relay.local", None, ehlo).id == "microsoft365"  # type: ignore[union-attr]
    assert detect_provider("relay.local", mx=["contoso-com.mail.protection.outlook.com"]).id == "microsoft365"  # type: ignore[union-attr]
    assert detect_provider("ec2-1-2-3-4.compute.amazonaws.com") is None


def test_mx_lookup_is_injected_and_never_required() -> None:
    asked: list[str] = []

    def fake_mx(domain: str) -> list[str]:
        asked.append(domain)
        return ["contoso-com.mail.protection.outlook.com"]

    result = make_result(
        host="relay.contoso.local",
        fail_phase=Phase.AUTH,
        reply="535 5.7.3 Authentication unsuccessful",
        mail_from="scanner@contoso.com",
    )
    first = primary(diagnose(result, now=NOW, resolver=fake_mx))
    assert asked == ["contoso.com"]
    assert first is not None
    assert any("Get-CASMailbox" in c for c in first.commands)

    def broken(domain: str) -> list[str]:
        raise OSError("no network")

    assert primary(diagnose(result, now=NOW, resolver=broken)) is not None
    assert primary(diagnose(result, now=NOW)).commands == ()  # type: ignore[union-attr]


def test_default_mx_lookup_fails_quietly_for_an_invalid_name() -> None:
    assert default_mx_lookup("invalid..name", timeout=0.1) == []


def test_presets_cover_every_provider_and_microsofts_three_paths() -> None:
    ids = {p.id for p in PRESETS}
    assert {
        "microsoft365-smtp-auth",
        "microsoft365-direct-send",
        "microsoft365-relay",
        "microsoft365-legacy-tls",
    } <= ids
    assert {p.id for p in PROVIDERS} <= {p.provider for p in PRESETS}
    for preset in PRESETS:
        assert preset.label
        assert preset.host
        assert preset.username_form
        assert preset.notes
        assert preset.port in (25, 465, 587, 2525)
        if preset.port == 465:
            assert preset.security is SecurityMode.TLS
        assert json.dumps(preset.as_dict())
    assert next(p for p in PRESETS if p.id == "microsoft365-direct-send").authenticates is False


def test_basic_auth_wording_depends_on_the_date() -> None:
    before = policy.exchange_online_status(datetime(2026, 6, 1, tzinfo=UTC))
    after = policy.exchange_online_status(datetime(2027, 2, 1, tzinfo=UTC))
    assert "has announced that from 31 December 2026" in before
    assert "in force since" not in before
    assert "has been in force since 31 December 2026" in after
    assert "may be out of date" in policy.exchange_online_status(datetime(2028, 1, 1, tzinfo=UTC))
    assert policy.SOURCE.startswith("https://")
    assert policy.AS_OF.year == 2026


def test_retirement_warning_uses_the_timeline_and_is_never_primary() -> None:
    result = make_result(host="smtp.office365.com", offered=("LOGIN", "XOAUTH2"))
    findings = diagnose(result, now=datetime(2027, 3, 1, tzinfo=UTC))
    assert primary(findings) is None
    warning = next(f for f in findings if f.code == "basic_auth_retirement")
    assert "in force since" in warning.explanation


def test_explain_reads_a_dotnet_printer_line() -> None:
    text = (
        "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was not "
        "authenticated. The server response was: 5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 "
        "Authentication unsuccessful, user is locked by your organization's security defaults policy."
    )
    first = primary(explain_text(text, now=NOW))
    assert first is not None
    assert first.code == "security_defaults_or_conditional_access"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "(535, b'5.7.8 Username and Password not accepted. Learn more at\\n5.7.8  https://support.google.com/mail/"
            "?p=BadCredentials x - gsmtp')",
            "bad_credentials",
        ),
        (
            "permanent error (535): 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
            "basic_auth_disabled",
        ),
        ("SMTP ERROR: AUTH command failed: 504 5.7.4 Unrecognized authentication type", "mechanism_not_supported"),
        (
            "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
            "port_tls_mismatch_implicit_on_starttls_port",
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain",
            "tls_certificate_untrusted",
        ),
        ("getaddrinfo ENOTFOUND smtp.office356.com", "dns_lookup_failed"),
        ("connect ECONNREFUSED 192.0.2.1:587", "connect_refused"),
    ],
)
def test_explain_reads_client_messages(text: str, expected: str) -> None:
    first = primary(explain_text(text, now=NOW))
    assert first is not None
    assert first.code == expected


def test_explain_rejects_empty_text() -> None:
    with pytest.raises(InputError):
        explain_text("  \n ")


def test_explain_cli_exit_codes_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "535 5.7.3 Authentication unsuccessful", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["schema_version"] == 1
    assert payload["input"] == "535 5.7.3 Authentication unsuccessful"
    assert payload["findings"][0]["code"] == "auth_rejected_unspecified"
    assert payload["findings"][0]["evidence"][0]["event"] == 0
    assert main(["explain", "nothing", "useful", "here"]) == 0
    assert "No problem identified" in capsys.readouterr().out
    assert main(["explain", ""]) == 2
    assert "nothing to explain" in capsys.readouterr().err


def test_explain_cli_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("454 Throttling failure: Maximum sending rate exceeded.\n"))
    assert main(["explain", "-", "--color", "never"]) == 1
    assert "rate_limited" in capsys.readouterr().out
