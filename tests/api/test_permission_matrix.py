"""Every root field, mutation and subscription x {no token, expired, bad signature, other guild only,
view, edit}: the exact outcome, and nothing changed by a refusal."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import jwt
import pytest
import websockets

from api.auth import EDIT, VIEW
from tests.api.factories import GUILD, OTHER_GUILD, submitted

G = str(GUILD)
ALLOWED, UNAUTH, FORBIDDEN, NOT_FOUND, ABSENT = "allowed", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "absent"


def guild_read(selection: str, need: str = "view") -> tuple[str, str, str]:
    """An operation reading `selection` of the guild."""
    return '{ guild(id: "%s") { %s } }' % (G, selection), need, "guild"


# name -> (document, least permission it needs: "view" / "edit" / "any" (any valid token), target kind)
# target kind: "guild" (names the guild), "id" (names a record of the guild), "none".
OPERATIONS = {
    "guild": guild_read("id"),
    "guild.settings": guild_read("settings { maxActive }"),
    "guild.limits": guild_read("limits { activeCount }"),
    "guild.applications": guild_read("applications { totalCount }"),
    "guild.partnerships": guild_read("partnerships { totalCount }"),
    "guild.blacklist": guild_read("blacklist { totalCount }"),
    "guild.joinStats": guild_read("joinStats { joins }"),
    "guild.warnings": guild_read("warnings { code }"),
    "guild.auditLog": guild_read("auditLog { totalCount }", "edit"),
    "guild.name": guild_read("name iconUrl"),
    "guild.channels": guild_read("channels { id name type parentId position }"),
    "guild.roles": guild_read("roles { id name color position managed }"),
    "node": ('query($id: ID!) { node(id: $id) { id } }', "view", "id"),
    "viewer": ("{ viewer { userId } }", "any", "none"),
    "viewer.profile": ("{ viewer { name avatarUrl guilds { id name } } }", "any", "none"),
    "updatePartnershipSettings": (
        'mutation { updatePartnershipSettings(guildId: "%s", input: {maxActive: 7}) { userErrors { code } } }' % G,
        "edit", "guild"),
    "approveApplication": ("mutation($id: ID!) { approveApplication(id: $id) { userErrors { code } } }", "edit", "id"),
    "denyApplication": ("mutation($id: ID!) { denyApplication(id: $id, blacklist: true) { userErrors { code } } }",
                        "edit", "id"),
    "decideApplications": (
        "mutation($id: ID!) { decideApplications(ids: [$id], decision: DENY, blacklist: true) "
        "{ results { userErrors { code } } userErrors { code } } }", "edit", "id"),
    "createPartnership": (
        'mutation { createPartnership(input: {guildId: "%s", partnerGuildId: "1234500000000000099", partnerName: "X", '
        'inviteCode: "xinvite", representativeId: "1", advertisement: "ad"}) { userErrors { code } } }' % G,
        "edit", "guild"),
    "updatePartnership": (
        'mutation($pid: ID!) { updatePartnership(id: $pid, input: {partnerName: "Q"}) { userErrors { code } } }',
        "edit", "id"),
    "partnership.reciprocity": (
        "query($pid: ID!) { node(id: $pid) { ... on Partnership { reciprocity } } }", "view", "id"),
    "bumpPartnership": ("mutation($pid: ID!) { bumpPartnership(id: $pid) { userErrors { code } } }", "edit", "id"),
    "checkPartnershipHealth": (
        "mutation($pid: ID!) { checkPartnershipHealth(id: $pid) { userErrors { code } } }", "edit", "id"),
    "endPartnership": ("mutation($pid: ID!) { endPartnership(id: $pid) { userErrors { code } } }", "edit", "id"),
    "blacklistServer": (
        'mutation { blacklistServer(guildId: "%s", partnerGuildId: "1234500000000000098") { userErrors { code } } }' % G,
        "edit", "guild"),
    "unblacklistServer": (
        'mutation { unblacklistServer(guildId: "%s", partnerGuildId: "1234500000000000097") { userErrors { code } } }' % G,
        "edit", "guild"),
    "partnershipQueue": ('subscription { partnershipQueue(guildId: "%s") { type } }' % G, "view", "guild"),
    "partnerJoins": ('subscription { partnerJoins(guildId: "%s") { userId } }' % G, "view", "guild"),
}  # fmt: skip
CALLERS = ["none", "expired", "bad_signature", "other_guild", "view", "edit"]


def expected(caller: str, need: str, kind: str, op: str) -> str:
    if caller in ("none", "expired", "bad_signature"):
        return UNAUTH
    if need == "any":
        return ALLOWED
    if caller == "other_guild":
        if kind == "id":
            return ABSENT if op.startswith(("node", "partnership.")) else NOT_FOUND  # another guild's records: absent
        return FORBIDDEN
    if caller == "view" and need == "edit":
        return FORBIDDEN
    return ALLOWED


def token_for(api, caller: str) -> str | None:
    return {
        "none": None,
        "expired": api.tokens.issue(4242, {GUILD: [VIEW, EDIT]}, lifetime=timedelta(seconds=-1)),
        "bad_signature": jwt.encode(
            {"sub": "4242", "exp": 9999999999, "perms": {G: [VIEW, EDIT]}},
            "another-secret-entirely-0123456789",
            "HS256",
        ),
        "other_guild": api.token({OTHER_GUILD: [VIEW, EDIT]}),
        "view": api.token({GUILD: [VIEW]}),
        "edit": api.token({GUILD: [VIEW, EDIT]}),
    }[caller]


async def snapshot(container) -> str:
    """Everything stored, as one comparable string. Not the rate-limit buckets: every mutation attempt,
    refused or not, counts against its caller's rate (that is the limit's job, not a change of data)."""
    parts = {}
    for name in sorted(set(await container.database.db.list_collection_names()) - {"rate_limits"}):
        docs = [d async for d in container.database.db[name].find({}).sort("_id")]
        parts[name] = docs
    return json.dumps(parts, default=str, sort_keys=True)


@pytest.fixture
async def world(api, worker, container):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": 5, "application_cooldown_hours": 0})
    app = await container.applications.submit(submitted())
    from api.services.partnerships import ManualPartner

    partnership = await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=GUILD, partner_guild_id="1234500000000000001", partner_name="P",
                             invite_code="pinvite", representative_id="2", advertisement="ad"), actor=1)  # fmt: skip
    await container.blacklist.add(GUILD, 1234500000000000097, "seeded", actor=1)
    from api.graphql.ids import to_global_id

    return {"id": to_global_id("Application", app.id), "pid": to_global_id("Partnership", partnership.id)}


async def outcome_of(api, document: str, variables: dict, token: str | None) -> str:
    if document.startswith("subscription"):
        return await subscription_outcome(api, document, token)
    body = await api.post(document, variables, token=token)
    if body.get("errors"):
        return body["errors"][0]["extensions"]["code"]
    data = next(iter(body["data"].values()))
    if data is None:
        return ABSENT
    errors = data.get("userErrors") if isinstance(data, dict) else None
    if isinstance(data, dict) and data.get("results"):  # a bulk mutation: the one id's own result
        errors = data["results"][0]["userErrors"]
    if errors and errors[0]["code"] == "NOT_FOUND":
        return NOT_FOUND
    return ALLOWED


async def subscription_outcome(api, document: str, token: str | None) -> str:
    url = api.base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        try:
            ack = json.loads(await ws.recv())
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd.code == 4403
            return UNAUTH
        assert ack["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
        except TimeoutError:
            return ALLOWED  # subscribed and waiting for events
        errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors")
        return errors[0]["extensions"]["code"]


@pytest.mark.parametrize("caller", CALLERS)
async def test_permission_matrix(api, container, world, caller):
    token = token_for(api, caller)
    mismatches = []
    for name, (document, need, kind) in OPERATIONS.items():
        want = expected(caller, need, kind, name)
        before = await snapshot(container)
        got = await outcome_of(api, document, world, token)
        if got != want:
            mismatches.append(f"{name}: expected {want}, got {got}")
        if want != ALLOWED and await snapshot(container) != before:
            mismatches.append(f"{name}: a refused call changed stored data")
    assert mismatches == []
