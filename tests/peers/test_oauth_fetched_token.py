"""End to end: a token fetched by real MSAL (device code, from a local authority) logs in to Postfix + Dovecot.

Dovecot's oauth2 passdb asks the peer's introspection endpoint about the token; the endpoint knows
it because the test registers what the authority issued, as Entra ID's own validation would.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest

from core.model import AuthMethod, CredentialKind, SecurityMode
from core.oauth.acquire import fetch_token
from core.oauth.settings import OAuthFlow, OAuthSettings
from core.oauth.tokens import DeviceCodePrompt
from tests.helpers.fake_authority import FakeAuthority, FakeUser, loopback_only_getaddrinfo
from tests.peers.engine import assert_no_secret_in_transcript, make_plan, probe
from tests.peers.peer import MailPeer

pytestmark = [pytest.mark.peer, pytest.mark.network]


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """MSAL must reach nothing but the local authority (no instance discovery)."""
    monkeypatch.setattr(socket, "getaddrinfo", loopback_only_getaddrinfo(socket.getaddrinfo))


@pytest.fixture
def authority(server_ssl_context: ssl.SSLContext, mail_peer: MailPeer) -> Iterator[FakeAuthority]:
    user = FakeUser(upn=mail_peer.alice.address)
    with FakeAuthority(server_ssl_context, user=user) as fa:
        yield fa


def _device_token(fa: FakeAuthority, ca_file: str) -> tuple[str, list[DeviceCodePrompt]]:
    prompts: list[DeviceCodePrompt] = []
    settings = OAuthSettings(
        flow=OAuthFlow.DEVICE_CODE,
        tenant=fa.tenant,
        client_id=fa.client_id,
        authority_host=fa.authority_host,
        ca_file=ca_file,
    )
    token = fetch_token(settings, prompts.append)
    return token.reveal(), prompts


@pytest.mark.parametrize("security", [SecurityMode.STARTTLS, SecurityMode.TLS])
def test_fetched_token_logs_in_and_sends(
    mail_peer: MailPeer, authority: FakeAuthority, ca_file: str, security: SecurityMode
) -> None:
    token, prompts = _device_token(authority, ca_file)
    assert prompts[0].user_code  # the technician was shown a code
    mail_peer.register_token(token, mail_peer.alice.address)
    recipient = mail_peer.fresh_recipient()
    port = mail_peer.submission_port if security is SecurityMode.STARTTLS else mail_peer.smtps_port
    plan = make_plan(
        mail_peer,
        port,
        security,
        auth=AuthMethod.XOAUTH2,
        username=mail_peer.alice.address,
        kind=CredentialKind.OAUTH_DELEGATED,
        mail_from=mail_peer.alice.address,
        rcpt_to=(recipient,),
    )
    found = probe(plan, token=token)
    assert found.result.authenticated, found.result.failure
    assert found.result.auth_mechanism == "XOAUTH2"
    assert found.primary_code is None
    assert mail_peer.wait_for_message(recipient).mail_from == mail_peer.alice.address
    assert_no_secret_in_transcript(found, token)


def test_fetched_token_presented_for_another_mailbox_is_a_user_mismatch(
    mail_peer: MailPeer, authority: FakeAuthority, ca_file: str
) -> None:
    token, _ = _device_token(authority, ca_file)
    mail_peer.register_token(token, mail_peer.alice.address)
    plan = make_plan(
        mail_peer,
        mail_peer.submission_port,
        SecurityMode.STARTTLS,
        auth=AuthMethod.XOAUTH2,
        username=mail_peer.bob.address,
        kind=CredentialKind.OAUTH_DELEGATED,
        mail_from=mail_peer.bob.address,
        rcpt_to=(mail_peer.fresh_recipient(),),
    )
    found = probe(plan, token=token)
    assert not found.result.authenticated
    assert found.primary_code == "oauth_token_user_mismatch"
