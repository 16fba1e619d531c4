"""The scenario catalogue: consistent data, real plans, and every scenario run by the real runner."""

from __future__ import annotations

import json

import pytest

from core.diagnosis.codes import CODES
from core.diagnosis.finding import Severity
from core.lab import SCENARIO_BY_ID, SCENARIOS, PracticeServer, Scenario, scenario_plans
from core.lab.listeners import ListenerRole
from core.model import AuthMethod, CredentialKind, Credentials, ProbePlan, SecurityMode
from core.probe.result import FailureKind, ProbeResult
from core.probe.runner import run_probe
from core.secret import Secret, secret_forms

pytestmark = [pytest.mark.network, pytest.mark.timeout(30)]


def _secrets(scenario: Scenario) -> list[str]:
    return [s.reveal() for s in (scenario.password, scenario.token) if s is not None]


# --- the data ----------------------------------------------------------------------------------------


def test_ids_are_unique_and_titles_are_plain_words() -> None:
    assert len(SCENARIO_BY_ID) == len(SCENARIOS)
    for scenario in SCENARIOS:
        assert scenario.id == scenario.id.lower()
        assert " " not in scenario.id
        assert scenario.title
        assert "_" not in scenario.title
        assert scenario.lesson.endswith(".")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_expected_codes_are_public_error_codes(scenario: Scenario) -> None:
    if scenario.expected_code is not None:
        assert CODES[scenario.expected_code].severity is Severity.ERROR
        assert scenario.stops_at is not None or scenario.expected_reply is not None
    for warning in scenario.expected_warnings:
        assert CODES[warning].severity is not Severity.ERROR


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_credentials_fit_the_login(scenario: Scenario) -> None:
    if scenario.login is None:
        assert scenario.auth is AuthMethod.NONE
        assert scenario.password is None
        assert scenario.token is None
        return
    assert (scenario.password is None) != (scenario.token is None)
    assert all(isinstance(s, Secret) for s in (scenario.password, scenario.token) if s is not None)
    if scenario.token is not None:
        assert scenario.credential_kind.is_oauth
        assert scenario.auth is AuthMethod.XOAUTH2


def test_catalogue_covers_every_listener_and_the_key_situations() -> None:
    assert {s.listener for s in SCENARIOS} == set(ListenerRole)
    working = {s.listener for s in SCENARIOS if s.expected_code is None}
    assert working == set(ListenerRole)
    codes = {s.expected_code for s in SCENARIOS}
    for needed in (
        "smtp_auth_disabled_tenant",
        "smtp_auth_disabled_mailbox",
        "basic_auth_disabled",
        "security_defaults_or_conditional_access",
        "mfa_app_password_required",
        "send_as_denied",
        "oauth_token_invalid_or_expired",
        "recipient_rejected",
        "message_too_large",
        "tls_required_before_auth",
        "port_tls_mismatch_starttls_on_implicit_port",
        "port_tls_mismatch_implicit_on_starttls_port",
    ):
        assert needed in codes


def test_plans_point_at_the_running_server(practice_server: PracticeServer) -> None:
    plans = scenario_plans(practice_server)
    assert [s for s, _, _ in plans] == list(SCENARIOS)
    for scenario, plan, credentials in plans:
        assert isinstance(plan, ProbePlan)
        assert plan.host == "127.0.0.1"
        assert plan.port == practice_server.port(scenario.listener)
        assert plan.security is scenario.security
        assert plan.tls.ca_file == (practice_server.ca_file if scenario.trust_practice_ca else None)
        assert plan.username == scenario.login
        assert plan.message.mail_from == scenario.sender
        assert plan.message.rcpt_to == scenario.rcpt_to
        if scenario.exceeds_size_limit:
            assert plan.message.attachment_bytes > practice_server.size_limit
        assert credentials == Credentials(password=scenario.password, token=scenario.token)
        settings = json.dumps(plan.settings_dict())  # a plan carries no secret
        for value in _secrets(scenario):
            assert value not in settings


# --- every scenario through the real runner --------------------------------------------------------


@pytest.fixture(scope="module")
def results(practice_server: PracticeServer) -> dict[str, tuple[ProbeResult, list[object]]]:
    """Each scenario's probe result and the messages the server accepted during it."""
    outcome: dict[str, tuple[ProbeResult, list[object]]] = {}
    for scenario, plan, credentials in scenario_plans(practice_server):
        practice_server.clear_messages()
        result = run_probe(plan, credentials)
        outcome[scenario.id] = (result, list(practice_server.messages))
    return outcome


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_ends_as_the_catalogue_says(
    scenario: Scenario, results: dict[str, tuple[ProbeResult, list[object]]]
) -> None:
    result, messages = results[scenario.id]
    if scenario.expected_code is None:
        assert result.ok, result.failure
        assert result.message_accepted
        assert result.authenticated == (scenario.login is not None)
        assert len(messages) == 1
        return
    assert result.failure is not None
    assert not result.message_accepted
    assert messages == []
    if scenario.stops_at is not None:
        assert result.failure.phase is scenario.stops_at
    if scenario.expected_reply is not None:
        assert result.failure.kind is FailureKind.REPLY
        assert result.failure.reply is not None
        assert result.failure.reply.code == scenario.expected_reply


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_no_practice_secret_reaches_the_transcript(
    scenario: Scenario, results: dict[str, tuple[ProbeResult, list[object]]]
) -> None:
    result, _ = results[scenario.id]
    text = "\n".join(event.text for event in result.transcript)
    for value in _secrets(scenario):
        for form in secret_forms(value):
            assert form not in text


def test_replies_carry_the_provider_wording(results: dict[str, tuple[ProbeResult, list[object]]]) -> None:
    def failing_text(scenario_id: str) -> str:
        failure = results[scenario_id][0].failure
        assert failure is not None
        assert failure.reply is not None
        return failure.reply.text

    assert "SmtpClientAuthentication is disabled for the Tenant" in failing_text("tenant-disabled")
    assert "SmtpClientAuthentication is disabled for the Mailbox" in failing_text("mailbox-disabled")
    assert str(results["security-defaults"][0].failure.reply.enhanced) == "5.7.139"  # type: ignore[union-attr]
    assert "Application-specific password required" in failing_text("app-password-required")
    assert "SendAsDenied" in failing_text("send-as-denied")
    assert "RecipientNotFound" in failing_text("recipient-not-found")
    assert failing_text("wrong-password").startswith("5.7.3 Authentication unsuccessful [")


def test_gmail_token_rejection_is_decoded(results: dict[str, tuple[ProbeResult, list[object]]]) -> None:
    google, _ = results["oauth-token-rejected-gmail"]
    assert google.xoauth2_error == {"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"}
    microsoft, _ = results["oauth-token-rejected"]
    assert microsoft.xoauth2_error is None


def test_submission_shows_auth_only_after_starttls(results: dict[str, tuple[ProbeResult, list[object]]]) -> None:
    result, _ = results["works-starttls"]
    assert result.capabilities_before_tls is not None
    assert result.capabilities_after_tls is not None
    assert not result.capabilities_before_tls.auth_mechanisms
    assert "XOAUTH2" in result.capabilities_after_tls.auth_mechanisms
    assert result.tls is not None
    assert result.tls.verified


def test_password_in_clear_really_was_unencrypted(practice_server: PracticeServer) -> None:
    scenario = SCENARIO_BY_ID["password-in-clear"]
    [(plan, credentials)] = [(p, c) for s, p, c in scenario_plans(practice_server) if s is scenario]
    practice_server.clear_messages()
    result = run_probe(plan, credentials)
    assert result.ok
    assert result.tls is None
    [message] = practice_server.messages
    assert message.authenticated_as == scenario.login
    assert not message.encrypted
    assert plan.security is SecurityMode.NONE
    assert plan.credential_kind is CredentialKind.PASSWORD
