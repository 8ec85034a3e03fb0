"""TICKET mode: a private ticket thread per applicant, its form, and ticket.close."""

from __future__ import annotations

import pytest

from cluster.bus_link import LocalBus
from tests.fakediscord import Channel, ChannelType, FakeDiscord, eventually

from .conftest import PARTNER_CODE, Home, command, configure, final_answer


@pytest.fixture
async def ticket_mode(bus: LocalBus, bot, home: Home) -> None:
    await configure(bus, bot, home.guild, application_mode="TICKET", ticket_channel_id=str(home.tickets.id))


async def open_ticket(fake: FakeDiscord, home: Home):
    it = await fake.slash_command("ppartner", subcommand="apply", user=home.rep, guild=home.guild)
    answer = await final_answer(fake, it)
    return it, answer


@pytest.fixture
async def thread(fake_discord: FakeDiscord, ticket_mode: None, home: Home) -> Channel:
    """The thread of a ticket the applicant opened."""
    await open_ticket(fake_discord, home)
    (thread,) = fake_discord.world.threads_of(home.guild)
    return thread


async def close(bus: LocalBus, bot, home: Home, thread_id: int | str, content: str, **more) -> dict:
    """The API's ticket.close; its command.completed data."""
    return await command(
        bus, bot, home.guild, "ticket.close", {"thread_id": str(thread_id), "content": content, **more}
    )


@pytest.mark.usefixtures("ticket_mode")
async def test_a_ticket_opens_and_its_form_submits_with_source_ticket(
    fake_discord: FakeDiscord, bus: LocalBus, home: Home
) -> None:
    w = fake_discord.world
    it, answer = await open_ticket(fake_discord, home)
    assert it.response_type == 5 and it.callbacks[0]["data"]["flags"] == 64  # ephemeral, deferred
    (thread,) = w.threads_of(home.guild)
    assert thread.type == ChannelType.PRIVATE_THREAD and thread.parent_id == home.tickets.id
    assert thread.invitable is False
    assert home.rep in thread.thread_members and home.staff not in thread.thread_members
    assert answer == f"Your application ticket is open: <#{thread.id}>. Press **Fill in the application** there."
    (welcome,) = w.messages_in(thread)
    assert welcome.pings_nobody and f"<@{home.rep}>" in welcome.content
    button = welcome.components[0]["components"][0]
    assert button["custom_id"] == f"partners:ticket:form:{home.rep}" and button["label"] == "Fill in the application"

    # one open ticket per applicant
    _, answer = await open_ticket(fake_discord, home)
    assert answer == f"You already have an open application ticket: <#{thread.id}>."
    assert len(w.threads_of(home.guild)) == 1

    # only the applicant may use the form
    other = await fake_discord.button_click(welcome, button["custom_id"], user=home.staff)
    refused = await other.wait_response()
    assert refused["type"] == 4 and refused["data"]["content"].startswith("Only the member this ticket")

    click = await fake_discord.button_click(welcome, button["custom_id"], user=home.rep)
    await click.wait_response()
    assert click.modal["custom_id"] == "partners:apply:TICKET"
    submit = await fake_discord.modal_submit(click, {"invite": PARTNER_CODE, "advertisement": "Our ad"})
    await final_answer(fake_discord, submit, "Checking")
    # published right after that answer is sent, so it may arrive a moment after the answer shows
    (event,) = await eventually(lambda: bus.events("application.submitted"))
    assert event.data["source"] == "TICKET" and event.data["ticket_channel_id"] == str(thread.id)
    assert event.data["reply"] is None and event.data["representative_id"] == str(home.rep)


async def test_ticket_close_posts_then_archives_and_locks_even_twice(
    fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home, thread: Channel
) -> None:
    w = fake_discord.world
    done = await close(bus, bot, home, thread.id, "Queued.")
    assert done["ok"] is True and done["result"] == {"thread_id": str(thread.id)}
    assert [m.content for m in w.messages_in(thread)][-1] == "Queued."
    assert thread.archived and thread.locked

    # the decision, later: the closed ticket is re-opened to post it, then closed again
    mark = fake_discord.calls.mark()
    done = await close(bus, bot, home, thread.id, "Accepted!")
    assert done["ok"] is True
    patches = [c.json for c in fake_discord.calls_to("PATCH /channels/{channel_id}", since=mark)]
    assert patches == [{"archived": False}, {"archived": True, "locked": True}]
    assert [m.content for m in w.messages_in(thread)][-1] == "Accepted!"
    assert thread.archived and thread.locked

    # a new ticket can open once the old one is closed
    _, answer = await open_ticket(fake_discord, home)
    assert answer.startswith("Your application ticket is open")

    gone = await close(bus, bot, home, "123456789012345678", "x")
    assert gone["ok"] is False and gone["error_code"] in ("UNKNOWN_CHANNEL", "NOT_FOUND")


async def test_a_notice_without_archive_leaves_the_ticket_open(
    fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home, thread: Channel
) -> None:
    done = await close(bus, bot, home, thread.id, "Queued: staff will review it.", archive=False)
    assert done["ok"] is True
    assert [m.content for m in fake_discord.world.messages_in(thread)][-1] == "Queued: staff will review it."
    assert not thread.archived and not thread.locked


async def test_ticket_setup_problems_answer_the_applicant_and_warn_staff(
    fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home
) -> None:
    w = fake_discord.world

    w.deny_bot(home.guild, "CREATE_PRIVATE_THREADS", channel=home.tickets)
    await configure(bus, bot, home.guild, application_mode="TICKET", ticket_channel_id=str(home.tickets.id))
    _, answer = await open_ticket(fake_discord, home)
    assert answer.startswith("I cannot open a ticket: I am missing a permission in")
    (warning,) = bus.events("guild.warning")
    assert warning.guild_id == str(home.guild.id) and warning.data["code"] == "MISSING_PERMISSIONS"
    assert w.threads_of(home.guild) == []

    await configure(bus, bot, home.guild, application_mode="TICKET", ticket_channel_id="123456789012345678")
    _, answer = await open_ticket(fake_discord, home)
    assert answer.startswith("I cannot open a ticket: the ticket channel no longer exists.")
    assert [e.data["code"] for e in bus.events("guild.warning")] == ["MISSING_PERMISSIONS", "CHANNEL_MISSING"]
    assert bus.events("application.submitted") == []
