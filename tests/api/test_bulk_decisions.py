"""decideApplications: many applications decided in one call, each as the single mutations would."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from api.auth import EDIT, VIEW
from api.domain.errors import RuleViolation
from api.graphql.ids import to_global_id
from api.services.bulk_decisions import decide_each
from tests.api.factories import GUILD, OTHER_GUILD, submitted
from tests.api.test_mutation_rate_limit import _replicas

DECIDE = """mutation($ids: [ID!]!, $decision: Decision!, $reason: String, $blacklist: Boolean) {
  decideApplications(ids: $ids, decision: $decision, reason: $reason, blacklist: $blacklist) {
    results { application { id status reason } partnership { id status } userErrors { code field } }
    userErrors { code field } } }"""
STATE = """query($g: Snowflake!) { guild(id: $g) {
  limits { pendingCount activeCount blacklistCount }
  applications(status: PENDING, first: 100) { totalCount } } }"""


async def _pending(container, count: int, guild_id: int = GUILD) -> list[str]:
    await container.guild_settings.update(guild_id, {"application_cooldown_hours": 0})
    apps = [await container.applications.submit(submitted(guild_id)) for _ in range(count)]
    return [to_global_id("Application", app.id) for app in apps]


async def test_approving_many_gives_each_its_partnership_in_order(api, container):
    ids = await _pending(container, 5)
    body = (await api.data(DECIDE, {"ids": ids, "decision": "APPROVE"}))["decideApplications"]
    assert body["userErrors"] == []
    assert [r["application"]["id"] for r in body["results"]] == ids
    assert all(r["application"]["status"] == "APPROVED" and r["partnership"]["status"] == "ACTIVE"
               for r in body["results"])  # fmt: skip
    state = (await api.data(STATE, {"g": str(GUILD)}))["guild"]
    assert state["limits"]["pendingCount"] == 0 and state["limits"]["activeCount"] == 5


async def test_deny_and_blacklist_many(api, container):
    ids = await _pending(container, 3)
    body = await api.data(DECIDE, {"ids": ids, "decision": "DENY", "reason": "spam", "blacklist": True})
    results = body["decideApplications"]["results"]
    assert [(r["application"]["status"], r["application"]["reason"]) for r in results] == [("DENIED", "spam")] * 3
    state = (await api.data(STATE, {"g": str(GUILD)}))["guild"]
    assert state["limits"] == {"pendingCount": 0, "activeCount": 0, "blacklistCount": 3}


async def test_the_active_cap_refuses_past_it_and_keeps_the_rest_pending(api, container):
    ids = await _pending(container, 4)
    await container.guild_settings.update(GUILD, {"max_active": 2})
    results = (await api.data(DECIDE, {"ids": ids, "decision": "APPROVE"}))["decideApplications"]["results"]
    assert [r["userErrors"][0]["code"] if r["userErrors"] else "ok" for r in results] == [
        "ok", "ok", "ACTIVE_LIMIT_REACHED", "ACTIVE_LIMIT_REACHED"]  # fmt: skip
    state = (await api.data(STATE, {"g": str(GUILD)}))["guild"]
    assert state["limits"]["activeCount"] == 2 and state["limits"]["pendingCount"] == 2


async def test_a_repeated_id_is_decided_once(api, container):
    [one] = await _pending(container, 1)
    results = (await api.data(DECIDE, {"ids": [one, one], "decision": "DENY"}))["decideApplications"]["results"]
    assert results[0]["userErrors"] == [] and results[1]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_ids_of_another_guild_or_unknown_are_not_found_and_untouched(api, container):
    mine = await _pending(container, 2)
    foreign = await _pending(container, 1, OTHER_GUILD)
    unknown = to_global_id("Application", "nope")
    token = api.token({GUILD: [VIEW, EDIT], OTHER_GUILD: [VIEW, EDIT]})
    body = await api.post(DECIDE, {"ids": [mine[0], foreign[0], unknown, mine[1]], "decision": "DENY"}, token=token)
    results = body["data"]["decideApplications"]["results"]
    assert [r["userErrors"][0]["code"] if r["userErrors"] else "ok" for r in results] == [
        "ok", "NOT_FOUND", "NOT_FOUND", "ok"]  # fmt: skip
    assert results[1]["application"] is None and results[1]["userErrors"][0]["field"] == ["ids", "1"]
    other = (await api.data(STATE, {"g": str(OTHER_GUILD)}, token=token))["guild"]
    assert other["limits"]["pendingCount"] == 1  # one call decides in one guild only


async def test_more_than_100_ids_is_refused_whole(api, container):
    ids = await _pending(container, 101)
    body = (await api.data(DECIDE, {"ids": ids, "decision": "DENY"}))["decideApplications"]
    assert body["results"] == [] and body["userErrors"] == [{"code": "VALIDATION", "field": ["ids"]}]
    state = (await api.data(STATE, {"g": str(GUILD)}))["guild"]
    assert state["limits"]["pendingCount"] == 101


async def test_a_viewer_is_forbidden_and_nothing_is_decided(api, container):
    ids = await _pending(container, 2)
    body = await api.post(DECIDE, {"ids": ids, "decision": "APPROVE"}, token=api.viewer())
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    state = (await api.data(STATE, {"g": str(GUILD)}))["guild"]
    assert state["limits"]["pendingCount"] == 2


@pytest.mark.slow  # 200 applications submitted first
async def test_a_wave_of_200_is_cleared_in_two_calls(api, container):
    ids = await _pending(container, 200)
    for chunk in (ids[:100], ids[100:]):
        body = (await api.data(DECIDE, {"ids": chunk, "decision": "DENY"}))["decideApplications"]
        assert all(r["userErrors"] == [] for r in body["results"])
    assert (await api.data(STATE, {"g": str(GUILD)}))["guild"]["limits"]["pendingCount"] == 0


async def test_two_bulk_approvals_racing_on_two_replicas_keep_the_cap_exact(replicas):
    a, b = replicas
    await a.guild_settings.update(GUILD, {"max_active": 5, "application_cooldown_hours": 0})
    apps = [await a.applications.submit(submitted()) for _ in range(30)]
    outcomes = await asyncio.gather(
        decide_each(a.applications, apps, True, actor=1),
        decide_each(b.applications, list(reversed(apps)), True, actor=2),
    )
    counted = Counter(o.code.value if isinstance(o, RuleViolation) else "ok" for each in outcomes for o in each)
    assert counted["ok"] == 5 and set(counted) <= {"ok", "ACTIVE_LIMIT_REACHED", "INVALID_STATE"}
    ledger = await b.writer.load(GUILD)
    assert len(ledger.active) == 5 and len(ledger.pending) == 25
    assert await a.partnership_repo.count(GUILD, None) == 5


@pytest.mark.slow  # 200 applications submitted first
async def test_the_rate_limit_counts_a_bulk_call_once(container, tokens):
    ids = await _pending(container, 200)
    async with _replicas([container], tokens, mutation_burst=2, mutation_rate_per_minute=1) as (limited,):
        for chunk in (ids[:100], ids[100:]):  # 200 decisions in two mutations: within a burst of 2
            body = await limited.post(DECIDE, {"ids": chunk, "decision": "DENY"})
            assert not body.get("errors") and all(
                r["userErrors"] == [] for r in body["data"]["decideApplications"]["results"]
            )
        refused = await limited.post(DECIDE, {"ids": ids[:1], "decision": "DENY"})
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert len((await container.writer.load(GUILD)).pending) == 0
