"""The practice server's accounts: each login name stands for one way a real account misbehaves.

An account answers a correct password (and, where it has one, its app password or its practice
OAuth token) the way the real provider answers such an account. A wrong password gets the
provider's generic refusal: Microsoft's bare ``535 5.7.3`` or Gmail's ``535 5.7.8 BadCredentials``.
The passwords and tokens are practice values printed by ``smtp-doctor lab``; they protect nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.lab import replies
from core.lab.replies import Style

DOMAIN = "practice.test"
PRACTICE_PASSWORD = "Lab-Pa55word"  # every account's normal password (not a word of any address)
PRACTICE_APP_PASSWORD = "abcd efgh ijkl mnop"  # Google shows app passwords in groups of four
UNKNOWN_RECIPIENTS = frozenset({f"nobody@{DOMAIN}"})


def practice_token(login: str) -> str:
    """The access token the server accepts for ``login`` without any OAuth authority."""
    return f"practice-token-{login.partition('@')[0]}"


ReplyMaker = Callable[[], str]


@dataclass(frozen=True)
class Account:
    """One practice login and how the server treats it.

    ``password_reply`` / ``token_reply``: the reply to a correct password / an accepted token;
    None means success (``235``). ``password`` None: the account has no password sign-in at all.
    """

    login: str
    style: Style
    summary: str  # what this account stands for, in plain words
    password: str | None = PRACTICE_PASSWORD
    password_reply: ReplyMaker | None = None
    app_password: str | None = None
    token_reply: ReplyMaker | None = None

    @property
    def token(self) -> str:
        return practice_token(self.login)

    def accepts_app_password(self, value: str) -> bool:
        # Google ignores the spaces it displays in app passwords; printers often strip them.
        return self.app_password is not None and value.replace(" ", "") == self.app_password.replace(" ", "")


def _login(name: str) -> str:
    return f"{name}@{DOMAIN}"


ACCOUNTS: tuple[Account, ...] = (
    Account(_login("works"), Style.MICROSOFT, "Signs in and sends (Microsoft 365 style)."),
    Account(
        _login("tenant-disabled"),
        Style.MICROSOFT,
        "SMTP AUTH is switched off for the whole organisation; blocks passwords and OAuth alike.",
        password_reply=replies.microsoft_tenant_smtp_auth_disabled,
        token_reply=replies.microsoft_tenant_smtp_auth_disabled,
    ),
    Account(
        _login("mailbox-disabled"),
        Style.MICROSOFT,
        "SMTP AUTH is switched off for this mailbox; blocks passwords and OAuth alike.",
        password_reply=replies.microsoft_mailbox_smtp_auth_disabled,
        token_reply=replies.microsoft_mailbox_smtp_auth_disabled,
    ),
    Account(
        _login("basic-disabled"),
        Style.MICROSOFT,
        "Password (Basic) sign-in is refused; OAuth with the practice token works.",
        password_reply=replies.microsoft_basic_auth_disabled,
    ),
    Account(
        _login("security-defaults"),
        Style.MICROSOFT,
        "Security Defaults block the legacy password sign-in; OAuth with the practice token works.",
        password_reply=replies.microsoft_security_defaults,
    ),
    Account(
        _login("send-as-denied"),
        Style.MICROSOFT,
        "Signs in, but may send only as itself: another From address is refused after DATA.",
    ),
    Account(
        _login("oauth"),
        Style.MICROSOFT,
        "OAuth only (XOAUTH2): no password sign-in; the practice token or a configured token works.",
        password=None,
    ),
    Account(
        _login("app-password"),
        Style.GMAIL,
        "Gmail style with 2-Step Verification: the normal password is refused, the app password works.",
        password_reply=replies.gmail_app_password_required,
        app_password=PRACTICE_APP_PASSWORD,
    ),
    Account(
        _login("web-login"),
        Style.GMAIL,
        "Gmail style: Google wants a person to sign in on the web before SMTP works.",
        password_reply=replies.gmail_web_login_required,
    ),
    Account(
        _login("throttled"),
        Style.GMAIL,
        "Gmail style: too many sign-ins recently, try again later.",
        password_reply=replies.gmail_too_many_logins,
    ),
)


def account_map(accounts: tuple[Account, ...] = ACCOUNTS) -> dict[str, Account]:
    """Accounts by lower-case login (logins are case-insensitive, as at the real providers)."""
    return {a.login.lower(): a for a in accounts}
