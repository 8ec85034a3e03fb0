"""Review posts (embed, the one allowed ping, reactions), decisions shown on them, and reviewers'
reactions forwarded to the api with their permissions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.cluster.showcase.harness import MENTIONS_AD, Home, start_home
from tests.fakediscord import FakeDiscord, Permissions
from tests.fakediscord.constants import DEFAULT_EVERYONE_PERMISSIONS
from tests.fakediscord.server import eventually


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    home = await start_home(fake_discord, start_node)
    await home.sync(review_channel_id=str(home.review.id), review_ping_role_id=str(home.ping_role.id))
    return home


def fields(message: Any) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


async def test_review_post_embed_pings_only_the_review_role_and_adds_both_reactions(home: Home) -> None:
    ad = MENTIONS_AD.format(role=home.ping_role.id, user=home.rep)
    result = await home.ok("review.post", home.review_post(ad=ad))
    assert result["channel_id"] == str(home.review.id)
    m = home.message(home.review, result["message_id"])

    assert m.content == f"<@&{home.ping_role.id}>"
    assert m.pings == {"everyone": False, "users": [], "roles": [home.ping_role.id]}
    assert m.allowed_mentions["parse"] == []
    assert [int(r) for r in m.allowed_mentions["roles"]] == [home.ping_role.id]
    assert not m.allowed_mentions.get("users") and not m.allowed_mentions.get("replied_user")

    embed = m.embeds[0]
    assert embed["title"] == "Cool Partner"
    assert embed["thumbnail"]["url"] == home.partner["icon_url"]
    assert embed["description"] == ad  # the ad lives in the embed, where nothing pings
    assert fields(m) == {
        "Members": "1,234",
        "Invite": "[discord.gg/cool](https://discord.gg/cool)",
        "Partnership Representative": f"<@{home.rep}>",
        "Source": "Direct message ($partnership)",
        "Status": "Pending: react 👍 to accept, 👎 to deny",
    }
    assert m.reactions == {"👍": [home.world.bot.id], "👎": [home.world.bot.id]}
    assert home.bus.events("review.reaction") == []  # the bot's own reactions are not reviews


async def test_review_post_without_ping_role_pings_nobody_and_clips_a_long_ad(home: Home) -> None:
    ad = "x" * 5000
    result = await home.ok("review.post", home.review_post(ad=ad, ping=False))
    m = home.message(home.review, result["message_id"])
    assert m.content == "" and m.pings_nobody
    assert len(m.embeds[0]["description"]) == 4096 and m.embeds[0]["description"].endswith("…")


async def test_review_update_shows_the_decision(home: Home) -> None:
    posted = await home.ok("review.post", home.review_post())
    target = {"application_id": "a1", "channel_id": posted["channel_id"], "message_id": posted["message_id"]}
    manager = home.world.add_member(home.guild, roles=[home.manager_role]).user_id

    result = await home.ok("review.update", {**target, "status": "APPROVED", "decided_by": str(manager)})
    assert result == {"message_id": posted["message_id"]}
    m = home.message(home.review, posted["message_id"])
    assert fields(m)["Status"] == f"**ACCEPTED** by <@{manager}>"
    assert "Reason" not in fields(m)
    assert m.embeds[0]["color"] == 0x2ECC71
    assert fields(m)["Members"] == "1,234" and m.embeds[0]["title"] == "Cool Partner"  # the rest is kept

    denial = {**target, "status": "DENIED", "decided_by": str(manager), "reason": "ad breaks rule 3"}
    await home.ok("review.update", denial)
    await home.ok("review.update", denial)  # applied twice (redelivery): same embed, no duplicate fields
    m = home.message(home.review, posted["message_id"])
    names = [f["name"] for f in m.embeds[0]["fields"]]
    assert names.count("Status") == 1 and names.count("Reason") == 1
    assert fields(m)["Status"] == f"**DENIED** by <@{manager}>"
    assert fields(m)["Reason"] == "ad breaks rule 3"
    assert m.embeds[0]["color"] == 0xE74C3C
    assert m.pings_nobody  # an edit pings nobody either


async def test_review_update_automatic_denial(home: Home) -> None:
    posted = await home.ok("review.post", home.review_post())
    await home.ok(
        "review.update",
        {"application_id": "a1", "channel_id": posted["channel_id"], "message_id": posted["message_id"],
         "status": "DENIED", "decided_by": None, "reason": "blacklisted"},
    )  # fmt: skip
    m = home.message(home.review, posted["message_id"])
    assert fields(m)["Status"] == "**DENIED** automatically" and fields(m)["Reason"] == "blacklisted"


async def test_review_update_of_a_deleted_post_fails_in_plain_words(home: Home) -> None:
    posted = await home.ok("review.post", home.review_post())
    home.message(home.review, posted["message_id"]).deleted = True
    done = await home.command(
        "review.update",
        {"application_id": "a1", "channel_id": posted["channel_id"], "message_id": posted["message_id"],
         "status": "APPROVED", "decided_by": str(home.rep)},
    )  # fmt: skip
    assert done.data["ok"] is False and done.data["error_code"] == "UNKNOWN_MESSAGE"
    assert done.data["error"] == "Could not update the review post: the message no longer exists."


# ---- reactions -------------------------------------------------------------------------------------------


async def react(home: Home, message: Any, user: int, emoji: str = "👍") -> None:
    """Dispatch a reaction and wait until the node has handled it (its listeners have run)."""
    seen = asyncio.ensure_future(home.bot.wait_for("raw_reaction_add", check=lambda p: p.user_id == user))
    await home.fake.reaction_add(message, user, emoji)
    await asyncio.wait_for(seen, 5)
    await asyncio.sleep(0.05)  # the listener tasks scheduled with the event


async def next_reaction(home: Home, count: int) -> dict[str, Any]:
    events = await eventually(
        lambda: len(home.bus.events("review.reaction")) >= count and home.bus.events("review.reaction")
    )
    assert len(events) == count
    return events[-1].data


async def test_manager_owner_and_plain_member_reactions_carry_their_permissions(home: Home) -> None:
    posted = await home.ok("review.post", home.review_post())
    m = home.message(home.review, posted["message_id"])
    w, g = home.world, home.guild
    manager = w.add_member(g, roles=[home.manager_role]).user_id
    plain = w.add_member(g).user_id

    await react(home, m, manager, "👍")
    data = await next_reaction(home, 1)
    assert data["channel_id"] == str(home.review.id) and data["message_id"] == str(m.id)
    assert data["user_id"] == str(manager) and data["emoji"] == "👍"
    assert data["member_role_ids"] == [str(home.manager_role.id)]
    assert data["member_permissions"] == w.member_permissions(g, manager)
    assert data["member_permissions"] & Permissions.MANAGE_GUILD
    assert data["is_owner"] is False

    await react(home, m, g.owner_id, "👎")
    data = await next_reaction(home, 2)
    assert data["emoji"] == "👎" and data["is_owner"] is True
    assert (
        data["member_permissions"] & Permissions.ADMINISTRATOR and data["member_permissions"] & Permissions.MANAGE_GUILD
    )

    await react(home, m, plain, "👍")
    data = await next_reaction(home, 3)
    assert data["member_role_ids"] == [] and data["is_owner"] is False
    assert data["member_permissions"] == int(DEFAULT_EVERYONE_PERMISSIONS)
    assert not data["member_permissions"] & Permissions.MANAGE_GUILD


async def test_administrator_role_implies_every_permission(home: Home) -> None:
    posted = await home.ok("review.post", home.review_post())
    admin_role = home.world.add_role(home.guild, "Admins", permissions=["ADMINISTRATOR"])
    # the node learns new roles from GUILD_ROLE_CREATE
    await home.fake.dispatch(
        home.guild.id, "GUILD_ROLE_CREATE", {"guild_id": str(home.guild.id), "role": admin_role.payload()}
    )
    await eventually(lambda: home.bot.get_guild(home.guild.id).get_role(admin_role.id))
    admin = home.world.add_member(home.guild, roles=[admin_role]).user_id
    await react(home, home.message(home.review, posted["message_id"]), admin)
    data = await next_reaction(home, 1)
    assert (
        data["member_permissions"] & Permissions.MANAGE_GUILD and data["member_permissions"] & Permissions.MANAGE_ROLES
    )


async def test_reactions_elsewhere_other_emojis_and_other_authors_send_nothing(home: Home) -> None:
    posted = await home.ok("review.post", home.review_post())
    review_post = home.message(home.review, posted["message_id"])
    w, g = home.world, home.guild
    manager = w.add_member(g, roles=[home.manager_role]).user_id
    elsewhere = w.add_message(home.general, w.bot.id, "a bot message outside the review channel")
    members_post = w.add_message(home.review, manager, "a member's message in the review channel")

    await react(home, elsewhere, manager, "👍")
    await react(home, members_post, manager, "👍")
    await react(home, review_post, manager, "🎉")
    await react(home, review_post, manager, "👎")  # the only one that counts
    data = await next_reaction(home, 1)
    assert data["emoji"] == "👎" and data["message_id"] == str(review_post.id)


async def test_no_review_channel_configured_means_no_reaction_events(fake_discord: FakeDiscord, start_node) -> None:
    home = await start_home(fake_discord, start_node)
    await home.sync(review_channel_id=None)
    posted = await home.ok("review.post", home.review_post())  # the api would not send it; the node still posts
    manager = home.world.add_member(home.guild, roles=[home.manager_role]).user_id
    await react(home, home.message(home.review, posted["message_id"]), manager)
    await home.sync(review_channel_id=str(home.review.id))
    await react(home, home.message(home.review, posted["message_id"]), manager, "👎")
    data = await next_reaction(home, 1)
    assert data["emoji"] == "👎"


async def test_review_reaction_remove_takes_the_reaction_back(home: Home) -> None:
    posted = await home.ok("review.post", home.review_post())
    m = home.message(home.review, posted["message_id"])
    plain = home.world.add_member(home.guild).user_id
    await react(home, m, plain, "👍")
    assert plain in m.reactions["👍"]

    remove = {
        "channel_id": posted["channel_id"],
        "message_id": posted["message_id"],
        "user_id": str(plain),
        "emoji": "👍",
    }
    mark = home.fake.calls.mark()
    assert await home.ok("review.reaction.remove", remove) == {}
    call = home.fake.calls.last("DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}")
    assert call.params["user_id"] == plain and call.status == 204
    assert m.reactions["👍"] == [home.world.bot.id]
    assert len(home.fake.calls.routes(mark)) == 1  # one REST call, no fetches

    assert await home.ok("review.reaction.remove", remove) == {}  # already gone: done
    m.deleted = True
    assert await home.ok("review.reaction.remove", remove) == {}  # post gone: nothing to remove


async def test_review_post_without_send_permission_fails_and_warns_once(home: Home) -> None:
    home.world.deny_bot(home.guild, "SEND_MESSAGES", channel=home.review)
    for _ in range(2):
        done = await home.command("review.post", home.review_post())
        assert done.data["ok"] is False and done.data["error_code"] == "MISSING_PERMISSIONS"
        assert (
            done.data["error"]
            == "Could not post the application for review: the bot lacks a Discord permission for this."
        )
    (warning,) = home.warnings()
    assert warning.data["code"] == "MISSING_PERMISSIONS"
    assert "#partnership-requests" in warning.data["message"] and "Send Messages" in warning.data["message"]


async def test_review_post_without_add_reactions_still_posts_and_warns(home: Home) -> None:
    home.world.deny_bot(home.guild, "ADD_REACTIONS", channel=home.review)
    result = await home.ok("review.post", home.review_post())
    assert home.message(home.review, result["message_id"]).reactions == {}
    (warning,) = home.warnings("MISSING_PERMISSIONS")
    assert "Add Reactions" in warning.data["message"]


async def test_review_post_in_a_deleted_channel(home: Home) -> None:
    home.world.delete_channel(home.review)
    done = await home.command("review.post", home.review_post())
    assert done.data["ok"] is False and done.data["error_code"] == "UNKNOWN_CHANNEL"
    assert [w.data["code"] for w in home.warnings()] == ["CHANNEL_MISSING"]


async def test_before_settings_arrive_reactions_on_the_bots_messages_are_forwarded(
    fake_discord: FakeDiscord, start_node
) -> None:
    home = await start_home(fake_discord, start_node)  # just started: the api has not synced settings yet
    posted = await home.ok("review.post", home.review_post())
    manager = home.world.add_member(home.guild, roles=[home.manager_role]).user_id
    members_post = home.world.add_message(home.review, manager, "not the bot's")
    await react(home, members_post, manager)
    await react(home, home.message(home.review, posted["message_id"]), manager)
    data = await next_reaction(home, 1)  # the api matches it to the application by message id
    assert data["message_id"] == posted["message_id"]
