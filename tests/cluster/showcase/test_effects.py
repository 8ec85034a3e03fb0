"""The other effects of a partnership: the tracked invite, the contact role, direct messages; and the
rule that nothing the bot posts pings anyone (but the review ping role)."""

from __future__ import annotations

import pytest

from tests.cluster.showcase.harness import MENTIONS_AD, Home, start_home
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    return await start_home(fake_discord, start_node)


# ---- invite.create ----------------------------------------------------------------------------------------


async def test_invite_is_permanent_unique_and_recorded(home: Home) -> None:
    result = await home.ok("invite.create", {"partnership_id": "p1", "channel_id": str(home.showcase.id)})
    invite = home.world.invite(result["code"])
    assert result == {"code": invite.code}
    assert (invite.channel_id, invite.guild_id, invite.inviter_id) == (
        home.showcase.id,
        home.guild.id,
        home.world.bot.id,
    )
    assert (invite.max_age, invite.max_uses, invite.temporary) == (0, 0, False)
    call = home.fake.calls.last("POST /channels/{channel_id}/invites")
    assert call.json["unique"] is True and call.json["max_age"] == 0 and call.json["max_uses"] == 0

    again = await home.ok("invite.create", {"partnership_id": "p2", "channel_id": str(home.showcase.id)})
    assert again["code"] != result["code"]  # one invite per partnership, never shared


async def test_invite_channel_defaults_to_the_first_text_channel_then_prefers_the_system_channel(home: Home) -> None:
    result = await home.ok("invite.create", {"partnership_id": "p1", "channel_id": None})
    assert home.world.invite(result["code"]).channel_id == home.general.id  # first by position

    payload = home.world.guild_payload(home.guild)
    payload["system_channel_id"] = str(home.showcase.id)
    await home.fake.dispatch(home.guild.id, "GUILD_UPDATE", payload)
    await eventually(lambda: home.bot.get_guild(home.guild.id).system_channel is not None)
    result = await home.ok("invite.create", {"partnership_id": "p2", "channel_id": None})
    assert home.world.invite(result["code"]).channel_id == home.showcase.id


async def test_invite_without_permission_fails_and_warns(home: Home) -> None:
    home.world.deny_bot(home.guild, "CREATE_INSTANT_INVITE")
    done = await home.command("invite.create", {"partnership_id": "p1", "channel_id": None})
    assert done.data["ok"] is False and done.data["error_code"] == "MISSING_PERMISSIONS"
    assert done.data["error"] == "Could not create the tracked invite: the bot lacks a Discord permission for this."
    (warning,) = home.warnings()
    assert warning.data["code"] == "MISSING_PERMISSIONS" and "Create Invite" in warning.data["message"]


async def test_invite_in_a_category_is_refused(home: Home) -> None:
    done = await home.command("invite.create", {"partnership_id": "p1", "channel_id": str(home.category.id)})
    assert done.data["ok"] is False and done.data["error_code"] == "INVALID_COMMAND"


# ---- role.grant / role.revoke -----------------------------------------------------------------------------


async def test_grant_and_revoke_the_contact_role(home: Home) -> None:
    role = home.contact_role
    data = {"user_id": str(home.rep), "role_id": str(role.id), "partnership_id": "p1"}
    mark = home.fake.calls.mark()
    assert await home.ok("role.grant", data) == {}
    assert role.id in home.world.member(home.guild, home.rep).roles
    (call,) = [c for c in home.fake.calls[mark:]]
    assert call.route == "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}" and call.reason

    assert await home.ok("role.revoke", data) == {}
    assert role.id not in home.world.member(home.guild, home.rep).roles
    assert home.fake.calls.last("DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}").status == 204
    assert await home.ok("role.revoke", data) == {}  # they no longer have it: done


async def test_grant_to_someone_not_in_the_server_is_unknown_member(home: Home) -> None:
    stranger = home.world.add_user("stranger").id
    data = {"user_id": str(stranger), "role_id": str(home.contact_role.id), "partnership_id": "p1"}
    done = await home.command("role.grant", data)
    assert done.data["ok"] is False and done.data["error_code"] == "UNKNOWN_MEMBER"
    assert done.data["error"] == "Could not grant the partner contact role: the user is not in the server."
    assert home.warnings() == []  # not a setup problem: the api grants it when they join
    assert await home.ok("role.revoke", data) == {}  # and nothing to take away


async def test_role_above_the_bot_fails_with_a_warning_saying_so(fake_discord: FakeDiscord, start_node) -> None:
    home = await start_home(fake_discord, start_node, prepare=lambda w, g: w.add_role(g, "Too high", position=20))
    high = next(r for r in home.guild.roles.values() if r.name == "Too high")
    done = await home.command("role.grant", {"user_id": str(home.rep), "role_id": str(high.id)})
    assert done.data["error_code"] == "MISSING_PERMISSIONS"
    (warning,) = home.warnings()
    assert warning.data["code"] == "ROLE_ABOVE_BOT" and "@Too high" in warning.data["message"]


async def test_deleted_role(home: Home) -> None:
    data = {"user_id": str(home.rep), "role_id": "123456789012345678"}
    done = await home.command("role.grant", data)
    assert done.data["error_code"] == "UNKNOWN_ROLE"
    assert await home.ok("role.revoke", data) == {}
    assert [w.data["code"] for w in home.warnings()] == ["ROLE_MISSING"]


# ---- dm.send ----------------------------------------------------------------------------------------------


async def test_dm_send_and_closed_dms(home: Home) -> None:
    result = await home.ok("dm.send", {"user_id": str(home.rep), "content": "Our ad: come visit"})
    (dm,) = home.world.dms_to(home.rep)
    assert dm.content == "Our ad: come visit" and dm.pings_nobody
    assert result == {"channel_id": str(dm.channel_id), "message_id": str(dm.id)}

    closed = home.world.add_member(home.guild).user_id
    home.world.users[closed].dms_open = False
    done = await home.command("dm.send", {"user_id": str(closed), "content": "hello", "refs": {"application_id": "a1"}})
    assert done.data["ok"] is False and done.data["error_code"] == "FORBIDDEN_DM"
    assert (
        done.data["error"] == "Could not send a direct message: the user does not accept direct messages from the bot."
    )
    assert done.data["refs"]["application_id"] == "a1"
    assert home.warnings() == []


# ---- mentions ---------------------------------------------------------------------------------------------


async def test_an_ad_full_of_mentions_pings_nobody_anywhere(home: Home) -> None:
    ad = MENTIONS_AD.format(role=home.ping_role.id, user=home.rep)
    review = await home.ok("review.post", home.review_post(ad=ad))
    await home.ok("showcase.post", home.showcase_post("SINGLE_CHANNEL", home.showcase, ad=ad))
    per_channel = await home.ok("showcase.post", home.showcase_post("CHANNEL_PER_PARTNER", home.category, ad=ad))
    await home.ok("showcase.post", home.showcase_post("CHANNEL_PER_PARTNER", home.category, ad=ad, replace=per_channel))
    forum = await home.ok("showcase.post", home.showcase_post("FORUM_PER_PARTNER", home.forum, ad=ad))
    await home.ok("showcase.post", home.showcase_post("FORUM_PER_PARTNER", home.forum, ad=ad, replace=forum))
    await home.ok("dm.send", {"user_id": str(home.rep), "content": ad})

    sent = home.sent_by_bot()
    assert len(sent) == 7
    for message in sent:
        if message.id == int(review["message_id"]):
            assert message.pings == {"everyone": False, "users": [], "roles": [home.ping_role.id]}
            assert ad not in message.content  # the ad is in the embed only
        else:
            assert ad in message.content  # the ad is really in the text, and still pings nobody
            assert message.pings_nobody, (message.content, message.allowed_mentions)
            assert message.allowed_mentions is not None and message.allowed_mentions["parse"] == []
