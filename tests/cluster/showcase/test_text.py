"""Text rules: clipping to Discord's limits without breaking characters, channel-name slugs."""

from __future__ import annotations

from bus.contracts.common import PartnerServer
from cluster.message_text import clip, invite_markdown, split_whole
from cluster.showcase.text import (
    advertisement_message,
    channel_slug,
    is_partner_channel,
    partner_topic,
    thread_title,
    unique_channel_name,
)


def test_clip() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 20, 10) == "x" * 9 + "…"
    assert clip(None, 5) == ""
    family = "👨\u200d👩\u200d👧"
    clipped = clip("ab" + family + "cdefgh", 5)  # a cut inside the emoji sequence drops all of it
    assert clipped == "ab…"
    assert clip("e\u0301" * 10, 4) == "e\u0301…"  # never a lone accent


def test_channel_slug() -> None:
    assert channel_slug("Cool Partner!") == "cool-partner"
    assert channel_slug("  ✨✨  ") == "partner"
    assert channel_slug("Café  Über__Server") == "café-über-server"
    assert channel_slug("日本語 サーバー") == "日本語-サーバー"
    long = channel_slug("word " * 50)
    assert len(long) <= 100 and not long.endswith("-")
    assert unique_channel_name("Cool Partner", 1234567, set()) == "cool-partner"
    assert unique_channel_name("Cool Partner", 1234567, {"cool-partner"}) == "cool-partner-4567"
    assert len(unique_channel_name("x" * 200, 1234567, {"x" * 100})) == 100


def test_partner_topic_marks_the_partner_exactly() -> None:
    partner = PartnerServer(id="123", name="@everyone " * 200, invite_code="abc")
    topic = partner_topic(partner)
    assert len(topic) <= 1024 and is_partner_channel(topic, "123")
    assert not is_partner_channel(topic, "12") and not is_partner_channel(topic, "1234")


def test_titles_and_links() -> None:
    assert thread_title("  ") == "Partner" and len(thread_title("n" * 300)) == 100
    assert invite_markdown("abc-DEF") == "[discord.gg/abc-DEF](https://discord.gg/abc-DEF)"
    assert invite_markdown("[x](https://evil.example)") == "`[x](https://evil.example)`"  # shown, not linked
    assert invite_markdown("") == "unknown"


async def test_advertisement_message_without_a_usable_invite_has_no_button() -> None:
    partner = PartnerServer(id="1", name="P", invite_code="bad code")
    kwargs = advertisement_message(partner, "  ad  ")
    assert kwargs["content"] == "ad" and "view" not in kwargs
    assert kwargs["allowed_mentions"].to_dict()["parse"] == []


def test_split_whole_keeps_every_character_and_splits_at_line_breaks_then_spaces() -> None:
    assert split_whole("short") == ["short"]
    assert split_whole("a" * 2000) == ["a" * 2000]  # exactly the limit: one message
    assert split_whole("a" * 1990 + "\n" + "b" * 20) == ["a" * 1990, "b" * 20]
    assert split_whole("one two\nthree four five", limit=12) == ["one two", "three four", "five"]
    assert split_whole("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]  # one long word: split, nothing lost
    assert split_whole("👍🏽" * 6, limit=5) == [
        "👍🏽👍🏽",
        "👍🏽👍🏽",
        "👍🏽👍🏽",
    ]  # never between an emoji and its modifier
