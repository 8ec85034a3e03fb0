"""What a representative asks for from Discord: /ppartner status, withdraw and bump (representative.*
events in, interaction.followup answers out)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from api.domain.enums import ApplicationStatus
from api.domain.errors import RuleViolation
from api.services.partnerships import ManualPartner
from bus import Envelope
from tests.api.factories import GUILD, completed, next_partner_id, next_user_id, submitted

REVIEW_CHANNEL = 1400000000000000000
SHOWCASE_CHANNEL = 1400000000000000001
_tokens = itertools.count(1)
QUEUE_SUB = """subscription($g: Snowflake!) { partnershipQueue(guildId: $g) {
  type application { id status } } }"""


def request(kind: str, user: int, partner_id: int | None = None, guild_id: int = GUILD, **extra) -> Envelope:
    data = {
        **extra,
        "user_id": str(user),
        "reply": {"application_id": "1000000000000000001", "token": f"tok-{next(_tokens)}"},
        "partner_id": None if partner_id is None else str(partner_id),
    }
    return Envelope.new(f"representative.{kind}", guild_id, data)


async def answer_to(commands, env: Envelope) -> str:
    """The ephemeral follow-up sent on the request's interaction."""
    return await followup_on(commands, env.data["reply"]["token"])


async def followup_on(commands, token: str) -> str:
    async with asyncio.timeout(5):
        while not (found := [c for c in commands.of("interaction.followup") if c.data["token"] == token]):
            await asyncio.sleep(0.01)
    (followup,) = found
    assert followup.data["ephemeral"] is True
    return followup.data["content"]


async def reviewed_application(container, worker, rep: int, **kw):
    """A pending application whose review post is up (so a withdrawal edits it)."""
    env = submitted(representative_id=rep, **kw)
    await worker.handle(env)
    app = next(a for a in (await container.application_repo.page(GUILD, None, 100, None, True))[0]
               if a.representative_id == rep and a.status is ApplicationStatus.PENDING)  # fmt: skip
    result = {"channel_id": str(REVIEW_CHANNEL), "message_id": str(next_partner_id())}
    await worker.handle(completed(GUILD, "review.post", refs={"application_id": app.id}, result=result))
    return await container.application_repo.get(app.id)


async def manual_partner(container, rep: int, name: str = "Chess Club"):
    return await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=GUILD, partner_guild_id=next_partner_id(), partner_name=name,
                             invite_code="chess", representative_id=rep, advertisement="Play chess with us"),
        actor=1,
    )  # fmt: skip


async def test_status_lists_the_members_own_applications_and_partnerships(worker, container, commands):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": SHOWCASE_CHANNEL})
    rep, other = next_user_id(), next_user_id()
    await worker.handle(submitted(name="Someone Else"))  # ahead in the queue
    await worker.handle(submitted(representative_id=rep, name="Study Hall"))
    partnership = await manual_partner(container, rep)
    posted = completed(GUILD, "showcase.post", refs={"partnership_id": partnership.id}, result={"message_id": "5"})
    await worker.handle(posted)

    env = request("status", rep)
    await worker.handle(env)
    text = await answer_to(commands, env)
    assert "**Study Hall**: application pending since" in text and "(number 2 of 2 in the queue)" in text
    assert "`/ppartner withdraw`" in text
    next_bump = (posted.occurred_at + timedelta(days=7)).strftime("%Y-%m-%d %H:%M UTC")
    assert "**Chess Club**: active partnership since" in text and f"`/ppartner bump` from {next_bump}" in text
    assert "Someone Else" not in text

    env = request("status", other)
    await worker.handle(env)
    assert (await answer_to(commands, env)).startswith("You have no pending application and no active partnership")
    await worker.handle(env)  # a redelivered request is answered once
    await asyncio.sleep(0.1)
    assert len([c for c in commands.of("interaction.followup") if c.data["token"] == env.data["reply"]["token"]]) == 1


async def test_withdraw_takes_the_application_out_of_the_queue_live(api, worker, container, commands):
    await container.guild_settings.update(GUILD, {"review_channel_id": REVIEW_CHANNEL})
    rep = next_user_id()
    app = await reviewed_application(container, worker, rep, name="Study Hall")

    stranger = request("withdraw", next_user_id())  # not the representative: told so, nothing changes
    await worker.handle(stranger)
    assert await answer_to(commands, stranger) == "You have no pending application in this server."
    assert app.id in (await container.writer.load(GUILD)).pending
    assert commands.of("review.update") == []

    async with api.subscription(QUEUE_SUB, {"g": str(GUILD)}) as next_message:
        env = request("withdraw", rep)
        await worker.handle(env)
        event = (await next_message())["payload"]["data"]["partnershipQueue"]
    assert event["type"] == "APPLICATION_WITHDRAWN" and event["application"]["status"] == "WITHDRAWN"
    assert (await answer_to(commands, env)).startswith("Your application for **Study Hall** is withdrawn.")
    stored = await container.application_repo.get(app.id)
    assert stored.status is ApplicationStatus.WITHDRAWN and stored.decided_by == rep
    assert (await container.writer.load(GUILD)).pending == {}
    (update,) = commands.of("review.update")
    assert update.data["status"] == "WITHDRAWN" and update.data["message_id"] == str(app.review.message_id)

    again = request("withdraw", rep)  # nothing left to withdraw
    await worker.handle(again)
    assert await answer_to(commands, again) == "You have no pending application in this server."

    # the cooldown counts the withdrawn application like any other
    await worker.handle(submitted(representative_id=rep, reply={"application_id": "1", "token": "re-apply"}))
    assert "You applied recently" in await followup_on(commands, "re-apply")
    assert (await container.writer.load(GUILD)).pending == {}


async def test_withdraw_asks_which_when_the_member_has_several(worker, container, commands):
    await container.guild_settings.update(GUILD, {"application_cooldown_hours": 0})
    rep, first, second = next_user_id(), next_partner_id(), next_partner_id()
    await worker.handle(submitted(representative_id=rep, partner_id=first))
    await worker.handle(submitted(representative_id=rep, partner_id=second))

    env = request("withdraw", rep)
    await worker.handle(env)
    assert (await answer_to(commands, env)).startswith("You have several pending applications here")
    assert len((await container.writer.load(GUILD)).pending) == 2

    env = request("withdraw", rep, partner_id=second)
    await worker.handle(env)
    assert "is withdrawn" in await answer_to(commands, env)
    (left,) = (await container.writer.load(GUILD)).pending.values()
    assert left.partner_id == first


async def test_bump_waits_for_next_bump_at(worker, container, commands):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": SHOWCASE_CHANNEL, "bump_interval_days": 3})
    rep = next_user_id()
    partnership = await manual_partner(container, rep)
    result = {"channel_id": str(SHOWCASE_CHANNEL), "message_id": "777"}
    await worker.handle(completed(GUILD, "showcase.post", refs={"partnership_id": partnership.id}, result=result))
    posts_before = len(await commands.wait_for("showcase.post"))  # the approval's first post

    stranger = request("bump", next_user_id())
    await worker.handle(stranger)
    assert (
        await answer_to(commands, stranger) == "You are not the representative of an active partnership in this server."
    )

    too_soon = request("bump", rep)
    await worker.handle(too_soon)
    assert (await answer_to(commands, too_soon)).startswith("This partner may bump again after")
    assert len(commands.of("showcase.post")) == posts_before

    # the last post was 3 days and a minute ago: nextBumpAt has passed
    long_ago = datetime.now(UTC) - timedelta(days=3, minutes=1)
    old_post = completed(GUILD, "showcase.post", refs={"partnership_id": partnership.id}, result=result)
    await worker.handle(old_post.model_copy(update={"occurred_at": long_ago}))
    bump = request("bump", rep)
    await worker.handle(bump)
    assert (await answer_to(commands, bump)).startswith("Your ad for **Chess Club** is being re-posted")
    repost = (await commands.wait_for("showcase.post", posts_before + 1))[-1]
    assert len(commands.of("showcase.post")) == posts_before + 1
    assert repost.data["replace"]["message_id"] == "777"  # the old post is replaced, not stacked


# ---- a withdrawal racing an approval, on two replicas where writes really interleave ---------------------


async def test_a_withdrawal_racing_an_approval_exactly_one_wins(replicas):
    a, b = replicas
    await a.guild_settings.update(GUILD, {"application_cooldown_hours": 0})
    for round_ in range(12):
        rep = next_user_id()
        app = await a.applications.submit(submitted(representative_id=rep))
        withdraw = b.representatives.withdraw(request("withdraw", rep))
        approve = a.applications.approve(app, actor=9)
        calls = (withdraw, approve) if round_ % 2 else (approve, withdraw)
        results = await asyncio.gather(*calls, return_exceptions=True)
        withdrew, approval = results if round_ % 2 else results[::-1]
        assert not isinstance(withdrew, BaseException), withdrew

        stored = await b.application_repo.get(app.id)
        ledger = await b.writer.load(GUILD)
        assert app.id not in ledger.pending
        if stored.status is ApplicationStatus.APPROVED:
            assert withdrew is False and not isinstance(approval, BaseException), approval
            assert stored.partnership_id in ledger.active
        else:
            assert stored.status is ApplicationStatus.WITHDRAWN and withdrew is True
            assert isinstance(approval, RuleViolation) and approval.code.value == "INVALID_STATE"
            assert not any(slot.application_id == app.id for slot in ledger.active.values())
    assert len((await a.writer.load(GUILD)).active) == await a.partnership_repo.count(GUILD, None)


# ---- /ppartner ad: a proposed new advertisement, reviewed like an application -----------------------------

PROPOSED = """query($g: Snowflake!) { guild(id: $g) { partnerships(first: 10) { edges { node { id advertisement
  proposedAdvertisement { advertisement } } } } } }"""
DENY = """mutation($id: ID!, $reason: String) { denyProposedAdvertisement(id: $id, reason: $reason) {
  partnership { advertisement proposedAdvertisement { advertisement } } userErrors { code message } } }"""
APPROVE = """mutation($id: ID!) { approveProposedAdvertisement(id: $id) {
  partnership { advertisement } userErrors { code message } } }"""


def propose(user: int, advertisement: str) -> Envelope:
    return request("ad", user, advertisement=advertisement)


async def showcased_partner(container, worker, commands, rep: int):
    await container.guild_settings.update(
        GUILD, {"showcase_channel_id": SHOWCASE_CHANNEL, "review_channel_id": REVIEW_CHANNEL}
    )
    partnership = await manual_partner(container, rep)
    result = {"channel_id": str(SHOWCASE_CHANNEL), "message_id": "777"}
    await worker.handle(completed(GUILD, "showcase.post", refs={"partnership_id": partnership.id}, result=result))
    return partnership


async def test_a_proposed_ad_approved_edits_the_showcase_post_in_place(api, worker, container, commands):
    rep = next_user_id()
    partnership = await showcased_partner(container, worker, commands, rep)

    env = propose(rep, "  Our new ad\nwith two lines ")
    await worker.handle(env)
    assert (await answer_to(commands, env)).startswith(
        "Your new advertisement for **Chess Club** is waiting for staff review"
    )
    (post,) = await commands.wait_for("review.post")
    assert post.data["proposal_for"] == partnership.id and post.data["advertisement"] == "Our new ad\nwith two lines"
    node = (await api.data(PROPOSED, {"g": str(GUILD)}))["guild"]["partnerships"]["edges"][0]["node"]
    assert node["advertisement"] == "Play chess with us"  # unchanged until approved
    assert node["proposedAdvertisement"] == {"advertisement": "Our new ad\nwith two lines"}

    again = propose(rep, "Another")  # one proposal at a time
    await worker.handle(again)
    assert "already waiting for review" in await answer_to(commands, again)

    # staff approve with 👍 on the review post, like an application
    review = {"channel_id": str(REVIEW_CHANNEL), "message_id": "888"}
    await worker.handle(
        completed(GUILD, "review.post", refs={"application_id": post.data["application_id"]}, result=review)
    )
    reaction = {"channel_id": str(REVIEW_CHANNEL), "message_id": "888", "user_id": "5", "emoji": "👍",
                "member_role_ids": [], "member_permissions": 0x20, "is_owner": False}  # fmt: skip
    await worker.handle(Envelope.new("review.reaction", GUILD, reaction))
    (edit,) = await commands.wait_for("showcase.edit")
    assert edit.data["advertisement"] == "Our new ad\nwith two lines" and edit.data["placement"]["message_id"] == "777"
    assert commands.of("showcase.post")[-1].data["replace"] is None  # edited, not re-posted
    (update,) = await commands.wait_for("review.update")
    assert update.data["status"] == "APPROVED" and update.data["message_id"] == "888"
    dm = (await commands.wait_for("dm.send"))[-1]
    assert dm.data["user_id"] == str(rep) and "was approved" in dm.data["content"]
    node = (await api.data(PROPOSED, {"g": str(GUILD)}))["guild"]["partnerships"]["edges"][0]["node"]
    assert node == {**node, "advertisement": "Our new ad\nwith two lines", "proposedAdvertisement": None}


async def test_a_proposed_ad_denied_keeps_the_ad_and_tells_why(api, worker, container, commands):
    rep = next_user_id()
    partnership = await showcased_partner(container, worker, commands, rep)
    await worker.handle(propose(rep, "Buy cheap followers"))
    node_id = (await api.data(PROPOSED, {"g": str(GUILD)}))["guild"]["partnerships"]["edges"][0]["node"]["id"]

    denied = await api.data(DENY, {"id": node_id, "reason": "No selling, please"})
    payload = denied["denyProposedAdvertisement"]
    assert payload["userErrors"] == []
    assert payload["partnership"] == {"advertisement": "Play chess with us", "proposedAdvertisement": None}
    dm = (await commands.wait_for("dm.send"))[-1]
    assert dm.data["user_id"] == str(rep)
    assert "was declined" in dm.data["content"] and "Reason: No selling, please" in dm.data["content"]
    assert commands.of("showcase.edit") == []

    twice = await api.data(APPROVE, {"id": node_id})
    assert twice["approveProposedAdvertisement"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert (await container.partnership_repo.get(partnership.id)).advertisement == "Play chess with us"


async def test_a_bad_proposal_is_refused_in_plain_words_and_changes_nothing(worker, container, commands):
    rep = next_user_id()
    partnership = await showcased_partner(container, worker, commands, rep)
    version = (await container.writer.load(GUILD)).version

    too_long = propose(rep, "x" * 2001)
    await worker.handle(too_long)
    assert (await answer_to(commands, too_long)) == (
        "Your new advertisement was not accepted: The advertisement is 2001 characters; the limit is 2000."
    )
    stranger = propose(next_user_id(), "Our ad")
    await worker.handle(stranger)
    assert (await answer_to(commands, stranger)).endswith(
        "You are not the representative of an active partnership in this server."
    )
    assert (await container.writer.load(GUILD)).version == version
    assert (await container.partnership_repo.get(partnership.id)).proposed_ad is None
    assert commands.of("review.post") == []
