"""Device classes: narrowing a plan, and old-TLS devices against real TLS servers on loopback."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

import pytest

from core.detect.matrix import run_matrix
from core.detect.recommend import recommend
from core.devices import DEVICES, apply_device, device_by_id, resolve_device
from core.diagnosis.engine import diagnose
from core.diagnosis.finding import primary
from core.errors import InputError
from core.lab.server import PracticeServer
from core.model import AuthMethod, ClientBehaviour, Credentials, ProbePlan, SecurityMode, TlsPolicy
from core.probe.runner import run_probe
from core.transport.tls import build_context
from tests.detect.conftest import base_plan
from tests.helpers.scripted_server import ScriptedServer

STARTTLS, TLS = SecurityMode.STARTTLS, SecurityMode.TLS
MS_GREETING = "220 BN9PR03CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready at " + datetime.now(
    UTC
).strftime("%a, %d %b %Y %H:%M:%S +0000")
MS_4766 = (
    "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. "
    "Visit https://aka.ms/smtp_auth_tls. [BN9PR03CA0001.namprd03.prod.outlook.com]"
)


def test_device_classes_are_well_formed_and_build_tls_contexts() -> None:
    assert len({d.id for d in DEVICES}) == len(DEVICES) >= 4
    for device in DEVICES:
        assert device.label
        assert device.description
        assert device.auth_mechanisms
        plan = apply_device(ProbePlan(host="h", port=587), device.id)
        build_context(plan.tls)  # OpenSSL accepts every cipher list (with @SECLEVEL=0 for TLS < 1.2)


def test_apply_device_narrows_the_plan() -> None:
    plan = ProbePlan(host="h", port=587, tls=TlsPolicy(max_version="1.3", min_version="1.0"))
    narrowed = apply_device(plan, "legacy-tls10")
    assert (narrowed.tls.min_version, narrowed.tls.max_version) == ("1.0", "1.0")
    assert narrowed.tls.ciphers
    assert "AES128-SHA" in narrowed.tls.ciphers
    assert narrowed.behaviour == ClientBehaviour(pipelining=False, initial_response=False, allow_implicit_tls=False)
    assert narrowed.helo_name == "MFP"
    assert narrowed.device_profile == "legacy-tls10"
    assert narrowed.auth is AuthMethod.LOGIN  # its only mechanism, whatever the server prefers
    assert apply_device(plan, "tls12-typical").auth is AuthMethod.AUTO  # it knows more than one


def test_apply_device_keeps_an_explicit_ehlo_name_and_the_tighter_limits() -> None:
    plan = ProbePlan(host="h", port=587, helo_name="scanner.example.com", tls=TlsPolicy(max_version="1.3"))
    narrowed = apply_device(plan, "legacy-tls10")
    assert narrowed.helo_name == "scanner.example.com"
    assert narrowed.tls.max_version == "1.0"
    assert (
        apply_device(ProbePlan(host="h", port=587, tls=TlsPolicy(max_version="1.2")), "modern-oauth").tls.max_version
        == "1.2"
    )
    with pytest.raises(InputError, match=r"speaks TLS 1.0–1.1, which does not overlap .*TLS 1.2 or newer"):
        apply_device(ProbePlan(host="h", port=587, tls=TlsPolicy(min_version="1.2")), "legacy-tls11")


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (ProbePlan(host="h", port=465, security=TLS), "no SSL/TLS"),
        (ProbePlan(host="h", port=587, auth=AuthMethod.XOAUTH2), "cannot log in with XOAUTH2"),
    ],
)
def test_apply_device_refuses_what_the_device_cannot_do(plan: ProbePlan, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        apply_device(plan, "legacy-tls10")
    assert caught.value.field == "--device"


def test_unknown_device_lists_the_choices() -> None:
    with pytest.raises(InputError, match="legacy-tls10, legacy-tls11"):
        resolve_device("hp-laserjet")
    assert device_by_id(" Legacy-TLS10 ") is not None


@pytest.mark.network
def test_tls10_device_against_tls12_minimum_server_is_too_old(
    modern_server_context: ssl.SSLContext, rsa_ca_file: str
) -> None:
    """A plain ssl server with minimum_version TLSv1_2 answers with a protocol-version alert."""
    with ScriptedServer.smtp(tls_context=modern_server_context) as server:
        plan = ProbePlan(
            host=server.host, port=server.port, auth=AuthMethod.NONE, send=False, tls=TlsPolicy(ca_file=rsa_ca_file)
        )
        result = run_probe(apply_device(plan, "legacy-tls10"), Credentials())
    cause = primary(diagnose(result))
    assert cause is not None
    assert cause.code == "tls_version_too_old"
    assert any("TLS 1.2" in step for step in cause.fix)


@pytest.mark.network
def test_tls10_device_in_the_matrix_against_the_practice_server(practice: PracticeServer) -> None:
    """aiosmtpd closes without an alert; the control probe with a modern client names the cause."""
    rows = run_matrix(
        base_plan(practice.ca_file, device="legacy-tls10"), [practice.submission_port, practice.implicit_port]
    )
    by = {(r.port, r.security): r for r in rows}
    starttls = by[(practice.submission_port, STARTTLS)]
    assert starttls.error_code == "tls_version_too_old"
    assert not starttls.session_ok
    assert "TLS 1.0" in (starttls.message or "")
    assert "TLSv1.3" in (starttls.message or "")
    assert starttls.findings[0].fix[0].startswith("Update the printer's firmware")
    for port in (practice.submission_port, practice.implicit_port):
        assert by[(port, TLS)].skipped
        assert by[(port, TLS)].reachable is None
    # The plaintext relay still works for this device, so it is what remains to recommend.
    best = recommend(rows)
    assert best is not None
    assert best.security is SecurityMode.NONE
    assert best.port == practice.submission_port


@pytest.mark.network
def test_tls10_device_works_where_the_server_allows_tls10(
    legacy_server_context: ssl.SSLContext, rsa_ca_file: str
) -> None:
    with ScriptedServer.smtp(tls_context=legacy_server_context) as server:
        rows = run_matrix(base_plan(rsa_ca_file, device="legacy-tls10"), [server.port])
    starttls = next(r for r in rows if r.security is STARTTLS)
    assert starttls.works
    assert starttls.tls_version == "TLSv1"
    assert "legacy_tls_negotiated" in {f.code for f in starttls.findings}
    best = recommend(rows)
    assert best is not None
    assert best.security is STARTTLS
    assert "TLSv1" in best.reason


@pytest.mark.network
def test_microsoft_421_4766_after_starttls_names_the_legacy_endpoint(
    legacy_server_context: ssl.SSLContext, rsa_ca_file: str
) -> None:
    replies = {"greeting": MS_GREETING, "ehlo_tls": MS_4766}
    with ScriptedServer.smtp(replies, tls_context=legacy_server_context) as server:
        rows = run_matrix(base_plan(rsa_ca_file, device="legacy-tls10"), [server.port], modes=[STARTTLS])
    (row,) = rows
    assert row.tls_version == "TLSv1"
    assert row.error_code == "tls_version_too_old"
    cause = primary(row.findings)
    assert cause is not None
    assert any("smtp-legacy.office365.com" in step for step in cause.fix)
    assert "Set-TransportConfig -AllowLegacyTLSClients $true" in cause.commands
