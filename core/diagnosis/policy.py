"""Microsoft's Basic-auth retirement for SMTP AUTH as dated data, and wording that depends on today.

Microsoft has moved these dates several times, so the findings never hard-code them: they read
this table and say "was announced for ..." before a date and "has been in force since ..." after
it. ``AS_OF`` is when the table was last checked; past ``STALE_AFTER`` the wording asks the reader
to check the source for a newer announcement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

AS_OF = date(2026, 1, 27)
SOURCE = (
    "https://techcommunity.microsoft.com/blog/exchange/"
    "updated-exchange-online-smtp-auth-basic-authentication-deprecation-timeline/4489835"
)
STALE_AFTER = date(2027, 7, 1)  # the second half of 2027 brings a new announcement


@dataclass(frozen=True)
class Milestone:
    """One dated step of a retirement plan."""

    when: date
    what: str  # completes "... <what>", in the past or future tense by the caller


# Exchange Online (Microsoft 365) SMTP AUTH client submission with a password or app password.
EXCHANGE_ONLINE: tuple[Milestone, ...] = (
    Milestone(
        date(2026, 12, 31),
        "password (Basic) sign-in for SMTP AUTH is switched off by default for existing Microsoft 365 "
        "organisations (an administrator can still switch it back on)",
    ),
    Milestone(
        date(2027, 1, 1),
        "new Microsoft 365 organisations get no password (Basic) SMTP AUTH at all; OAuth2 is the supported way",
    ),
)
FINAL_REMOVAL_NOTE = "Microsoft said it will announce the final removal date in the second half of 2027."
REJECTION_REPLY = "550 5.7.30 Basic authentication is not supported for Client Submission"

# Consumer Outlook.com / Hotmail stopped accepting passwords for SMTP.
OUTLOOK_COM_BASIC_OFF = date(2024, 9, 16)


def _today(now: datetime | None) -> date:
    return (now or datetime.now().astimezone()).date()


def milestone_sentence(milestone: Milestone, now: datetime | None) -> str:
    """One milestone in the tense that fits today's date."""
    day = f"{milestone.when.day} {milestone.when:%B %Y}"
    if _today(now) >= milestone.when:
        return f"This has been in force since {day}: {milestone.what}."
    return f"Microsoft has announced that from {day}, {milestone.what}."


def exchange_online_status(now: datetime | None) -> str:
    """Where the Exchange Online retirement stands today, in plain words, with the source."""
    sentences = [milestone_sentence(m, now) for m in EXCHANGE_ONLINE]
    sentences.append(FINAL_REMOVAL_NOTE)
    sentences.append(f"Once it is off, the server answers '{REJECTION_REPLY}'.")
    tail = f"(Dates as published by Microsoft, checked {AS_OF:%d %B %Y}: {SOURCE}"
    if _today(now) >= STALE_AFTER:
        tail += "; this information may be out of date, check the link for a newer announcement"
    return " ".join(sentences) + " " + tail + ")"


def outlook_com_status(now: datetime | None) -> str:
    day = f"{OUTLOOK_COM_BASIC_OFF.day} {OUTLOOK_COM_BASIC_OFF:%B %Y}"
    if _today(now) >= OUTLOOK_COM_BASIC_OFF:
        return f"Personal Outlook.com/Hotmail accounts have not accepted passwords for sending since {day}."
    return f"Personal Outlook.com/Hotmail accounts stop accepting passwords for sending on {day}."
