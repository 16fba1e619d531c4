"""``smtp-doctor probe --oauth``: a refused sign-in is a diagnosis with exit status 1, never a traceback."""

from __future__ import annotations

import json

import pytest

from core.cli.main import main
from tests.helpers.fake_authority import AadError, FakeAuthority


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            AadError(7000215, "invalid_client", "Invalid client secret provided."),
            "oauth_app_registration_misconfigured",
        ),
        (AadError(53003, "access_denied", "Blocked by Conditional Access."), "oauth_blocked_by_conditional_access"),
    ],
)
def test_token_endpoint_error_gives_its_finding(
    authority: FakeAuthority,
    ca_file: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: AadError,
    expected: str,
) -> None:
    authority.errors["client_credentials"] = error
    monkeypatch.setenv("APP_SECRET", "not-the-right-secret-1234")
    status = main(
        ["probe", "127.0.0.1", "--port", "9", "--user", "scan@contoso.test", "--no-send", "--json",
         "--oauth", "client-credentials", "--tenant", authority.tenant, "--client-id", authority.client_id,
         "--client-secret-env", "APP_SECRET", "--authority-host", authority.authority_host,
         "--authority-ca-file", ca_file]
    )  # fmt: skip
    out = capsys.readouterr()
    assert status == 1, out.err
    report = json.loads(out.out)
    assert report["failure"]["phase"] == "oauth_token"
    assert report["findings"][0]["code"] == expected
    assert str(error.code) in json.dumps(report["findings"][0]) + json.dumps(report["extra"])
    assert "not-the-right-secret-1234" not in out.out + out.err
    assert "Traceback" not in out.err
