"""Mutual partnerships between two guilds that both run the bot (issue 13): A approves B, the reverse
request (MUTUAL, A's ad with A's tracked invite) waits in B's queue, B approves, both see reciprocity
YES; B ends and A sees NO with NOT_RECIPROCATED; B's rules refuse the request and A's staff are told."""

from __future__ import annotations

from api.auth import EDIT, VIEW
from api.clock import utcnow
from api.domain.mutual import MUTUAL_REQUEST_REFUSED, NOT_RECIPROCATED
from api.services.health import DEADLINE
from api.store.directory import GuildDirectory
from api.store.mutual_links import MutualLinkRepository
from bus import Envelope
from tests.api.factories import GUILD, OTHER_GUILD, completed, submitted

A, B = GUILD, OTHER_GUILD
STAFF_A = 4242

QUEUE = """query($g: Snowflake!) { guild(id: $g) { limits { pendingCount activeCount }
  applications(first: 50) { edges { node { id status source advertisement representativeId
    partner { id name inviteCode } } } } } }"""
PARTNERSHIPS = """query($g: Snowflake!) { guild(id: $g) { partnerships(first: 50) { edges { node {
  id status reciprocity partner { id } problems { code message } } } } } }"""
APPROVE = """mutation($id: ID!) { approveApplication(id: $id) { partnership { id } userErrors { code message } } }"""
END = """mutation($id: ID!) { endPartnership(id: $id) { userErrors { code } } }"""
CREATE = """mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) {
  partnership { id } userErrors { code message } } }"""

SETTINGS = {"showcase_channel_id": 900, "review_channel_id": 901}


async def both_run_the_bot(container, b_settings: dict | None = None) -> None:
    await container.guild_settings.update(A, {**SETTINGS, "advertisement": "Alpha Hub: come play! {invite}"})
    await container.guild_settings.update(
        B, {**SETTINGS, "advertisement": "Beta Den welcomes you", **(b_settings or {})}
    )
    await container.bot_guilds.mark_present([A, B])
    await container.directory_repo.replace_if_newer(GuildDirectory(A, 1, "Alpha Hub", None, (), ()))


async def queue(api, guild: int) -> dict:
    return (await api.data(QUEUE, {"g": str(guild)}, token=api.editor(guild)))["guild"]


async def partnerships(api, guild: int) -> list[dict]:
    data = await api.data(PARTNERSHIPS, {"g": str(guild)}, token=api.editor(guild))
    return [e["node"] for e in data["guild"]["partnerships"]["edges"]]


async def a_approves_bs_application(api, worker) -> str:
    """B applied to A and A's staff member STAFF_A approved; returns A's partnership's global id."""
    await worker.handle(submitted(A, partner_id=B, name="Beta Den"))
    app_id = (await queue(api, A))["applications"]["edges"][0]["node"]["id"]
    approved = await api.data(APPROVE, {"id": app_id}, token=api.token({A: [VIEW, EDIT]}, user_id=STAFF_A))
    assert approved["approveApplication"]["userErrors"] == []
    return approved["approveApplication"]["partnership"]["id"]


async def a_approves_b(api, container, worker) -> str:
    """B applied to A and A's staff approved; returns A's partnership record id once its tracked invite exists."""
    approved = await a_approves_bs_application(api, worker)
    pid = (await container.partnership_repo.list_for_guild(A))[0].id
    await container.command_outcomes.handle(
        completed(A, "invite.create", refs={"partnership_id": pid}, result={"code": "trkAlpha"})
    )
    return approved


async def b_partners_a_again(api) -> None:
    """B's staff add A as a partner by hand (createPartnership)."""
    created = await api.data(
        CREATE,
        {"input": {"guildId": str(B), "partnerGuildId": str(A), "partnerName": "Alpha Hub", "inviteCode": "alpha",
                   "representativeId": "1300000000000000009", "advertisement": "Alpha Hub: come play!"}},
        token=api.editor(B),
    )  # fmt: skip
    assert created["createPartnership"]["userErrors"] == []


async def test_a_mutual_partnership_from_request_to_reciprocity_and_back(api, container, worker):
    await both_run_the_bot(container)
    await a_approves_b(api, container, worker)

    b_queue = await queue(api, B)
    (request,) = [e["node"] for e in b_queue["applications"]["edges"]]
    assert request["status"] == "PENDING" and request["source"] == "MUTUAL"
    assert request["partner"] == {"id": str(A), "name": "Alpha Hub", "inviteCode": "trkAlpha"}
    assert request["advertisement"] == "Alpha Hub: come play! https://discord.gg/trkAlpha"
    assert request["representativeId"] == str(STAFF_A)
    (a_side,) = await partnerships(api, A)
    assert a_side["reciprocity"] == "NO"  # B runs the bot and has not approved yet

    assert (await api.data(APPROVE, {"id": request["id"]}, token=api.editor(B)))["approveApplication"][
        "userErrors"
    ] == []
    (a_side,), (b_side,) = await partnerships(api, A), await partnerships(api, B)
    assert a_side["status"] == b_side["status"] == "ACTIVE"
    assert a_side["reciprocity"] == b_side["reciprocity"] == "YES"
    assert (await queue(api, A))["limits"]["pendingCount"] == 0  # B's approval files nothing back in A's queue

    await api.data(END, {"id": b_side["id"]}, token=api.editor(B))
    (a_side,) = await partnerships(api, A)
    assert a_side["status"] == "ACTIVE" and a_side["reciprocity"] == "NO"
    (problem,) = [p for p in a_side["problems"] if p["code"] == NOT_RECIPROCATED]
    assert "Beta Den" in problem["message"] and "no longer showcases" in problem["message"]
    warnings = await container.warnings.guild_warnings(A)
    assert any(w["code"].startswith(NOT_RECIPROCATED) for w in warnings)  # A's staff are told
    assert await container.warnings.guild_warnings(B) == []  # nothing of this reaches B's staff

    await b_partners_a_again(api)
    (a_side,) = await partnerships(api, A)
    assert a_side["reciprocity"] == "YES"
    assert [p for p in a_side["problems"] if p["code"] == NOT_RECIPROCATED] == []
    assert not any(w["code"].startswith(NOT_RECIPROCATED) for w in await container.warnings.guild_warnings(A))


async def test_reciprocity_is_unknown_when_the_partner_does_not_run_the_bot_and_nothing_is_filed(
    api, container, worker
):
    await both_run_the_bot(container, {"mutual_partnerships": False})
    await a_approves_b(api, container, worker)
    (a_side,) = await partnerships(api, A)
    assert a_side["reciprocity"] == "UNKNOWN"
    assert (await queue(api, B))["applications"]["edges"] == []


async def assert_refused(api, container, words: str) -> None:
    (a_side,) = await partnerships(api, A)
    (problem,) = [p for p in a_side["problems"] if p["code"] == MUTUAL_REQUEST_REFUSED]
    assert "Beta Den" in problem["message"] and words in problem["message"]
    assert any(w["code"].startswith(MUTUAL_REQUEST_REFUSED) for w in await container.warnings.guild_warnings(A))
    b_queue = await queue(api, B)
    assert [e for e in b_queue["applications"]["edges"] if e["node"]["source"] == "MUTUAL"] == []
    assert b_queue["limits"]["pendingCount"] == 0  # nothing half-made


async def test_b_has_a_blacklisted_a_is_told_and_nothing_is_filed(api, container, worker):
    await both_run_the_bot(container)
    await container.blacklist.add(B, A, "spam", None)
    await a_approves_b(api, container, worker)
    await assert_refused(api, container, "does not take partnership requests from yours")


async def test_b_is_full_a_is_told_and_nothing_is_filed(api, container, worker):
    await both_run_the_bot(container, {"max_active": 1})
    await api.data(
        CREATE,
        {"input": {"guildId": str(B), "partnerGuildId": "1234500000000000000", "partnerName": "Chess Club",
                   "inviteCode": "chess", "representativeId": "1300000000000000009", "advertisement": "Chess!"}},
        token=api.editor(B),
    )  # fmt: skip
    await a_approves_b(api, container, worker)
    await assert_refused(api, container, "1 of 1 active partnerships")


async def test_the_request_carries_our_member_count_as_the_bot_knows_it(api, container, worker):
    await both_run_the_bot(container, {"min_partner_member_count": 100})
    await container.directory_repo.replace_if_newer(GuildDirectory(A, 2, "Alpha Hub", None, (), (), member_count=150))
    await a_approves_b(api, container, worker)
    pending = (await container.writer.load(B)).pending
    assert len(pending) == 1
    app = await container.application_repo.get(next(iter(pending)))
    assert (app.source.value, app.partner.name, app.partner.member_count) == ("MUTUAL", "Alpha Hub", 150)


async def test_a_below_b_minimum_is_told_and_nothing_is_filed(api, container, worker):
    await both_run_the_bot(container, {"min_partner_member_count": 100})
    await a_approves_b(api, container, worker)
    await assert_refused(api, container, "need at least 100 members")


NODE = """query($id: ID!) { node(id: $id) { id ... on Partnership { reciprocity problems { code } } } }"""


async def test_each_side_sees_only_its_own_records(api, container, worker):
    """A's staff learn whether B showcases A (reciprocity) and nothing else of B; B's staff see A's
    request as an application of their queue and nothing of A's records."""
    await both_run_the_bot(container)
    a_partnership = await a_approves_b(api, container, worker)
    b_queue = await api.post(QUEUE, {"g": str(B)}, token=api.editor(A))
    assert b_queue["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    as_b = await api.post(NODE, {"id": a_partnership}, token=api.editor(B))
    assert as_b["data"]["node"] is None
    (request,) = [e["node"] for e in (await queue(api, B))["applications"]["edges"]]
    assert (await api.post(NODE, {"id": request["id"]}, token=api.editor(A)))["data"]["node"] is None


async def test_the_cluster_cannot_file_a_mutual_request(api, container, worker):
    await both_run_the_bot(container)
    await worker.handle(submitted(B, partner_id=A, source="MUTUAL"))
    assert (await queue(api, B))["applications"]["edges"] == []


DENY = """mutation($id: ID!) { denyApplication(id: $id) { userErrors { code } } }"""


async def test_b_denying_the_request_reads_no_on_a_and_changes_nothing_of_a(api, container, worker):
    await both_run_the_bot(container)
    await a_approves_b(api, container, worker)
    (request,) = [e["node"] for e in (await queue(api, B))["applications"]["edges"]]
    assert (await api.data(DENY, {"id": request["id"]}, token=api.editor(B)))["denyApplication"]["userErrors"] == []
    (a_side,) = await partnerships(api, A)
    assert a_side["status"] == "ACTIVE" and a_side["reciprocity"] == "NO"
    assert (await queue(api, A))["limits"] == {"pendingCount": 0, "activeCount": 1}


async def test_under_confirm_the_request_waits_for_continue_and_b_approving_it_needs_no_confirmation(
    api, container, worker, commands
):
    confirm = {"approval_flow": "CONFIRM"}
    await both_run_the_bot(container, confirm)
    await container.guild_settings.update(A, confirm)
    await a_approves_bs_application(api, worker)
    (offer,) = await container.partnership_repo.list_for_guild(A)
    assert offer.status.value == "AWAITING_PARTNER"
    assert (await queue(api, B))["applications"]["edges"] == []  # nothing filed before B's side said yes

    answer = {"partnership_id": offer.id, "user_id": str(offer.representative_id), "answer": "CONTINUE",
              "reply": {"application_id": "99", "token": "tok"}}  # fmt: skip
    await worker.handle(Envelope.new("partnership.answer", A, answer))
    await container.command_outcomes.handle(
        completed(A, "invite.create", refs={"partnership_id": offer.id}, result={"code": "trkAlpha"})
    )
    (request,) = [e["node"] for e in (await queue(api, B))["applications"]["edges"]]
    assert request["source"] == "MUTUAL" and request["partner"]["inviteCode"] == "trkAlpha"

    asks_before = len(commands.of("partnership.confirm.ask"))
    assert (await api.data(APPROVE, {"id": request["id"]}, token=api.editor(B)))["approveApplication"][
        "userErrors"
    ] == []
    (a_side,), (b_side,) = await partnerships(api, A), await partnerships(api, B)
    assert a_side["status"] == b_side["status"] == "ACTIVE"  # A's staff member agreed when approving B
    assert a_side["reciprocity"] == b_side["reciprocity"] == "YES"
    assert len(commands.of("partnership.confirm.ask")) == asks_before  # nobody is asked for B's side


LOG_A = 777
HEALTH = """query($id: ID!) { node(id: $id) { ... on Partnership { status endReason health { status } } } }"""


def notices_in(commands, channel: int) -> list[str]:
    return [c.data["content"] for c in commands.of("staff.notify") if c.data["channel_id"] == str(channel)]


async def b_partners_a_then_ends(api, container, worker, commands, a_settings: dict) -> str:
    """A and B showcase each other, then B ends its side; returns A's partnership record id."""
    await both_run_the_bot(container)
    await container.guild_settings.update(A, {"log_channel_id": LOG_A, "health_grace_hours": 0, **a_settings})
    await a_approves_b(api, container, worker)
    (request,) = [e["node"] for e in (await queue(api, B))["applications"]["edges"]]
    await api.data(APPROVE, {"id": request["id"]}, token=api.editor(B))
    (b_side,) = await partnerships(api, B)
    await api.data(END, {"id": b_side["id"]}, token=api.editor(B))
    await commands.wait_for("staff.notify", 1)
    (notice,) = notices_in(commands, LOG_A)
    assert "Beta Den" in notice and "no longer showcases" in notice
    assert all(c.data["ping_role_id"] is None for c in commands.of("staff.notify"))
    (ours,) = await container.partnership_repo.list_for_guild(A)
    assert await container.scheduled.get(DEADLINE, ours.id) is not None  # its grace end is scheduled work
    return ours.id


async def a_side_after_the_grace(api, container, pid: str) -> dict:
    await container.health.deadline_due(pid, utcnow())
    (a_side,) = await partnerships(api, A)
    return (await api.data(HEALTH, {"id": a_side["id"]}, token=api.editor(A)))["node"]


async def test_not_reciprocated_past_its_grace_ends_a_with_auto_end_on(api, container, worker, commands):
    pid = await b_partners_a_then_ends(api, container, worker, commands, {"auto_end_unhealthy": True})
    a_side = await a_side_after_the_grace(api, container, pid)
    assert a_side["status"] == "ENDED"
    assert NOT_RECIPROCATED in a_side["endReason"] and "Beta Den" in a_side["endReason"]
    assert await MutualLinkRepository(container.database).side(A, B) is None  # the end unlinks our side too


async def test_not_reciprocated_past_its_grace_is_failing_with_auto_end_off(api, container, worker, commands):
    pid = await b_partners_a_then_ends(api, container, worker, commands, {"auto_end_unhealthy": False})
    a_side = await a_side_after_the_grace(api, container, pid)
    assert a_side["status"] == "ACTIVE" and a_side["health"]["status"] == "FAILING"


async def test_b_partnering_again_before_the_deadline_ends_nothing_and_a_is_told(api, container, worker, commands):
    pid = await b_partners_a_then_ends(api, container, worker, commands, {"auto_end_unhealthy": True})
    await b_partners_a_again(api)
    await commands.wait_for("staff.notify", 2)
    assert "showcase our advertisement again" in notices_in(commands, LOG_A)[-1]
    a_side = await a_side_after_the_grace(api, container, pid)
    assert a_side["status"] == "ACTIVE" and a_side["health"]["status"] == "OK"


async def test_b_partnering_again_while_the_deadline_runs_ends_nothing(api, container, worker, commands, monkeypatch):
    """B partners A again right after the grace end read A's partnership (problem still open) and before
    it decides: the decision reads the problems again under A's lock and ends nothing."""
    pid = await b_partners_a_then_ends(api, container, worker, commands, {"auto_end_unhealthy": True})
    read = container.partnership_repo.get
    reads = []

    async def get_then_b_partners_again(partnership_id: str):
        found = await read(partnership_id)
        reads.append(found)
        if len(reads) == 1:  # the deadline's first read: the problem is open
            assert [x.code for x in found.problems] == [NOT_RECIPROCATED]
            await b_partners_a_again(api)
        return found

    monkeypatch.setattr(container.partnership_repo, "get", get_then_b_partners_again)
    a_side = await a_side_after_the_grace(api, container, pid)
    assert a_side["status"] == "ACTIVE" and a_side["health"]["status"] == "OK"
    await commands.wait_for("staff.notify", 2)
    assert "showcase our advertisement again" in notices_in(commands, LOG_A)[-1]


async def test_a_refused_request_is_told_in_a_log_channel(api, container, worker, commands):
    await both_run_the_bot(container)
    await container.guild_settings.update(A, {"log_channel_id": LOG_A})
    await container.blacklist.add(B, A, "spam", None)
    await a_approves_b(api, container, worker)
    await commands.wait_for("staff.notify", 1)
    (notice,) = notices_in(commands, LOG_A)
    assert "Beta Den" in notice and "does not take partnership requests from yours" in notice


async def test_without_our_directory_the_partner_sees_words_not_our_raw_id(api, container, worker):
    """A's shard never reported A's name: B's staff still read a name in words, with A's invite."""
    await both_run_the_bot(container)
    await container.database.db["guild_directory"].delete_many({})  # the bot never reported A
    await a_approves_b(api, container, worker)

    (request,) = [e["node"] for e in (await queue(api, B))["applications"]["edges"]]
    assert request["partner"]["name"] == "A server using this bot (its name was not reported yet)"
    assert str(A) not in request["partner"]["name"] and request["partner"]["inviteCode"] == "trkAlpha"


async def test_a_refusal_lost_to_a_crash_after_its_commit_is_still_shown_and_told(api, container, worker, commands):
    """The refusal is one journaled change on our side: the problem, the warning and the notice to our
    staff are all owed by its commit, so the journal relay finishes them after a crash."""
    await both_run_the_bot(container)
    await container.guild_settings.update(A, {"log_channel_id": LOG_A})
    await container.blacklist.add(B, A, "spam", None)
    writer, finish = container.writer, container.writer._finish

    async def dies_after_committing_a_refusal(guild_id, items):
        if any(i.get("change") == "ProblemRaised" for i in items):
            raise RuntimeError("the process died right after the commit")
        return await finish(guild_id, items)

    writer._finish = dies_after_committing_a_refusal
    try:
        await a_approves_b(api, container, worker)
    except RuntimeError:
        pass
    finally:
        writer._finish = finish
    (a_side,) = await partnerships(api, A)
    assert [p for p in a_side["problems"] if p["code"] == MUTUAL_REQUEST_REFUSED] == []  # nothing written yet

    await writer.finish_guild(A)  # what the journal relay does
    await assert_refused(api, container, "does not take partnership requests from yours")
    await commands.wait_for("staff.notify", 1)
    assert any("Beta Den" in n for n in notices_in(commands, LOG_A))
