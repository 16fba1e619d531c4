"""No report, in any format, carries a secret or any encoding of one.

The forbidden forms are built here independently of ``core.report.redact``: the raw value, its
base64 variants, the AUTH PLAIN / LOGIN / XOAUTH2 / OAUTHBEARER payloads, and the escaped forms
HTML, JSON and URLs would produce. The samples' transcripts carry raw payloads on purpose, and a
"hostile" variant puts the secret into every other string field too.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
from urllib.parse import quote

import pytest

from core.diagnosis.finding import Finding, Severity
from core.model import Credentials
from core.probe.enrichment import Enrichment, SenderDomainMx, TokenClaims, TokenErrorInfo
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind
from core.probe.transcript import EventKind, TranscriptEvent
from core.report.redact import MASK, ReportRedactor
from core.report.save import render_report, ticket_summary
from core.smtp.events import Reply
from gui.report_pdf import html_to_pdf
from tests.report.golden import pdf_text
from tests.report.samples import FIXED_ENVIRONMENT, TOKEN, Sample, all_samples, b64


def _b64_variants(raw: bytes) -> set[str]:
    std = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode()
    return {std, url, std.rstrip("="), url.rstrip("=")}


def forbidden_forms(secret: str, user: str) -> set[str]:
    """Every way the secret could show up in a file, built without the code under test."""
    forms = {secret, html.escape(secret), json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms.add(quote(secret, safe=""))
    forms |= _b64_variants(secret.encode())  # AUTH LOGIN's password line
    forms |= _b64_variants(f"\0{user}\0{secret}".encode())  # AUTH PLAIN
    forms |= _b64_variants(f"{user}\0{user}\0{secret}".encode())  # AUTH PLAIN with authzid
    forms |= _b64_variants(f"user={user}\x01auth=Bearer {secret}\x01\x01".encode())  # XOAUTH2
    forms |= _b64_variants(f"n,a={user},\x01auth=Bearer {secret}\x01\x01".encode())  # OAUTHBEARER
    return forms


def hostile(sample: Sample) -> Sample:
    """The sample with the secret pasted into every string the runner or diagnosis might fill."""
    secret, user = sample.secret, sample.user
    plain_payload = b64(f"\0{user}\0{secret}")
    xoauth2_payload = b64(f"user={user}\x01auth=Bearer {secret}\x01\x01")
    leaks = (
        TranscriptEvent(900, 900.0, EventKind.CLIENT, f"AUTH PLAIN {plain_payload}", Phase.AUTH),
        TranscriptEvent(901, 901.0, EventKind.CLIENT, f"AUTH XOAUTH2 {xoauth2_payload}", Phase.AUTH),
        TranscriptEvent(902, 902.0, EventKind.INFO, f"debug: password={secret} token={secret}", None),
        TranscriptEvent(903, 903.0, EventKind.SERVER, f"535 5.7.8 rejected {plain_payload}", Phase.AUTH),
        TranscriptEvent(904, 904.0, EventKind.ERROR, f"echo {secret} and {b64(secret)}", Phase.AUTH),
    )
    result = dataclasses.replace(
        sample.result,
        transcript=sample.result.transcript + leaks,
        failure=Failure(
            FailureKind.REPLY,
            Phase.AUTH,
            f"login failed for {secret}",
            reply=Reply(535, (f"5.7.8 bad credentials {b64(secret)}",)),
        ),
        quirks=(f"odd:{secret}",),
        enrichment=Enrichment(
            token_claims=TokenClaims({"note": secret, "nested": [xoauth2_payload]}),
            token_error=TokenErrorInfo("invalid_client", f"bad secret {secret}"),
            sender_mx=SenderDomainMx("contoso.com", problem=f"lookup of {secret} failed"),
        ),
    )
    finding = Finding(
        "bad_credentials",
        Severity.ERROR,
        f"Wrong password {secret}",
        f"The server said {plain_payload}",
        fix=(f"Type {secret} again",),
        evidence=(900, 903),
        commands=(f"echo {b64(secret)}",),
    )
    return dataclasses.replace(sample, result=result, findings=(finding, *sample.findings))


def _assert_clean(output: str, sample: Sample, where: str) -> None:
    found = sorted(form for form in forbidden_forms(sample.secret, sample.user) if form and form in output)
    assert found == [], f"{where}: secret forms leaked"


SAMPLES = all_samples()
IDS = [s.name for s in SAMPLES]


@pytest.mark.parametrize("sample", [hostile(s) for s in SAMPLES], ids=IDS)
@pytest.mark.parametrize("fmt", ["html", "json", "text"])
def test_no_secret_in_any_output_byte(sample: Sample, fmt: str) -> None:
    output = render_report(
        fmt, sample.result, sample.findings, secrets=sample.credentials, environment=FIXED_ENVIRONMENT
    )
    _assert_clean(output.decode("utf-8"), sample, fmt)
    assert MASK.encode() in output  # it did redact, rather than drop the lines


@pytest.mark.parametrize("sample", [hostile(s) for s in SAMPLES], ids=IDS)
def test_no_secret_in_ticket_summary(sample: Sample) -> None:
    summary = ticket_summary(sample.result, sample.findings, secrets=sample.credentials, environment=FIXED_ENVIRONMENT)
    _assert_clean(summary, sample, "ticket summary")


@pytest.mark.gui
@pytest.mark.usefixtures("qapp")
@pytest.mark.parametrize("sample", [hostile(s) for s in SAMPLES], ids=IDS)
def test_no_secret_in_pdf(sample: Sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = render_report(
        "pdf",
        sample.result,
        sample.findings,
        secrets=sample.credentials,
        environment=FIXED_ENVIRONMENT,
        load_pdf_writer=lambda: html_to_pdf,
    )
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    _assert_clean(data.decode("latin-1"), sample, "pdf bytes")
    text = pdf_text(path)
    _assert_clean(text, sample, "pdf text")
    assert "Wrong password ***" in text


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_secrets_given_as_strings_or_secret_objects_work_alike(sample: Sample) -> None:
    by_credentials = render_report(
        "text", sample.result, sample.findings, secrets=sample.credentials, environment=FIXED_ENVIRONMENT
    )
    by_string = render_report(
        "text", sample.result, sample.findings, secrets=[sample.secret], environment=FIXED_ENVIRONMENT
    )
    assert by_credentials == by_string


def test_unknown_secrets_are_still_scrubbed_from_auth_lines_and_bearer_headers() -> None:
    """With no secret passed at all, the generic pass removes what looks like a credential."""
    sample = hostile(SAMPLES[2])  # the XOAUTH2 run
    output = render_report("text", sample.result, sample.findings, secrets=(), environment=FIXED_ENVIRONMENT)
    text = output.decode()
    plain_payload = b64(f"\0{sample.user}\0{TOKEN}")
    xoauth2_payload = b64(f"user={sample.user}\x01auth=Bearer {TOKEN}\x01\x01")
    assert plain_payload not in text
    assert xoauth2_payload not in text
    assert TOKEN not in text  # a JWT is recognised as one
    assert "C: AUTH XOAUTH2 ***" in text
    assert "C: AUTH PLAIN ***" in text
    assert "Authorization: Bearer ***" in text


def test_sasl_answers_to_334_are_masked_but_a_user_name_stays() -> None:
    user = "scanner@example.net"
    redactor = ReportRedactor(secrets=(), users=[user])
    events = [
        TranscriptEvent(0, 0, EventKind.CLIENT, "AUTH LOGIN", Phase.AUTH),
        TranscriptEvent(1, 1, EventKind.SERVER, "334 VXNlcm5hbWU6", Phase.AUTH),
        TranscriptEvent(2, 2, EventKind.CLIENT, b64(user), Phase.AUTH),
        TranscriptEvent(3, 3, EventKind.SERVER, "334 UGFzc3dvcmQ6", Phase.AUTH),
        TranscriptEvent(4, 4, EventKind.CLIENT, b64("an unknown password"), Phase.AUTH),
        TranscriptEvent(5, 5, EventKind.SERVER, "535 5.7.8 Authentication credentials invalid", Phase.AUTH),
        TranscriptEvent(6, 6, EventKind.CLIENT, "RSET", None),
    ]
    texts = [e.text for e in redactor.transcript(events)]
    assert texts == [
        "AUTH LOGIN",
        "334 VXNlcm5hbWU6",
        b64(user),  # the user name is not a secret, and support needs to see which one was sent
        "334 UGFzc3dvcmQ6",
        MASK,
        "535 5.7.8 Authentication credentials invalid",
        "RSET",
    ]


def test_a_payload_with_an_unexpected_user_name_is_caught_by_its_secret_fragment() -> None:
    secret = "correct horse battery staple"
    redactor = ReportRedactor(secrets=[secret], users=["alice@example.com"])
    for prefix in ("", "x", "xy", "someone-else@example.org"):
        payload = b64(f"user={prefix}\x01auth=Bearer {secret}\x01\x01")
        cleaned = redactor(f"server echoed {payload}!")
        assert payload not in cleaned
        assert b64(secret)[:-4] not in cleaned


def test_ordinary_text_is_left_alone() -> None:
    redactor = ReportRedactor(secrets=["hunter2-long"], users=["a@example.com"])
    texts = [
        "AUTH PLAIN is not offered by this server; use LOGIN.",
        "Check the password: the server said 535 5.7.8.",
        "334 eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
        "SHA-256 " + "3f" * 32,
        "Set-CASMailbox -Identity a@example.com -SmtpClientAuthenticationDisabled $false",
    ]
    assert [redactor(t) for t in texts] == texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer ***"),
        ("token ya29.a0AfH6SMBxTestToken_1234567890", "token ***"),
        ("url?access_token=abc123&x=1", "url?access_token=***&x=1"),
        ('{"refresh_token": "0.AAAA-bbb"}', '{"refresh_token": "***"}'),
        ("AUTH PLAIN " + b64("\0bob\0pw"), "AUTH PLAIN ***"),
        ("blob " + b64("user=x\x01auth=Bearer t\x01\x01"), "blob ***"),
    ],
)
def test_patterns_without_known_secrets(text: str, expected: str) -> None:
    assert ReportRedactor()(text) == expected


def test_credentials_object_and_empty_secrets() -> None:
    redactor = ReportRedactor(secrets=Credentials().values())
    assert redactor("nothing to hide") == "nothing to hide"
