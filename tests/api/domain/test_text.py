"""Free text: advertisements, reasons, server names and invite codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain import text
from api.domain.errors import ErrorCode, RuleViolation

from .builders import PROPERTY

AD_FIELD = ("input", "advertisement")


def refused(call, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)
    assert caught.value.code == ErrorCode.VALIDATION
    return caught.value


# --- advertisement -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  Join us!  ", "Join us!"),
        ("\n\n\tJoin us!\t\n ", "Join us!"),
        ("Line one\nLine two\n\nLine four", "Line one\nLine two\n\nLine four"),
        ("Windows\r\nnewlines\rtoo", "Windows\nnewlines\ntoo"),
        ("tab\tinside", "tab\tinside"),
        ("nul\x00bell\x07esc\x1bdel\x7f", "nulbellescdel"),
        ("c1\x80\x85\x9fend", "c1end"),
        ("zero\u200bwidth\u200cnon\u200djoiner", "zerowidthnonjoiner"),
        ("marks\u200e\u200fgone", "marksgone"),
        ("\u202eevil override\u202c", "evil override"),
        ("\u202a\u202b\u202dembeddings", "embeddings"),
        ("\u2066isolates\u2067\u2068\u2069", "isolates"),
        ("\ufeffbyte order mark", "byte order mark"),
        ("vertical\x0btab and form\x0cfeed", "verticaltab and formfeed"),
        (
            "Émojis 🎉 and ünïcödé stay, @everyone and <@&123> too",
            "Émojis 🎉 and ünïcödé stay, @everyone and <@&123> too",
        ),
    ],
)
def test_advertisement_is_trimmed_and_stripped_of_invisible_characters(raw, stored):
    assert text.advertisement(raw, AD_FIELD) == stored


@pytest.mark.parametrize("raw", ["", "   ", "\n\t \n", "\u200b\u200b", " \u202e \ufeff "])
def test_an_empty_advertisement_is_refused(raw):
    violation = refused(text.advertisement, raw, AD_FIELD)
    assert violation.message == "The advertisement is empty."
    assert violation.field == AD_FIELD


def test_the_default_field_path_is_advertisement():
    assert refused(text.advertisement, "").field == ("advertisement",)


def test_exactly_2000_characters_are_accepted():
    ad = "x" * 2000
    assert text.advertisement(ad, AD_FIELD) == ad


def test_2000_emoji_are_2000_characters():
    ad = "🎉" * 2000
    assert text.advertisement(ad, AD_FIELD) == ad


def test_the_limit_counts_after_trimming_and_stripping():
    ad = "x" * 2000
    assert text.advertisement(f"   {ad}\n\n", AD_FIELD) == ad
    assert text.advertisement("\u200b" * 50 + ad + "\u202e", AD_FIELD) == ad


@pytest.mark.parametrize("length", [2001, 10_000])
def test_longer_advertisements_are_refused_with_their_length(length):
    violation = refused(text.advertisement, "y" * length, AD_FIELD)
    assert violation.message == f"The advertisement is {length} characters; the limit is 2000."
    assert violation.field == AD_FIELD


@PROPERTY
@given(st.text(max_size=300))
def test_a_cleaned_advertisement_has_no_control_characters_and_cleaning_is_idempotent(raw):
    try:
        cleaned = text.advertisement(raw, AD_FIELD)
    except RuleViolation as violation:
        assert violation.message == "The advertisement is empty."
        return
    assert cleaned == cleaned.strip()
    assert "\r" not in cleaned
    assert not any(ord(c) < 0x20 and c not in "\t\n" for c in cleaned)
    assert not any(0x7F <= ord(c) <= 0x9F for c in cleaned)
    assert not any(c in cleaned for c in "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff")
    assert text.advertisement(cleaned, AD_FIELD) == cleaned


# --- reason ----------------------------------------------------------------------------------------


def test_reason_is_optional_and_blank_means_none():
    assert text.reason(None) is None
    assert text.reason("") is None
    assert text.reason("  \n\u200b ") is None


def test_reason_is_trimmed_and_cleaned():
    assert text.reason("  Spam\u200b server \n") == "Spam server"


def test_reason_of_exactly_500_characters_is_accepted():
    assert text.reason("r" * 500) == "r" * 500


def test_reason_of_501_characters_is_refused():
    violation = refused(text.reason, "r" * 501, ("input", "reason"))
    assert violation.message == "The reason is longer than 500 characters."
    assert violation.field == ("input", "reason")


def test_reason_default_field_path():
    assert refused(text.reason, "r" * 501).field == ("reason",)


# --- server name -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "stored"), [("A", "A"), ("  Cozy Café  ", "Cozy Café"), ("n" * 100, "n" * 100)])
def test_server_names_of_1_to_100_characters_are_accepted(raw, stored):
    assert text.server_name(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "\u200b", "n" * 101])
def test_server_names_outside_1_to_100_characters_are_refused(raw):
    violation = refused(text.server_name, raw, ("input", "partnerName"))
    assert violation.message == "A server name has 1 to 100 characters."
    assert violation.field == ("input", "partnerName")


def test_server_name_default_field_path():
    assert refused(text.server_name, "").field == ("partnerName",)


# --- invite code -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc123", "abc123"),
        ("python", "python"),  # a vanity code
        ("my-server-2", "my-server-2"),
        ("ab", "ab"),
        ("z" * 64, "z" * 64),
        ("  abc123\n", "abc123"),
        ("discord.gg/abc123", "abc123"),
        ("https://discord.gg/abc123", "abc123"),
        ("http://discord.gg/abc123", "abc123"),
        ("https://www.discord.gg/abc123", "abc123"),
        ("discord.com/invite/abc123", "abc123"),
        ("https://discord.com/invite/abc123", "abc123"),
        ("https://discordapp.com/invite/abc123", "abc123"),
    ],
)
def test_bare_codes_and_invite_links_give_the_code(raw, code):
    assert text.invite_code(raw) == code


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "a",
        "z" * 65,
        "hello world",
        "abc/def",
        "discord.gg/",
        "https://discord.gg/",
        "https://discord.gg/abc?event=1",
        "https://example.com/abc123",
        "https://evil.gg/abc123",
        "example.com",
        "<script>alert(1)</script>",
        "abc_123",
        "ａｂｃ",
    ],
)
def test_junk_is_not_an_invite(raw):
    violation = refused(text.invite_code, raw, ("input", "invite"))
    assert violation.message == f"{raw[:80]!r} is not a Discord invite."
    assert violation.field == ("input", "invite")


def test_invite_default_field_path():
    assert refused(text.invite_code, "hello world").field == ("inviteCode",)


@pytest.mark.parametrize("invisible", ["\u2060", "\u061c", "\u180e", "\u2028", "\u2029", "\u2064", "\u206f"])
def test_other_invisible_characters_are_stripped(invisible):
    assert text.clean_text(f"Join{invisible}us") == "Joinus"
