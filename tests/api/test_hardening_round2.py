"""Bad input gets a 4xx or a typed error, never a 500 or an OS error text; expected refusals are
logged at INFO without a traceback, unexpected errors stay ERROR (issue 14, items 8 and 9)."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from api.app import create_app
from tests.api.conftest import Api, make_settings, serve
from tests.api.factories import GUILD

BLACKLIST = (
    'mutation($p: Snowflake!) { blacklistServer(guildId: "%s", partnerGuildId: $p) { userErrors { code } } }' % GUILD
)
PAGE = '{ guild(id: "%s") { blacklist(first: 1, after: $after) { edges { cursor } } } }'


def _forge(cursor: str, **changes) -> str:
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return base64.urlsafe_b64encode(json.dumps({**raw, **changes}).encode()).decode().rstrip("=")


@pytest.mark.parametrize("timestamp", [10**20, -(10**20), 2**63, 1e308])
async def test_a_forged_cursor_with_a_huge_timestamp_is_bad_user_input(api, timestamp):
    await api.data(BLACKLIST, {"p": "1000000000000000001"})
    await api.data(BLACKLIST, {"p": "1000000000000000002"})
    query = "query($after: String) " + PAGE % GUILD
    cursor = (await api.data(query, {"after": None}))["guild"]["blacklist"]["edges"][0]["cursor"]
    body = await api.post(query, {"after": _forge(cursor, t=timestamp)})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "not a cursor this API issued" in error["message"]


@pytest.mark.parametrize("body", ['"str"', "42", "null", "true"])
async def test_a_json_body_that_is_not_an_object_is_a_400(api, body):
    response = await api.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and "JSON object" in response.text


async def test_an_over_long_query_has_an_error_code(api):
    query = "{ " + "viewer { userId } " * 2000 + "}"
    body = await api.post(query)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "5000 tokens" in body["errors"][0]["message"]


async def test_a_syntax_error_has_an_error_code(api):
    assert (await api.post("{ viewer { "))["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_expected_refusals_are_logged_at_info_without_a_traceback(api, caplog):
    caplog.set_level(logging.INFO)
    refused = [
        await api.post("{ viewer { userId } }", token=None),  # UNAUTHENTICATED
        await api.post('{ guild(id: "1100000000000000999") { id } }'),  # FORBIDDEN
        await api.post("{ nope }"),  # GRAPHQL_VALIDATION_FAILED
        await api.post('{ guild(id: "abc") { id } }'),  # BAD_USER_INPUT
        await api.post("{ viewer { "),  # GRAPHQL_PARSE_FAILED
    ]
    codes = {body["errors"][0]["extensions"]["code"] for body in refused}
    assert codes == {"UNAUTHENTICATED", "FORBIDDEN", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT",
                     "GRAPHQL_PARSE_FAILED"}  # fmt: skip
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.exc_info]
    logged = {r.getMessage().split(")")[0] for r in caplog.records if r.getMessage().startswith("refused (")}
    assert logged == {f"refused ({code}" for code in codes}


async def test_unexpected_errors_stay_error_with_their_traceback(container, tokens, caplog, monkeypatch):
    async def boom(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(container.warnings, "guild_warnings", boom)
    async with serve(create_app(make_settings(), container=container, tokens=tokens)) as base:
        api = Api(base, tokens, container)
        body = await api.post('{ guild(id: "%s") { warnings { code } } }' % GUILD)
        await api.http.aclose()
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info and "fell over" in errors[0].getMessage()
