"""Repeated dashboard queries answered from a kept answer (api/graphql/result_cache.py).

What staff must never notice: an answer older than what is stored, or an answer given to someone
who may not see the guild. What the product gains: the same request, while nothing it read has
changed, is answered without executing it again (counted in partners_graphql_result_cache_total)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from api.auth import VIEW
from api.graphql.ids import to_global_id
from api.store.people import Person
from tests.api.conftest import Api
from tests.api.conftest import result_cache_outcomes as outcomes
from tests.api.factories import GUILD, OTHER_GUILD, submitted

# The dashboard's own queue query (api/dashboard/static/js/api.js), fields and all.
QUEUE = """
query Queue($guildId: Snowflake!, $first: Int!, $after: String, $order: SortOrder = OLDEST_FIRST, $search: String) {
  guild(id: $guildId) {
    id
    limits { pendingCount activeCount activeMax }
    settings { maxActive applicationMode }
    applications(status: PENDING, order: $order, first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id status representativeId representativeName advertisement submittedAt
                            partner { id name memberCount } } }
    }
  }
}"""
VARIABLES = {"guildId": str(GUILD), "first": 25, "search": None}


async def post(api: Api, token: str | None, variables: dict[str, Any] = VARIABLES, query: str = QUEUE, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await api.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response


async def queue(api: Api, token: str, **kw) -> dict[str, Any]:
    response = await post(api, token, **kw)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["guild"]


def names(guild: dict[str, Any]) -> list[str]:
    return [e["node"]["partner"]["name"] for e in guild["applications"]["edges"]]


@pytest.fixture
def token(api: Api) -> str:
    return api.editor()


async def test_the_same_query_while_nothing_changed_is_answered_again_byte_for_byte(api: Api, container, token):
    for i in range(3):
        await container.applications.submit(submitted(name=f"Server {i}"))
    first = await post(api, token)
    again = await post(api, token)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert names(again.json()["data"]["guild"]) == ["Server 0", "Server 1", "Server 2"]
    assert outcomes(container) == {"hit": 1, "stored": 1, "stale": 0}


async def test_every_change_staff_would_see_shows_in_the_next_answer(api: Api, container, token):
    """Each step changes one thing the kept answer was computed from; the next identical request
    shows it (and counts the kept answer as stale), then is kept again."""
    rep = 777000000000000001
    first = await container.applications.submit(submitted(name="Alpha"))
    await container.applications.submit(submitted(name="Beta"))
    await queue(api, token)
    assert names(await queue(api, token)) == ["Alpha", "Beta"]

    await container.applications.submit(submitted(name="Gamma"))  # a new application: the ledger moved
    guild = await queue(api, token)
    assert names(guild) == ["Alpha", "Beta", "Gamma"] and guild["limits"]["pendingCount"] == 3

    await container.applications.approve(first, actor=9)  # a decision
    guild = await queue(api, token)
    assert names(guild) == ["Beta", "Gamma"] and guild["limits"]["activeCount"] == 1

    await container.people.remember(Person(rep, "Renamed", None))  # a representative's name (no ledger change)
    assert await container.applications.submit(submitted(name="Delta", representative_id=rep)) is not None
    assert names(await queue(api, token)) == ["Beta", "Gamma", "Delta"]
    await container.people.remember(Person(rep, "Renamed again", None))
    guild = await queue(api, token)
    assert [e["node"]["representativeName"] for e in guild["applications"]["edges"]][-1] == "Renamed again"

    await container.guild_settings.update(GUILD, {"max_active": 7})  # a setting
    assert (await queue(api, token))["settings"]["maxActive"] == 7

    seen = outcomes(container)
    assert seen["stale"] == 5 and seen["hit"] == 1  # every change made the kept answer stale


async def test_the_callers_permission_is_checked_on_every_answer(api: Api, container, token, expired_token):
    await container.applications.submit(submitted(name="Secret"))
    await queue(api, token)
    await queue(api, token)  # kept, and answered from it once
    hits = outcomes(container)["hit"]

    stranger = api.token({OTHER_GUILD: [VIEW]})
    for who, code in ((stranger, "FORBIDDEN"), (None, "UNAUTHENTICATED"), (expired_token, "UNAUTHENTICATED")):
        response = await post(api, who)
        body = response.json()
        assert body["data"] is None or body["data"]["guild"] is None, body
        assert body["errors"][0]["extensions"]["code"] == code
        assert b"Secret" not in response.content
    assert outcomes(container)["hit"] == hits

    viewer = api.viewer()  # another staff member with view permission gets the kept answer
    assert names(await queue(api, viewer)) == ["Secret"]
    assert outcomes(container)["hit"] == hits + 1


@pytest.mark.parametrize(
    "why, query, variables",
    [
        ("a search reads the store directly", QUEUE, {**VARIABLES, "search": "Serv"}),
        ("another status reads the store directly", QUEUE.replace("PENDING", "APPROVED"), VARIABLES),
        ("a field outside the list", QUEUE.replace("submittedAt", "submittedAt partnership { id }"), VARIABLES),
        ("the guild's warnings", "query($g: Snowflake!) { guild(id: $g) { warnings { code } } }", {"g": str(GUILD)}),
        ("an error (a bad cursor)", QUEUE, {**VARIABLES, "after": "not-a-cursor"}),
    ],
)
async def test_queries_that_cannot_be_reused_are_executed_every_time(api: Api, container, token, why, query, variables):
    await container.applications.submit(submitted(name="Server"))
    for _ in range(3):
        response = await post(api, token, variables=variables, query=query)
        assert response.status_code == 200, why
    assert outcomes(container) == {"hit": 0, "stored": 0, "stale": 0}, why


async def test_no_store_asks_for_an_executed_answer(api: Api, container, token):
    await container.applications.submit(submitted(name="Server"))
    for _ in range(2):
        await queue(api, token)
    response = await post(api, token, **{"Cache-Control": "no-store"})
    assert names(response.json()["data"]["guild"]) == ["Server"]
    assert outcomes(container) == {"hit": 1, "stored": 1, "stale": 0}


async def test_mutations_are_never_answered_from_a_kept_answer(api: Api, container, token):
    app = await container.applications.submit(submitted(name="Server"))
    approve = "mutation($id: ID!) { approveApplication(id: $id) { application { status } userErrors { code } } }"
    variables = {"id": to_global_id("Application", app.id)}
    first = (await post(api, token, variables=variables, query=approve)).json()["data"]["approveApplication"]
    again = (await post(api, token, variables=variables, query=approve)).json()["data"]["approveApplication"]
    assert first["application"]["status"] == "APPROVED" and first["userErrors"] == []
    assert again["userErrors"], "the second approval is refused, not replayed"
    assert outcomes(container) == {"hit": 0, "stored": 0, "stale": 0}


async def test_a_client_that_sends_no_json_is_answered_as_before(api: Api, container, token):
    response = await api.http.post(
        "/graphql",
        content=b"{not json",
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert outcomes(container) == {"hit": 0, "stored": 0, "stale": 0}


async def test_identical_requests_at_once_are_executed_once_and_each_sees_every_change(api: Api, container, token):
    """Every open dashboard refetches the queue after the same change: one executes it, the others
    wait for that answer and get it once they checked it against what is stored now."""
    await container.applications.submit(submitted(name="Server 0"))

    async def wave() -> set[bytes]:
        responses = await asyncio.gather(*(post(api, token) for _ in range(20)))
        assert all(r.status_code == 200 for r in responses)
        return {r.content for r in responses}

    (first,) = await wave()
    assert names(json.loads(first)["data"]["guild"]) == ["Server 0"]
    assert outcomes(container) == {"hit": 19, "stored": 1, "stale": 0}

    await container.applications.submit(submitted(name="Server 1"))
    (second,) = await wave()
    assert names(json.loads(second)["data"]["guild"]) == ["Server 0", "Server 1"]
    assert outcomes(container) == {"hit": 38, "stored": 1, "stale": 1}


# Fields with a resolver of their own that were read and found to read nothing but the request's
# loaders (and the caller's permission): the only resolvers a kept answer may be computed with.
LOADER_ONLY_RESOLVERS = {
    ("Query", "guild"),  # require_view, then Guild(id=...)
    ("Guild", "botPresent"),
    ("Guild", "name"),
    ("Guild", "iconUrl"),
    ("Guild", "settings"),
    ("Guild", "limits"),
    ("Guild", "applications"),  # only for PENDING without a search: cacheable._pending_queue
    ("ApplicationConnection", "totalCount"),
    ("Application", "representativeName"),
    ("Application", "decidedByName"),
    ("Application", "representativeAvatarUrl"),
}


def test_every_field_a_kept_answer_may_hold_is_a_plain_value_or_a_reviewed_loader_read():
    """A field added to a type in api/graphql/cacheable.py's list, with a resolver that reads a store
    or the clock, would make kept answers stale: such a field must be reviewed here first."""
    from api.graphql.cacheable import ALL_FIELDS, CACHEABLE_FIELDS
    from api.graphql.schema import schema

    names = schema.config.name_converter
    resolved = set()
    for type_name in set(CACHEABLE_FIELDS) | ALL_FIELDS:
        definition = schema.get_type_by_name(type_name)
        for field in definition.fields:
            graphql_name = names.get_graphql_name(field)
            allowed = type_name in ALL_FIELDS or graphql_name in CACHEABLE_FIELDS[type_name]
            if allowed and field.base_resolver is not None:
                resolved.add((type_name, graphql_name))
    assert resolved == LOADER_ONLY_RESOLVERS
