"""Characters that render as nothing are stripped from names and advertisements (issue 14, item 7)."""

from __future__ import annotations

import pytest

from api.domain import text
from api.domain.errors import RuleViolation

INVISIBLE = {
    "soft hyphen": "\u00ad",
    "combining grapheme joiner": "\u034f",
    "hangul choseong filler": "\u115f",
    "hangul jungseong filler": "\u1160",
    "mongolian free variation selector one": "\u180b",
    "mongolian free variation selector three": "\u180d",
    "hangul filler": "\u3164",
    "halfwidth hangul filler": "\uffa0",
    "interlinear annotation anchor": "\ufff9",
    "interlinear annotation separator": "\ufffa",
    "interlinear annotation terminator": "\ufffb",
    "language tag": "\U000e0001",
    "tag latin small letter a": "\U000e0061",
    "cancel tag": "\U000e007f",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_are_stripped_from_an_advertisement(char):
    assert text.advertisement(f"Join{char} us{char}") == "Join us"


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_server_name_of_only_invisible_characters_is_refused(char):
    with pytest.raises(RuleViolation):
        text.server_name(char * 5)


def test_a_name_hidden_by_hangul_fillers_and_tags_keeps_its_visible_letters():
    assert text.server_name("\u3164Cool\U000e0063\U000e006f Server\u00ad") == "Cool Server"


def test_emoji_and_their_presentation_selectors_are_kept():
    assert text.advertisement("We \u2764\ufe0f partners 👍🏽") == "We \u2764\ufe0f partners 👍🏽"
