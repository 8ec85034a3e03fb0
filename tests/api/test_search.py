"""`search:` on applications and partnerships: part of the partner's name, or its server id."""

from __future__ import annotations

from api.services.partnerships import ManualPartner
from tests.api.factories import GUILD, submitted

APPS = """query($g: Snowflake!, $s: String, $first: Int, $after: String, $status: ApplicationStatus) {
  guild(id: $g) { applications(status: $status, search: $s, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { partner { id name } } } } } }"""
PARTNERS = """query($g: Snowflake!, $s: String) { guild(id: $g) {
  partnerships(status: ACTIVE, search: $s) { totalCount edges { node { partner { name } } } } } }"""


async def _names(api, **variables) -> tuple[list[str], int, dict]:
    data = (await api.data(APPS, {"g": str(GUILD), **variables}))["guild"]["applications"]
    return [e["node"]["partner"]["name"] for e in data["edges"]], data["totalCount"], data["pageInfo"]


async def test_search_by_part_of_the_name_ignores_case_and_by_id_matches_exactly(api, container):
    await container.guild_settings.update(GUILD, {"application_cooldown_hours": 0})
    for name in ("Alpha Arcade", "Beta Base", "alphabet soup", "Gamma (a.*)"):
        await container.applications.submit(submitted(name=name))
    beta = await container.applications.submit(submitted(name="Another"))

    assert (await _names(api, status="PENDING", s="ALPHA"))[:2] == (["Alpha Arcade", "alphabet soup"], 2)
    assert (await _names(api, s=str(beta.partner.id)))[:2] == (["Another"], 1)
    assert (await _names(api, status="PENDING", s="a.*"))[:2] == (["Gamma (a.*)"], 1)  # text, not a pattern
    assert (await _names(api, status="PENDING", s="  "))[1] == 5  # blank: no filter
    assert (await _names(api, status="PENDING", s="nothing like it"))[:2] == ([], 0)


async def test_paging_keeps_the_search_and_a_cursor_of_another_search_is_refused(api, container):
    await container.guild_settings.update(GUILD, {"application_cooldown_hours": 0})
    for i in range(5):
        await container.applications.submit(submitted(name=f"Match {i}"))
        await container.applications.submit(submitted(name=f"Other {i}"))
    first, total, info = await _names(api, status="PENDING", s="match", first=3)
    assert first == ["Match 0", "Match 1", "Match 2"] and total == 5 and info["hasNextPage"]
    rest, _, info = await _names(api, status="PENDING", s="match", first=3, after=info["endCursor"])
    assert rest == ["Match 3", "Match 4"] and not info["hasNextPage"]

    _, _, info = await _names(api, status="PENDING", s="match", first=1)
    body = await api.post(APPS, {"g": str(GUILD), "status": "PENDING", "s": "other", "after": info["endCursor"]})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await api.post(APPS, {"g": str(GUILD), "s": "x" * 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_partnerships_search(api, container):
    for index, name in enumerate(["Lo-fi Lounge", "Chess Club", "Lounge Lizards"]):
        await container.partnerships.create_manual(
            ManualPartner.parse(guild_id=GUILD, partner_guild_id=str(1234500000000000001 + index), partner_name=name,
                                 invite_code=f"inv{index}", representative_id="2", advertisement="ad"), actor=1)  # fmt: skip
    data = (await api.data(PARTNERS, {"g": str(GUILD), "s": "lounge"}))["guild"]["partnerships"]
    assert data["totalCount"] == 2
    assert [e["node"]["partner"]["name"] for e in data["edges"]] == ["Lo-fi Lounge", "Lounge Lizards"]
