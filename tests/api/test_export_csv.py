"""GET /export/{guildId}/partnerships.csv: what staff download, and who may."""

from __future__ import annotations

import csv
import io

import pytest

from api.auth import EDIT, VIEW
from api.services.partnerships import ManualPartner
from tests.api.counting_db import counted_api
from tests.api.factories import GUILD, OTHER_GUILD, joined, left, manual_partnership
from tests.api.test_mutual_partnerships import APPROVE, END, a_approves_b, both_run_the_bot, partnerships, queue

HEALTH_AND_RECIPROCITY = ["health", "health_problems", "reciprocity"]


async def test_the_csv_lists_every_partnership_with_its_counts_and_no_formulas(api, container, worker):
    p = await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=GUILD, partner_guild_id="1234500000000000000",
                             partner_name='=HYPERLINK("http://evil","x"), "quoted"', invite_code="chess",
                             representative_id="1300000000000000001", advertisement="ad"),
        actor=1,
    )  # fmt: skip
    await container.partnerships.tracked_invite_created(p.id, "trk")
    for env in (joined(GUILD, "trk", user_id=11), joined(GUILD, "trk", user_id=12), left(GUILD, 12)):
        await worker.handle(env)
    await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=GUILD, partner_guild_id="1234500000000000001", partner_name="@Plain",
                             invite_code="plain", representative_id="1300000000000000002", advertisement="ad"),
        actor=1,
    )  # fmt: skip

    response = await api.http.get(
        f"/export/{GUILD}/partnerships.csv", headers={"Authorization": f"Bearer {api.viewer()}"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["partnership_id", "partner_id", "partner_name", "partner_invite", "representative_id",
                             "status", "started_at", "ended_at", "end_reason", "joins", "retained", "fake",
                             *HEALTH_AND_RECIPROCITY]  # fmt: skip
    first, second = rows
    assert first["partner_name"] == '\'=HYPERLINK("http://evil","x"), "quoted"'  # text, not a formula
    assert (first["status"], first["joins"], first["retained"], first["fake"]) == ("ACTIVE", "2", "1", "1")
    assert first["partner_id"] == "1234500000000000000" and first["ended_at"] == ""
    assert second["partner_name"] == "'@Plain" and second["joins"] == "0"


async def test_the_csv_needs_a_token_with_view_on_that_guild(api):
    url = f"/export/{GUILD}/partnerships.csv"
    assert (await api.http.get(url)).status_code == 401
    assert (await api.http.get(url, headers={"Authorization": "Bearer not-a-jwt"})).status_code == 401
    other = api.token({OTHER_GUILD: [VIEW, EDIT]})
    assert (await api.http.get(url, headers={"Authorization": f"Bearer {other}"})).status_code == 403
    no_view = api.token({GUILD: []})
    assert (await api.http.get(url, headers={"Authorization": f"Bearer {no_view}"})).status_code == 403
    editor = api.token({GUILD: [EDIT]})  # edit implies view
    assert (await api.http.get(url, headers={"Authorization": f"Bearer {editor}"})).status_code == 200
    bad = await api.http.get("/export/not-an-id/partnerships.csv", headers={"Authorization": f"Bearer {editor}"})
    assert bad.status_code == 404


async def export_rows(api, guild: int = GUILD) -> dict[str, dict[str, str]]:
    """The export's rows by partner id."""
    response = await api.http.get(
        f"/export/{guild}/partnerships.csv", headers={"Authorization": f"Bearer {api.viewer(guild)}"}
    )
    assert response.status_code == 200, response.text
    return {row["partner_id"]: row for row in csv.DictReader(io.StringIO(response.text))}


def health_and_reciprocity(row: dict[str, str]) -> tuple[str, str, str]:
    return tuple(row[c] for c in HEALTH_AND_RECIPROCITY)


SHOWN = """query($g: Snowflake!) { guild(id: $g) { partnerships(first: 50) { edges { node {
  partner { id } reciprocity health { status problems { issue } } } } } } }"""


async def as_graphql_shows_them(api, guild: int = GUILD) -> dict[str, tuple[str, str, str]]:
    data = await api.data(SHOWN, {"g": str(guild)}, token=api.editor(guild))
    nodes = [e["node"] for e in data["guild"]["partnerships"]["edges"]]
    return {n["partner"]["id"]: (n["health"]["status"], ";".join(p["issue"] for p in n["health"]["problems"]),
                                 n["reciprocity"]) for n in nodes}  # fmt: skip


async def test_the_csv_ends_with_health_and_reciprocity_as_the_dashboard_shows_them(api, container, worker):
    await both_run_the_bot(container)
    await container.guild_settings.update(GUILD, {"health_grace_hours": 0})  # a problem fails at once
    await a_approves_b(api, container, worker)
    quiet = "1234500000000000007"  # a partner that does not run the bot
    await manual_partnership(container, GUILD, partner_guild_id=quiet, name="Quiet")
    (request,) = [e["node"] for e in (await queue(api, OTHER_GUILD))["applications"]["edges"]]
    await api.data(APPROVE, {"id": request["id"]}, token=api.editor(OTHER_GUILD))  # the pair is mutual

    rows = await export_rows(api)
    assert health_and_reciprocity(rows[quiet]) == ("OK", "", "UNKNOWN")
    assert health_and_reciprocity(rows[str(OTHER_GUILD)]) == ("OK", "", "YES")
    assert {k: health_and_reciprocity(r) for k, r in rows.items()} == await as_graphql_shows_them(api)

    (theirs,) = await partnerships(api, OTHER_GUILD)
    await api.data(END, {"id": theirs["id"]}, token=api.editor(OTHER_GUILD))  # the partner stops showcasing us
    rows = await export_rows(api)
    assert health_and_reciprocity(rows[str(OTHER_GUILD)]) == ("FAILING", "NOT_RECIPROCATED", "NO")
    assert rows[str(OTHER_GUILD)]["status"] == "ACTIVE"
    assert health_and_reciprocity(rows[quiet]) == ("OK", "", "UNKNOWN")
    assert {k: health_and_reciprocity(r) for k, r in rows.items()} == await as_graphql_shows_them(api)


@pytest.mark.parametrize("count", [3, 30])
async def test_an_export_makes_the_same_few_reads_however_many_partnerships(count, tokens):
    partners = [1234500000000000100 + i for i in range(count)]

    async def fill(container):
        for partner in partners:
            await manual_partnership(container, GUILD, partner_guild_id=partner, name=f"P{partner % 1000}")
        await container.bot_guilds.mark_present(partners[::2])  # some partners run the bot: every read is needed

    async with counted_api(tokens, fill) as (api, calls):
        rows = await export_rows(api)
        total = sum(calls.values())
    assert len(rows) == count and all(health_and_reciprocity(r) == ("OK", "", "UNKNOWN") for r in rows.values())
    # the partnerships, the partners' presence, their settings, which of them showcase us, our settings
    assert 0 < total <= 5, calls
