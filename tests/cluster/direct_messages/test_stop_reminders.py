"""The bump reminder DM (dm.send with button STOP_BUMP_REMINDERS) against the fake Discord: its persistent
"Stop these reminders" button works after a node restart and becomes representative.bump_reminders_off;
anyone else's click is refused and publishes nothing; a DM without a button has none."""

from __future__ import annotations

import pytest

from cluster.bus_link import LocalBus
from tests.cluster.showcase.harness import Home, start_home
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually

EPHEMERAL = 1 << 6
REMINDER = "Your ad for **Cool Partner** can be re-posted now: run `/ppartner bump` in **Home**. @everyone"


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    return await start_home(fake_discord, start_node)


def reminder(home: Home, **extra) -> dict:
    return {"user_id": str(home.rep), "content": REMINDER, "button": "STOP_BUMP_REMINDERS", **extra}


async def test_the_stop_button_works_after_a_restart_and_tells_the_api(
    fake_discord: FakeDiscord, start_node, home: Home
) -> None:
    result = await home.ok("dm.send", reminder(home))
    (dm,) = home.world.dms_to(home.rep)
    assert result == {"channel_id": str(dm.channel_id), "message_id": str(dm.id)}
    assert dm.content == REMINDER and dm.pings_nobody
    assert dm.buttons == {"Stop these reminders": f"partners:reminders:off:{home.guild.id}:{home.rep}"}

    await home.bot.close()  # a restart: the new node never saw the DM
    bus = LocalBus()
    await start_node(bus=bus, extensions=("cluster.cogs.direct_messages",))
    click = await fake_discord.button_click(dm, dm.buttons["Stop these reminders"], user=home.rep)
    response = await click.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & EPHEMERAL  # deferred: the api answers
    (event,) = await eventually(lambda: bus.events("representative.bump_reminders_off"))
    assert event.guild_id == str(home.guild.id)
    assert event.data["user_id"] == str(home.rep) and event.data["reply"]["token"] == click.token


class DownBus(LocalBus):
    """A broker that cannot take events."""

    async def publish_event(self, env) -> None:
        raise ConnectionError("broker down")


async def test_when_the_click_cannot_be_passed_on_the_member_is_told_to_try_again(
    fake_discord: FakeDiscord, start_node, home: Home
) -> None:
    await home.ok("dm.send", reminder(home))
    (dm,) = home.world.dms_to(home.rep)
    await home.bot.close()
    await start_node(bus=DownBus(), extensions=("cluster.cogs.direct_messages",))
    click = await fake_discord.button_click(dm, dm.buttons["Stop these reminders"], user=home.rep)
    await click.wait_response()
    told = "That could not be passed on right now; please try again in a moment."
    await eventually(lambda: home.world.messages[click.original_message_id].content == told)


async def test_the_button_sits_under_the_last_message_and_a_plain_dm_has_none(home: Home) -> None:
    await home.ok("dm.send", reminder(home, messages=["A second part"]))
    first, last = home.world.dms_to(home.rep)
    assert (first.content, last.content) == (REMINDER, "A second part")
    assert not first.components and list(last.buttons) == ["Stop these reminders"]

    await home.ok("dm.send", {"user_id": str(home.rep), "content": "No button here"})
    assert not home.world.dms_to(home.rep)[-1].components
