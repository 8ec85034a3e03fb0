"""Free text a partner or staff submits: length limits and control characters.

Text is stored as given apart from control characters (which can break the dashboard or the
Discord embed); mentions are left in the text on purpose and neutralised where it is posted
(the bot posts with no allowed mentions; the dashboard renders text, never HTML).
"""

from __future__ import annotations

import re

from .errors import ErrorCode, RuleViolation

MAX_ADVERTISEMENT = 2000
MAX_REASON = 500
MAX_NAME = 100
MAX_INVITE_CODE = 64

# C0/C1 controls except tab and newline, line/paragraph separators, and the invisible or bidi
# characters that can disguise text (zero-width, word joiner, marks, overrides, isolates, BOM), plus
# the characters that render as nothing yet make a name look empty or differ from its look-alike:
# soft hyphen, combining grapheme joiner, the Hangul fillers, Mongolian variation selectors,
# interlinear annotation marks and the tag characters. Emoji variation selectors (U+FE00-FE0F)
# stay: they choose how an emoji is drawn.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180b-\u180f\u200b-\u200f"
    r"\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_INVITE_CODE = re.compile(r"^[A-Za-z0-9-]{2,64}$")


def clean_text(value: str) -> str:
    """Strips control characters and normalises newlines; keeps everything a person can read."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def advertisement(value: str, field: tuple[str, ...] = ("advertisement",), *, required: bool = True) -> str:
    """`required=False`: an empty ad is kept as "" (the seed's `$partnership <server-invite>` DM carries
    none: the representative sends it after approval, with `/ppartner ad`)."""
    text = clean_text(value).strip()
    if not text and required:
        raise RuleViolation(ErrorCode.VALIDATION, "The advertisement is empty.", field)
    if len(text) > MAX_ADVERTISEMENT:
        raise RuleViolation(
            ErrorCode.VALIDATION,
            f"The advertisement is {len(text)} characters; the limit is {MAX_ADVERTISEMENT}.",
            field,
        )
    return text


def optional_text(value: str | None, limit: int, field: tuple[str, ...], label: str) -> str | None:
    if value is None:
        return None
    text = clean_text(value).strip()
    if len(text) > limit:
        raise RuleViolation(ErrorCode.VALIDATION, f"The {label} is longer than {limit} characters.", field)
    return text or None


def reason(value: str | None, field: tuple[str, ...] = ("reason",)) -> str | None:
    return optional_text(value, MAX_REASON, field, "reason")


MAX_REPORTED = 500


def reported(value: str, limit: int = MAX_REPORTED) -> str:
    """A text the cluster reported (a warning, a command's error): cleaned and cut to `limit`
    characters with an ellipsis. Cut rather than refused: an over-long warning is still a warning
    staff should see, but it must not be stored, served or logged whole."""
    text = clean_text(value).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def server_name(value: str, field: tuple[str, ...] = ("partnerName",)) -> str:
    text = clean_text(value).strip()
    if not text or len(text) > MAX_NAME:
        raise RuleViolation(ErrorCode.VALIDATION, f"A server name has 1 to {MAX_NAME} characters.", field)
    return text


def invite_code(value: str, field: tuple[str, ...] = ("inviteCode",)) -> str:
    """Accepts a bare code or a discord.gg / discord.com/invite link and returns the code."""
    text = value.strip()
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    for host in ("discord.gg/", "www.discord.gg/", "discord.com/invite/", "discordapp.com/invite/"):
        text = text.removeprefix(host)
    if not _INVITE_CODE.match(text):
        raise RuleViolation(ErrorCode.VALIDATION, f"{value[:80]!r} is not a Discord invite.", field)
    return text
