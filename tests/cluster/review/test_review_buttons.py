"""Review posts with buttons (reviewStyle BUTTONS): Approve / Deny / Deny + blacklist, persistent
across restarts; Deny asks for the reason in a form; only managers get past the click."""

from __future__ import annotations

import pytest

from bus import Envelope
from cluster.bus_link import LocalBus
from tests.cluster.showcase.harness import Home, start_home
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually

APP = "0123456789abcdef01234567"
EPHEMERAL = 1 << 6
REFUSAL = "Only partnership managers can decide on applications; nothing was changed."


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    home = await start_home(fake_discord, start_node)
    home.team = home.world.add_role(home.guild, "Partnership team")  # a manager role with no permissions
    await home.sync(review_channel_id=str(home.review.id), manager_role_ids=[str(home.team.id)])
    return home


async def post(home: Home):
    data = {**home.review_post(), "application_id": APP, "buttons": True}
    result = await home.ok("review.post", data)
    return home.message(home.review, result["message_id"])


async def test_a_buttons_post_has_three_buttons_and_no_reactions(home: Home) -> None:
    m = await post(home)
    assert m.buttons == {
        "Approve": f"partners:review:approve:{APP}",
        "Deny": f"partners:review:deny:{APP}",
        "Deny + blacklist": f"partners:review:denybl:{APP}",
    }
    assert m.reactions == {}
    status = {f["name"]: f["value"] for f in m.embeds[0]["fields"]}["Status"]
    assert status.startswith("Pending: use the buttons below")

    await home.ok(
        "review.update",
        {"application_id": APP, "channel_id": str(home.review.id), "message_id": str(m.id), "status": "APPROVED"},
    )
    assert home.message(home.review, m.id).components == []  # a decided post keeps no buttons


async def test_a_managers_approve_is_forwarded_after_a_restart(
    fake_discord: FakeDiscord, start_node, home: Home
) -> None:
    m = await post(home)
    member = home.world.add_member(home.guild, username="teamer", roles=[home.team]).user_id
    await home.bot.close()
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=("cluster.cogs.guild_config", "cluster.cogs.review"))
    await bus.deliver_command(
        bot.shard_of(home.guild.id),
        Envelope.new(
            "settings.sync", home.guild.id,
            {"application_mode": "SLASH", "channel_mode": "SINGLE_CHANNEL", "track_joins": False,
             "review_channel_id": str(home.review.id), "manager_role_ids": [str(home.team.id)]},
        ),
    )  # fmt: skip
    click = await fake_discord.button_click(m, m.buttons["Approve"], user=member)
    response = await click.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & EPHEMERAL
    (event,) = await eventually(lambda: bus.events("review.button"))
    assert event.guild_id == str(home.guild.id)
    data = event.data
    assert (data["application_id"], data["decision"], data["user_id"]) == (APP, "APPROVE", str(member))
    assert data["member_role_ids"] == [str(home.team.id)] and data["reply"]["token"] == click.token
    assert data["message_id"] == str(m.id) and data["user_name"] == "teamer"


async def test_others_are_refused_at_the_click_and_nothing_is_forwarded(fake_discord: FakeDiscord, home: Home) -> None:
    m = await post(home)
    for label in ("Approve", "Deny", "Deny + blacklist"):
        click = await fake_discord.button_click(m, m.buttons[label], user=home.rep)
        response = await click.wait_response()
        assert response["type"] == 4 and response["data"]["flags"] & EPHEMERAL, label
        assert response["data"]["content"] == REFUSAL
        assert click.modal is None
    assert home.bus.events("review.button") == []


async def test_deny_asks_for_the_reason_and_forwards_it(fake_discord: FakeDiscord, home: Home) -> None:
    m = await post(home)
    staff = home.world.add_member(home.guild, username="staff", roles=[home.manager_role]).user_id
    click = await fake_discord.button_click(m, m.buttons["Deny + blacklist"], user=staff)
    await click.wait_response()
    assert click.modal["custom_id"] == f"partners:review-form:denybl:{APP}"
    submit = await fake_discord.modal_submit(click, {"reason": "  Not our audience  "})
    response = await submit.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & EPHEMERAL
    (event,) = await eventually(lambda: home.bus.events("review.button"))
    assert (event.data["decision"], event.data["blacklist"], event.data["reason"]) == (
        "DENY", True, "Not our audience"
    )  # fmt: skip
