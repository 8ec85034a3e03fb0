"""GET /export/{guildId}/partnerships.csv: what staff download, and who may."""

from __future__ import annotations

import csv
import io

from api.auth import EDIT, VIEW
from api.services.partnerships import ManualPartner
from tests.api.factories import GUILD, OTHER_GUILD, joined, left


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
                             "status", "started_at", "ended_at", "end_reason", "joins", "retained", "fake"]  # fmt: skip
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
