"""Both servers approve each other at the same moment, on two API replicas sharing one MongoDB wire
server: the result is one linked pair (one link document holding both partnerships), no stray reverse
request in either queue and no refusal told to either side's staff."""

from __future__ import annotations

import asyncio

from api.domain.mutual import MUTUAL_REQUEST_REFUSED, pair_key
from tests.api.factories import completed, next_partner_id, submitted


async def test_simultaneous_approvals_on_both_sides_give_one_linked_pair(replicas):
    a, b = replicas
    for _ in range(3):  # a few pairs, to give the race every chance
        ga, gb = next_partner_id(), next_partner_id()
        for guild in (ga, gb):
            await a.guild_settings.update(guild, {"advertisement": f"Server {guild} {{invite}}"})
        await a.bot_guilds.mark_present([ga, gb])
        app_in_a = await a.applications.submit(submitted(ga, partner_id=gb))
        app_in_b = await b.applications.submit(submitted(gb, partner_id=ga))

        da, db = await asyncio.gather(a.applications.approve(app_in_a, actor=11), b.applications.approve(app_in_b, 22))
        pa, pb = da.partnership, db.partnership
        await asyncio.gather(
            a.command_outcomes.handle(completed(ga, "invite.create", refs={"partnership_id": pa.id}, result={"code": "ia"})),
            b.command_outcomes.handle(completed(gb, "invite.create", refs={"partnership_id": pb.id}, result={"code": "ib"})),
        )  # fmt: skip

        links = await a.database.db["mutual_links"].find({"_id": pair_key(ga, gb)}).to_list(None)
        assert [link["sides"] for link in links] == [{str(ga): pa.id, str(gb): pb.id}]
        for guild, partner in ((ga, gb), (gb, ga)):
            ledger = await b.writer.load(guild)
            assert ledger.pending == {} and ledger.active_partner_ids() == {partner}
            (mine,) = await a.partnership_repo.list_for_guild(guild)
            assert [p for p in mine.problems if p.code == MUTUAL_REQUEST_REFUSED] == []
            assert await a.warnings.guild_warnings(guild) == []
