"""Every root field checks the token and the guild permission."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from api.auth import VIEW, AuthError, TokenService
from tests.api.factories import GUILD, OTHER_GUILD

GUILD_Q = 'query { guild(id: "%s") { id limits { pendingCount } } }'
MUTATION = 'mutation { blacklistServer(guildId: "%s", partnerGuildId: "99999999999999999") { entry { partnerGuildId } userErrors { code } } }'


@pytest.mark.parametrize(
    "token_kind, code",
    [("none", "UNAUTHENTICATED"), ("garbage", "UNAUTHENTICATED"), ("bad_signature", "UNAUTHENTICATED"),
     ("expired", "UNAUTHENTICATED"), ("other_guild", "FORBIDDEN")],
)  # fmt: skip
async def test_refusals(api, expired_token, token_kind, code):
    token = {
        "none": None,
        "garbage": "not.a.jwt",
        "bad_signature": jwt.encode(
            {"sub": "1", "exp": 9999999999, "perms": {str(GUILD): [VIEW]}},
            "wrong-secret-of-a-decent-length-0000000",
            "HS256",
        ),
        "expired": expired_token,
        "other_guild": api.editor(OTHER_GUILD),
    }[token_kind]
    for query in (GUILD_Q % GUILD, MUTATION % GUILD):
        body = await api.post(query, token=token)
        assert body["errors"][0]["extensions"]["code"] == code, body
        assert body["data"] is None or all(v is None for v in body["data"].values())
    viewer = await api.post("{ viewer { userId } }", token=token)
    assert ("errors" in viewer) == (code == "UNAUTHENTICATED")
    entries = await api.data(f'{{ guild(id: "{GUILD}") {{ blacklist {{ totalCount }} }} }}')
    assert entries["guild"]["blacklist"]["totalCount"] == 0  # nothing changed


async def test_view_permission_reads_but_cannot_write(api):
    token = api.token({GUILD: [VIEW]}, user_id=77)
    assert (await api.data(GUILD_Q % GUILD, token=token))["guild"]["id"] == str(GUILD)
    body = await api.post(MUTATION % GUILD, token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    viewer = await api.data("{ viewer { userId guildIds } }", token=token)
    assert viewer["viewer"] == {"userId": "77", "guildIds": [str(GUILD)]}


async def test_introspection_needs_no_token(api):
    body = await api.post("{ __schema { queryType { name } } }", token=None)
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_a_token_verified_before_still_expires_on_time(tokens: TokenService):
    """Tokens are verified once and remembered (a dashboard sends the same one with every request);
    a remembered token is refused once it expires, with the same words as a fresh one."""
    token = tokens.issue(4242, {GUILD: [VIEW]}, lifetime=timedelta(seconds=2))
    principal = tokens.from_header(f"Bearer {token}")
    assert principal.can_view(GUILD)
    assert tokens.decode(token) is principal  # remembered
    time.sleep((principal.expires_at - datetime.now(UTC)).total_seconds() + 0.05)
    with pytest.raises(AuthError, match="The token has expired"):
        tokens.decode(token)
    with pytest.raises(AuthError, match="The token is not valid"):
        tokens.decode(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))  # a forged signature is checked
