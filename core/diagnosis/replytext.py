"""Reading reply text robustly: normalising prose, finding embedded replies, parsing pasted replies.

Providers reword their prose, append ``[host timestamp id]`` suffixes, use typographic
apostrophes, and clients wrap replies in their own words (.NET, MailKit, smtplib). Rules match on
normalised text so none of that breaks them.
"""

from __future__ import annotations

import re

from core.smtp import sasl
from core.smtp.events import Reply

_BRACKETS = re.compile(r"\[[^\]]*\]")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u201c": '"', "\u201d": '"'})

# "... Error: 535 5.7.139 ..." inside an outer reply (.NET / Exchange carry the AUTH failure along).
_EMBEDDED = re.compile(r"\berror:?\s+([45]\d\d)[ -]+(.+)$", re.IGNORECASE | re.DOTALL)
# One reply line as servers and most clients print it: "535 5.7.8 text", "534-5.7.9 text", "535: text".
_REPLY_LINE = re.compile(r"^\s*([2-5]\d\d)(?:[ -]|:\s?|$)(.*)$")
_ENHANCED_START = re.compile(r"^\s*([245])\.\d{1,3}\.\d{1,3}(?=\s|$)")


def normalise(text: str) -> str:
    """Lower-case text with unified apostrophes, bracketed suffixes removed and single spaces."""
    text = text.translate(_APOSTROPHES)
    text = _BRACKETS.sub(" ", text)
    return _SPACES.sub(" ", text).strip().lower()


def contains_words(text: str, words: str) -> bool:
    """All ``words`` (space separated) occur in ``text``; ``_`` joins words that must be adjacent."""
    return all(word.replace("_", " ") in text for word in words.split())


def default_code(klass: int) -> int:
    """A reply code for text that lost its code (e.g. .NET prints only the enhanced code)."""
    return {2: 250, 4: 451, 5: 550}[klass]


def embedded_reply(reply: Reply) -> Reply | None:
    """The earlier error a reply carries along (``5.7.57 ... Error: 535 5.7.139 ...``), if any."""
    match = _EMBEDDED.search(reply.text)
    if match is None:
        return None
    return Reply(int(match.group(1)), (match.group(2).strip(),))


def parse_reply(text: str) -> Reply | None:
    """A Reply from text as a server or client printed it; None if it holds no reply code.

    Continuation lines that lost their ``NNN-`` prefix (Go's net/smtp) are kept as lines; a text
    with only an enhanced code (.NET) gets a code from the enhanced code's class.
    """
    lines = [line for line in text.replace("\r", "").split("\n") if line.strip()]
    if not lines:
        return None
    first = _REPLY_LINE.match(lines[0])
    if first is not None:
        code = int(first.group(1))
        body = [first.group(2).strip()]
        for line in lines[1:]:
            more = _REPLY_LINE.match(line)
            body.append(more.group(2).strip() if more and int(more.group(1)) == code else line.strip())
        return Reply(code, tuple(body))
    start = _ENHANCED_START.match(lines[0])
    if start is not None:
        return Reply(default_code(int(start.group(1))), tuple(line.strip() for line in lines))
    return None


def decode_xoauth2_challenge(reply: Reply) -> dict[str, object] | None:
    """The JSON error a 334 challenge to AUTH XOAUTH2 carries (Google), or None."""
    if reply.code != 334 or not reply.lines:
        return None
    return sasl.decode_xoauth2_challenge(reply.lines[0])
