"""Showcase posts in the three channel modes, bumps that replace instead of stacking, take-downs, and
Discord refusals reported in plain words with one guild warning."""

from __future__ import annotations

import discord
import pytest

from bus import Envelope
from tests.cluster.showcase.harness import Home, start_home
from tests.fakediscord import ChannelType, FakeDiscord, Permissions
from tests.fakediscord.server import eventually

SINGLE, PER_CHANNEL, FORUM = "SINGLE_CHANNEL", "CHANNEL_PER_PARTNER", "FORUM_PER_PARTNER"


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    return await start_home(fake_discord, start_node)


def join_button(message) -> dict:
    (row,) = message.components
    (button,) = row["components"]
    return button


def partner_channels(home: Home) -> list:
    return [c for c in home.world.guild_channels(home.guild) if c.parent_id == home.category.id]


def forum_threads(home: Home) -> list:
    return [t for t in home.world.threads_of(home.guild) if t.parent_id == home.forum.id]


# ---- posting ----------------------------------------------------------------------------------------------


async def test_single_channel_post_is_the_ad_with_a_join_button(home: Home) -> None:
    result = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase, ad="**Cool** server, come!"))
    assert result["channel_id"] == str(home.showcase.id) and result["thread_id"] is None
    m = home.message(home.showcase, result["message_id"])
    assert m.content == "**Cool** server, come!"
    assert join_button(m) | {"label": "Join Cool Partner", "url": "https://discord.gg/cool"} == join_button(m)
    assert join_button(m)["style"] == 5  # a link button: no interaction to handle
    assert m.allowed_mentions["parse"] == [] and m.pings_nobody


async def test_channel_per_partner_creates_a_named_channel_in_the_category(home: Home) -> None:
    result = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category))
    (channel,) = partner_channels(home)
    assert channel.name == "cool-partner" and channel.type == ChannelType.TEXT
    assert channel.topic.startswith(f"partner server id {home.partner['id']}")
    assert result == {"channel_id": str(channel.id), "message_id": result["message_id"], "thread_id": None}
    assert home.message(channel, result["message_id"]).content == "Our ad"


async def test_channel_per_partner_name_is_slugged_clipped_and_made_unique(
    fake_discord: FakeDiscord, start_node
) -> None:
    def someone_elses_channel(w, guild) -> None:
        category = next(c for c in w.guild_channels(guild) if c.type == ChannelType.CATEGORY)
        w.add_channel(guild, "cool-partner", parent=category)

    home = await start_home(fake_discord, start_node, prepare=someone_elses_channel)
    name_taken = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category))
    channel = home.world.channel(name_taken["channel_id"])
    assert channel.name == f"cool-partner-{home.partner['id'][-4:]}"

    home.partner = {**home.partner, "id": "123456789012345678", "name": "Ünïcode Sérver ✨ " + "long " * 40}
    clipped = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category))
    name = home.world.channel(clipped["channel_id"]).name
    assert name.startswith("ünïcode-sérver-long-long") and len(name) <= 100 and not name.endswith("-")


async def test_forum_mode_opens_a_post_titled_with_the_partner_name(home: Home) -> None:
    result = await home.ok("showcase.post", home.showcase_post(FORUM, home.forum))
    (thread,) = forum_threads(home)
    assert thread.name == "Cool Partner"
    assert result == {"channel_id": str(home.forum.id), "message_id": str(thread.id), "thread_id": str(thread.id)}
    starter = home.message(thread, result["message_id"])
    assert starter.content == "Our ad" and join_button(starter)["url"] == "https://discord.gg/cool"


@pytest.mark.parametrize(
    ("mode", "wrong"),
    [(SINGLE, "category"), (PER_CHANNEL, "showcase"), (FORUM, "showcase")],
)
async def test_a_target_of_the_wrong_type_is_refused_in_plain_words(home: Home, mode: str, wrong: str) -> None:
    done = await home.command("showcase.post", home.showcase_post(mode, getattr(home, wrong)))
    assert done.data["ok"] is False and done.data["error_code"] == "INVALID_COMMAND"
    assert "is not a" in done.data["error"] and "partnership settings" in done.data["error"]
    assert home.sent_by_bot() == []


# ---- bumps ------------------------------------------------------------------------------------------------


async def test_single_channel_bump_posts_the_new_ad_then_deletes_the_old(home: Home) -> None:
    first = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase, ad="v1"))
    second = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase, ad="v2", replace=first))
    assert second["message_id"] != first["message_id"]
    assert [m.content for m in home.world.messages_in(home.showcase)] == ["v2"]
    assert home.world.messages[int(first["message_id"])].deleted
    post = home.fake.calls.calls_to("POST /channels/{channel_id}/messages", channel_id=home.showcase.id)[-1]
    delete = home.fake.calls.last("DELETE /channels/{channel_id}/messages/{message_id}")
    assert post.time <= delete.time  # new one first: a failed post never leaves the partner with nothing


async def test_channel_per_partner_bump_reuses_the_channel(home: Home) -> None:
    first = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category, ad="v1"))
    second = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category, ad="v2", replace=first))
    (channel,) = partner_channels(home)
    assert second["channel_id"] == first["channel_id"] == str(channel.id)
    assert [m.content for m in home.world.messages_in(channel)] == ["v2"]


@pytest.mark.parametrize(
    ("mode", "parent", "made", "key"),
    [(PER_CHANNEL, "category", partner_channels, "channel_id"), (FORUM, "forum", forum_threads, "thread_id")],
    ids=["channel-per-partner", "forum"],
)
async def test_a_bump_after_its_channel_or_thread_was_deleted_makes_a_new_one(
    home: Home, mode: str, parent: str, made, key: str
) -> None:
    first = await home.ok("showcase.post", home.showcase_post(mode, getattr(home, parent), ad="v1"))
    home.world.delete_channel(int(first[key]))
    second = await home.ok("showcase.post", home.showcase_post(mode, getattr(home, parent), ad="v2", replace=first))
    (place,) = made(home)
    assert second[key] == str(place.id) != first[key]
    assert [m.content for m in home.world.messages_in(place)] == ["v2"]


async def test_forum_bump_reuses_the_thread_even_when_archived(home: Home) -> None:
    first = await home.ok("showcase.post", home.showcase_post(FORUM, home.forum, ad="v1"))
    thread = home.world.channel(int(first["thread_id"]))
    thread.archived = True  # auto-archived after a week without messages (no event: the node fetches it)
    second = await home.ok("showcase.post", home.showcase_post(FORUM, home.forum, ad="v2", replace=first))
    assert forum_threads(home) == [thread]
    assert second["thread_id"] == first["thread_id"] and second["channel_id"] == str(home.forum.id)
    assert [m.content for m in home.world.messages_in(thread)] == ["v2"]
    assert str(home.world.messages_in(thread)[0].id) == second["message_id"]
    assert not thread.archived  # the new message re-opened it


async def test_bump_succeeds_even_if_the_old_post_cannot_be_deleted(home: Home) -> None:
    first = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase, ad="v1"))
    home.fake.rest.inject("DELETE /channels/{channel_id}/messages/{message_id}", status=503)
    second = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase, ad="v2", replace=first))
    assert second["message_id"] != first["message_id"]  # reported once: a redelivery would post it again
    forbidden = {"code": 50013, "message": "Missing Permissions"}
    home.fake.rest.inject("DELETE /channels/{channel_id}/messages/{message_id}", status=403, body=forbidden)
    await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase, ad="v3", replace=second))
    assert [m.content for m in home.world.messages_in(home.showcase)] == ["v1", "v2", "v3"]
    (warning,) = home.warnings("MISSING_PERMISSIONS")
    assert "cannot delete a replaced advertisement in #partners" in warning.data["message"]


# ---- take-downs -------------------------------------------------------------------------------------------


async def test_remove_single_channel_post_is_idempotent(home: Home) -> None:
    posted = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase))
    remove = {"partnership_id": "p1", "channel_mode": SINGLE, "placement": posted}
    assert await home.ok("showcase.remove", remove) == {}
    assert home.world.messages_in(home.showcase) == []
    assert await home.ok("showcase.remove", remove) == {}  # already gone: done
    home.world.delete_channel(home.showcase)
    assert await home.ok("showcase.remove", remove) == {}


async def test_remove_channel_per_partner_deletes_the_ad_and_locks_the_channel(home: Home) -> None:
    posted = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category))
    remove = {"partnership_id": "p1", "channel_mode": PER_CHANNEL, "placement": posted}
    assert await home.ok("showcase.remove", remove) == {}
    channel = home.world.channel(int(posted["channel_id"]))  # kept: history is never deleted
    assert home.world.messages_in(channel) == []
    (everyone,) = [o for o in channel.permission_overwrites if int(o["id"]) == home.guild.id]
    assert int(everyone["deny"]) & Permissions.SEND_MESSAGES and int(everyone["allow"]) == 0
    mark = home.fake.calls.mark()
    assert await home.ok("showcase.remove", remove) == {}  # again: nothing left to do
    assert "PUT /channels/{channel_id}/permissions/{overwrite_id}" not in home.fake.calls.routes(mark)
    home.world.delete_channel(channel)
    assert await home.ok("showcase.remove", remove) == {}


@pytest.mark.parametrize("mode", [SINGLE, PER_CHANNEL, FORUM])
async def test_remove_after_the_channel_was_deleted_is_done(home: Home, mode: str) -> None:
    target = {SINGLE: home.showcase, PER_CHANNEL: home.category, FORUM: home.forum}[mode]
    posted = await home.ok("showcase.post", home.showcase_post(mode, target))
    home.world.delete_channel(int(posted["thread_id"] or posted["channel_id"]))  # the node has not heard yet
    assert await home.ok("showcase.remove", {"partnership_id": "p1", "channel_mode": mode, "placement": posted}) == {}


async def test_remove_never_locks_the_shared_channel(home: Home) -> None:
    posted = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase))
    # the guild switched to channel-per-partner after this ad was posted
    assert (
        await home.ok("showcase.remove", {"partnership_id": "p1", "channel_mode": PER_CHANNEL, "placement": posted})
        == {}
    )
    assert home.world.messages_in(home.showcase) == [] and home.showcase.permission_overwrites == []


async def test_remove_forum_post_archives_and_locks_the_thread(home: Home) -> None:
    posted = await home.ok("showcase.post", home.showcase_post(FORUM, home.forum))
    remove = {"partnership_id": "p1", "channel_mode": FORUM, "placement": posted}
    assert await home.ok("showcase.remove", remove) == {}
    thread = home.world.channel(int(posted["thread_id"]))
    assert thread.archived and thread.locked
    assert [m.content for m in home.world.messages_in(thread)] == ["Our ad"]  # kept, read-only
    assert await home.ok("showcase.remove", remove) == {}
    home.world.delete_channel(thread)
    assert await home.ok("showcase.remove", remove) == {}


# ---- refusals ---------------------------------------------------------------------------------------------


async def test_missing_send_permission_fails_in_plain_words_with_one_warning(home: Home) -> None:
    home.world.deny_bot(home.guild, "SEND_MESSAGES", channel=home.showcase)
    for _ in range(3):
        done = await home.command("showcase.post", home.showcase_post(SINGLE, home.showcase))
        assert done.data["ok"] is False and done.data["error_code"] == "MISSING_PERMISSIONS"
        assert done.data["error"] == (
            "Could not post the advertisement in the showcase: the bot lacks a Discord permission for this."
        )
        assert done.data["refs"]["partnership_id"] == "p1"
    (warning,) = home.warnings()
    assert warning.guild_id == str(home.guild.id) and warning.data["code"] == "MISSING_PERMISSIONS"
    assert warning.data["message"].startswith("The bot cannot post advertisements in #partners: give it ")


async def test_channel_per_partner_cleans_up_when_the_ad_cannot_be_posted(home: Home) -> None:
    home.world.deny_bot(home.guild, "SEND_MESSAGES", channel=home.category)
    done = await home.command("showcase.post", home.showcase_post(PER_CHANNEL, home.category))
    assert done.data["error_code"] == "MISSING_PERMISSIONS"
    assert partner_channels(home) == []  # the channel made for it was deleted again
    assert "#partner-channels" in home.warnings()[0].data["message"]


async def test_deleted_showcase_channel_is_unknown_channel(home: Home) -> None:
    home.world.delete_channel(home.showcase)  # no event: the node still has it cached
    done = await home.command("showcase.post", home.showcase_post(SINGLE, home.showcase))
    assert done.data["ok"] is False and done.data["error_code"] == "UNKNOWN_CHANNEL"
    assert done.data["error"] == "Could not post the advertisement in the showcase: the channel no longer exists."
    (warning,) = home.warnings()
    assert warning.data["code"] == "CHANNEL_MISSING" and str(home.showcase.id) in warning.data["message"]

    forum = home.forum
    home.world.delete_channel(forum)
    await home.fake.dispatch(home.guild.id, "CHANNEL_DELETE", home.world.channel_payload(forum))  # heard of this one
    await eventually(lambda: home.bot.get_channel(forum.id) is None)
    done = await home.command("showcase.post", home.showcase_post(FORUM, forum))
    assert done.data["error_code"] == "UNKNOWN_CHANNEL"
    assert len(home.warnings("CHANNEL_MISSING")) == 1  # rate-limited per guild and code


async def test_transient_discord_errors_are_left_to_the_bus(home: Home) -> None:
    home.fake.rest.inject("POST /channels/{channel_id}/messages", status=503, times=1)  # 503: not retried by discord.py
    env = Envelope.new("showcase.post", home.guild.id, home.showcase_post(SINGLE, home.showcase))
    with pytest.raises(discord.DiscordServerError):
        await home.bus.deliver_command(0, env)
    assert home.bus.events("command.completed") == []  # redelivered later, not reported as failed
