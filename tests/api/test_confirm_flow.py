"""The CONFIRM flow through the API: approval asks the representative, only their Continue exchanges
the ads; No thanks, the deadline and staff end it; a foreign or late click changes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.clock import utcnow
from api.graphql.ids import from_global_id
from api.scheduler import Scheduler
from api.store.projector import CONFIRM_DEADLINE
from bus import Envelope
from tests.api.factories import GUILD, OTHER_GUILD, completed, next_user_id, submitted
from tests.api.test_representatives import answer_to, request

LOG_CHANNEL = 555
REPLY = {"application_id": "99", "token": "tok"}

APPROVE = """mutation($id: ID!) { approveApplication(id: $id) {
  partnership { id status } userErrors { code message } } }"""
PARTNERSHIP = """query($id: ID!) { node(id: $id) { ... on Partnership {
  status endReason startedAt nextBumpAt problems { action code message } } } }"""
COUNTS = """query($g: Snowflake!) { guild(id: $g) { limits { activeCount }
  awaiting: partnerships(status: AWAITING_PARTNER) { totalCount }
  active: partnerships(status: ACTIVE) { totalCount } } }"""
RESEND = """mutation($id: ID!) { resendConfirmation(id: $id) { partnership { status } userErrors { code message } } }"""
END = """mutation($id: ID!) { endPartnership(id: $id, reason: "changed our mind") {
  partnership { status endReason } userErrors { code } } }"""
QUEUE_SUB = """subscription($g: Snowflake!) { partnershipQueue(guildId: $g) { type partnership { id status } } }"""


@pytest.fixture
async def offer(api, worker, container, commands):
    """A CONFIRM guild with an application approved from the dashboard: (partnership global id, rep id)."""
    await container.guild_settings.update(
        GUILD,
        {
            "approval_flow": "CONFIRM",
            "confirm_hours": 2,
            "showcase_channel_id": 111,
            "partner_contact_role_id": 333,
            "advertisement": "Our ad",
            "log_channel_id": LOG_CHANNEL,
        },
    )
    rep = next_user_id()
    await worker.handle(submitted(representative_id=rep, name="Lo-fi Lounge"))
    result = (await api.data(APPROVE, {"id": await _pending_id(api)}))["approveApplication"]
    assert result["userErrors"] == [] and result["partnership"]["status"] == "AWAITING_PARTNER"
    return result["partnership"]["id"], rep


async def _pending_id(api) -> str:
    query = """query($g: Snowflake!) { guild(id: $g) { applications(status: PENDING) { edges { node { id } } } } }"""
    return (await api.data(query, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]["id"]


def _raw_id(global_id: str) -> str:
    return from_global_id(global_id)[1]


def answer(pid: str, user: int, choice: str, guild: int = GUILD) -> Envelope:
    data = {"partnership_id": pid, "user_id": str(user), "answer": choice, "reply": REPLY}
    return Envelope.new("partnership.answer", guild, data)


def replies(commands) -> list[str]:
    return [c.data["content"] for c in commands.of("interaction.followup")]


async def test_approval_asks_the_representative_and_exchanges_nothing_yet(api, container, commands, offer):
    gid, rep = offer
    ask = (await commands.wait_for("partnership.confirm.ask"))[0]
    assert ask.data["user_id"] == str(rep) and ask.data["partner"]["name"] == "Lo-fi Lounge"
    assert ask.data["partnership_id"] == _raw_id(gid)
    for held_back in ("showcase.post", "invite.create", "role.grant"):
        assert commands.of(held_back) == [], held_back
    assert [dm.data["content"] for dm in commands.of("dm.send")] == [  # the "in the queue" notice only
        "Thanks! The partnership application for **Lo-fi Lounge** is in the queue; staff will review it."
    ]
    counts = (await api.data(COUNTS, {"g": str(GUILD)}))["guild"]
    assert counts == {"limits": {"activeCount": 1}, "awaiting": {"totalCount": 1}, "active": {"totalCount": 0}}
    deadline = await container.scheduled.get(CONFIRM_DEADLINE, _raw_id(gid))
    assert timedelta(hours=2) - timedelta(minutes=1) < deadline["due_at"] - utcnow() <= timedelta(hours=2)


async def test_continue_makes_it_active_and_only_then_exchanges_the_ads(api, worker, commands, offer):
    gid, rep = offer
    async with api.subscription(QUEUE_SUB, {"g": str(GUILD)}) as next_message:
        await worker.handle(answer(_raw_id(gid), rep, "CONTINUE"))
        event = (await next_message())["payload"]["data"]["partnershipQueue"]
    assert event == {"type": "PARTNERSHIP_CONFIRMED", "partnership": {"id": gid, "status": "ACTIVE"}}
    assert (await api.data(PARTNERSHIP, {"id": gid}))["node"]["status"] == "ACTIVE"
    assert (await commands.wait_for("showcase.post"))[0].data["target_id"] == "111"
    await commands.wait_for("invite.create")
    assert (await commands.wait_for("role.grant"))[0].data["user_id"] == str(rep)
    await invite_made(worker, _raw_id(gid), "trk1")  # our ad carries the tracked invite: it goes now
    assert our_ads(await commands.wait_for("dm.send", 2)) == ["Our ad\nhttps://discord.gg/trk1"]
    log = (await commands.wait_for("log.post"))[0].data
    assert log["channel_id"] == str(LOG_CHANNEL) and "confirmed" in log["content"]
    assert any(text.startswith("Thanks! The partnership is on") for text in replies(commands))

    await worker.handle(answer(_raw_id(gid), rep, "CONTINUE"))  # a second click: told, nothing sent twice
    await commands.wait_for("interaction.followup", 2)
    assert replies(commands)[-1] == "You already confirmed this partnership."
    assert len(commands.of("showcase.post")) == 1


async def invite_made(worker, pid: str, code: str) -> None:
    await worker.handle(completed(GUILD, "invite.create", refs={"partnership_id": pid}, result={"code": code}))


def our_ads(dms) -> list[str]:
    """Our advertisement as the representative receives it (after its header), from the DMs sent."""
    return [m for dm in dms for m in dm.data.get("messages") or []]


async def test_an_invite_completed_before_continue_waits_for_it_and_is_not_made_twice(api, worker, commands, offer):
    gid, rep = offer
    pid = _raw_id(gid)
    await invite_made(worker, pid, "early")  # e.g. a completion that lands while the offer waits
    await asyncio.sleep(0.1)
    assert our_ads(commands.of("dm.send")) == []  # nothing of ours before the partner says yes
    assert (await api.data(PARTNERSHIP, {"id": gid}))["node"]["status"] == "AWAITING_PARTNER"

    await worker.handle(answer(pid, rep, "CONTINUE"))
    assert our_ads(await commands.wait_for("dm.send", 2)) == ["Our ad\nhttps://discord.gg/early"]
    await commands.wait_for("showcase.post")
    assert commands.of("invite.create") == []  # the stored invite is used, not made again
    await invite_made(worker, pid, "early")  # redelivered: nothing twice
    await asyncio.sleep(0.1)
    assert len(our_ads(commands.of("dm.send"))) == 1


async def test_no_thanks_ends_it_and_frees_the_slot(api, worker, commands, offer):
    gid, rep = offer
    await worker.handle(answer(_raw_id(gid), rep, "DECLINE"))
    node = (await api.data(PARTNERSHIP, {"id": gid}))["node"]
    assert (node["status"], node["endReason"]) == ("ENDED", "declined by the partner")
    assert (await api.data(COUNTS, {"g": str(GUILD)}))["guild"]["limits"]["activeCount"] == 0
    assert "declined" in (await commands.wait_for("log.post"))[0].data["content"]
    assert commands.of("showcase.post") == [] and commands.of("role.revoke") == []


async def test_a_click_from_anyone_else_or_another_guild_changes_nothing(api, worker, commands, offer):
    gid, rep = offer
    await worker.handle(answer(_raw_id(gid), rep + 1, "CONTINUE"))
    await worker.handle(answer(_raw_id(gid), rep, "DECLINE", guild=OTHER_GUILD))
    await commands.wait_for("interaction.followup", 2)
    assert replies(commands) == [
        "Only the representative who applied can answer this partnership offer.",
        "This partnership offer no longer exists.",
    ]
    assert (await api.data(PARTNERSHIP, {"id": gid}))["node"]["status"] == "AWAITING_PARTNER"
    assert commands.of("showcase.post") == [] and commands.of("log.post") == []


async def test_no_answer_by_the_deadline_ends_it_once(api, worker, container, commands, offer):
    gid, rep = offer
    pid = _raw_id(gid)
    handlers = {CONFIRM_DEADLINE: container.confirmations.deadline}
    early = Scheduler(container.scheduled, handlers, lambda: utcnow() + timedelta(hours=1))
    assert (await early.run_due()).ran == 0  # not due yet
    late = Scheduler(container.scheduled, handlers, lambda: utcnow() + timedelta(hours=2, minutes=1))
    assert (await late.run_due()).ran == 1
    node = (await api.data(PARTNERSHIP, {"id": gid}))["node"]
    assert (node["status"], node["endReason"]) == ("ENDED", "no answer")
    assert (await api.data(COUNTS, {"g": str(GUILD)}))["guild"]["limits"]["activeCount"] == 0
    assert "did not answer" in (await commands.wait_for("log.post"))[0].data["content"]
    assert (await late.run_due()).ran == 0  # done: the piece is gone

    # The expired offer's button, clicked late: told why, nothing changes.
    await worker.handle(answer(pid, rep, "CONTINUE"))
    await commands.wait_for("interaction.followup")
    assert replies(commands) == ["This partnership offer has ended (no answer)."]
    assert (await api.data(PARTNERSHIP, {"id": gid}))["node"]["status"] == "ENDED"
    assert commands.of("showcase.post") == []


async def test_closed_dms_show_on_the_partnership_and_staff_can_send_again(api, worker, commands, offer):
    gid, _ = offer
    pid = _raw_id(gid)
    await commands.wait_for("partnership.confirm.ask")
    failed = completed(
        GUILD, "partnership.confirm.ask", ok=False, refs={"partnership_id": pid}, error_code="FORBIDDEN_DM",
        error="Could not ask the representative to confirm the partnership: the user does not accept direct messages.",
    )  # fmt: skip
    await worker.handle(failed)
    problems = (await api.data(PARTNERSHIP, {"id": gid}))["node"]["problems"]
    assert [(p["action"], p["code"]) for p in problems] == [("partnership.confirm.ask", "FORBIDDEN_DM")]

    resent = (await api.data(RESEND, {"id": gid}))["resendConfirmation"]
    assert resent == {"partnership": {"status": "AWAITING_PARTNER"}, "userErrors": []}
    asks = await commands.wait_for("partnership.confirm.ask", 2)
    assert asks[1].data["expires_at"] == asks[0].data["expires_at"]  # the deadline stays

    ended = (await api.data(END, {"id": gid}))["endPartnership"]
    assert ended == {"partnership": {"status": "ENDED", "endReason": "changed our mind"}, "userErrors": []}
    again = (await api.data(RESEND, {"id": gid}))["resendConfirmation"]
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert len(commands.of("partnership.confirm.ask")) == 2
    assert commands.of("role.revoke") == [] and commands.of("showcase.remove") == []


async def test_status_lists_the_offer_awaiting_the_answer_with_what_happens_next(worker, container, commands, offer):
    gid, rep = offer
    pid = _raw_id(gid)
    deadline = (await container.writer.load(GUILD)).active[pid].awaiting_until.strftime("%Y-%m-%d %H:%M UTC")
    asked = request("status", rep)
    await worker.handle(asked)
    text = await answer_to(commands, asked)
    assert text.startswith("**Lo-fi Lounge**: accepted, waiting for your answer.")
    assert f"Answer the DM: **Continue** or **No thanks**, before {deadline}" in text
    assert "If your DMs are closed, open them and ask staff to send it again." in text

    failed = completed(GUILD, "partnership.confirm.ask", ok=False, refs={"partnership_id": pid},
                       error_code="FORBIDDEN_DM", error="the user does not accept direct messages")  # fmt: skip
    await worker.handle(failed)  # the DM never reached them: the status says so
    asked = request("status", rep)
    await worker.handle(asked)
    assert "The DM could not reach you (your DMs are closed): open them and ask staff to send it again." in (
        await answer_to(commands, asked)
    )


async def test_a_resend_that_reaches_them_clears_the_closed_dms_line(api, worker, commands, offer):
    gid, rep = offer
    pid = _raw_id(gid)
    failed = completed(GUILD, "partnership.confirm.ask", ok=False, refs={"partnership_id": pid},
                       error_code="FORBIDDEN_DM", error="the user does not accept direct messages")  # fmt: skip
    await worker.handle(failed)
    assert (await api.data(RESEND, {"id": gid}))["resendConfirmation"]["userErrors"] == []
    await commands.wait_for("partnership.confirm.ask", 2)
    await worker.handle(completed(GUILD, "partnership.confirm.ask", refs={"partnership_id": pid}))  # delivered

    asked = request("status", rep)
    await worker.handle(asked)
    text = await answer_to(commands, asked)
    assert "The DM could not reach you" not in text
    assert "No DM? If your DMs are closed, open them and ask staff to send it again." in text
    assert (await api.data(PARTNERSHIP, {"id": gid}))["node"]["problems"] == []  # solved, for staff too


async def test_direct_stays_the_default(api, worker, commands):
    await worker.handle(submitted(name="Plain"))
    result = (await api.data(APPROVE, {"id": await _pending_id(api)}))["approveApplication"]
    assert result["partnership"]["status"] == "ACTIVE"
    await commands.wait_for("invite.create")
    assert commands.of("partnership.confirm.ask") == []
