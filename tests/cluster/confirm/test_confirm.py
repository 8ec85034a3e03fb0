"""The CONFIRM flow's DM: the offer with Continue / No thanks (persistent across node restarts), each
click forwarded as partnership.answer; someone else's click is refused; closed DMs and the staff log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cluster.bus_link import LocalBus
from tests.cluster.showcase.harness import Home, start_home
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually

PID = "0123456789abcdef01234567"
EXPIRES = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
EPHEMERAL = 1 << 6


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    return await start_home(fake_discord, start_node)


def ask(home: Home, user: int | None = None) -> dict:
    return {
        "partnership_id": PID,
        "user_id": str(user or home.rep),
        "partner": home.partner,
        "expires_at": EXPIRES.isoformat(),
    }


async def test_the_offer_names_the_server_and_its_buttons_work_after_a_restart(
    fake_discord: FakeDiscord, start_node, home: Home
) -> None:
    result = await home.ok("partnership.confirm.ask", ask(home))
    (dm,) = home.world.dms_to(home.rep)
    assert result == {"channel_id": str(dm.channel_id), "message_id": str(dm.id)}
    assert "**Home** accepted your partnership request for **Cool Partner**" in dm.content
    assert f"<t:{int(EXPIRES.timestamp())}:f>" in dm.content and dm.pings_nobody
    ids = dm.buttons
    assert list(ids) == ["Continue", "No thanks"]
    assert ids["Continue"] == f"partners:confirm:yes:{home.guild.id}:{PID}:{home.rep}"

    await home.bot.close()  # a restart: the new node never saw the DM
    bus = LocalBus()
    await start_node(bus=bus, extensions=("cluster.cogs.confirmations",))
    click = await fake_discord.button_click(dm, ids["Continue"], user=home.rep)
    response = await click.wait_response()
    assert response["type"] == 5 and response["data"]["flags"] & EPHEMERAL  # deferred, the api answers
    (event,) = await eventually(lambda: bus.events("partnership.answer"))
    assert event.guild_id == str(home.guild.id)
    assert (event.data["partnership_id"], event.data["user_id"], event.data["answer"]) == (
        PID, str(home.rep), "CONTINUE"
    )  # fmt: skip
    assert event.data["reply"]["token"] == click.token

    no = await fake_discord.button_click(dm, ids["No thanks"], user=home.rep)
    await no.wait_response()
    assert [e.data["answer"] for e in await eventually(lambda: bus.events("partnership.answer")[1:])] == ["DECLINE"]


async def test_closed_dms_fail_with_forbidden_dm_in_plain_words(home: Home) -> None:
    home.world.users[home.rep].dms_open = False
    done = await home.command("partnership.confirm.ask", ask(home))
    assert (done.data["ok"], done.data["error_code"]) == (False, "FORBIDDEN_DM")
    assert done.data["refs"]["partnership_id"] == PID
    assert done.data["error"] == (
        "Could not ask the representative to confirm the partnership: "
        "the user does not accept direct messages from the bot."
    )


async def test_staff_are_told_in_the_log_channel_without_pings(home: Home) -> None:
    log = home.world.add_channel(home.guild, "partner-log")
    content = f"**Cool Partner**: the representative (<@{home.rep}>) confirmed @everyone"
    result = await home.ok("log.post", {"channel_id": str(log.id), "content": content, "partnership_id": PID})
    (message,) = home.world.messages_in(log)
    assert result == {"channel_id": str(log.id), "message_id": str(message.id)}
    assert message.content == content and message.pings_nobody
