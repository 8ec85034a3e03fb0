"""The moving part of `python -m api --demo`: what a real server's cluster would report, made up.

Every tick a new application arrives, members join through active partners' tracked invites and
now and then one of them leaves again (some within the fake-join window). Everything goes through
the event worker, exactly as the cluster's events would, so the dashboard sees it live. Cancel the
task to stop it: it finishes the event in hand and returns.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta

from bus import Envelope

from .container import Container
from .domain.enums import PartnershipStatus
from .services.partnerships import ManualPartner
from .worker import EventWorker

log = logging.getLogger("api.demo")

PREFIXES = ["Midnight", "Neon", "Cozy", "Pixel", "Starlight", "Crimson", "Aurora", "Frosty", "Golden", "Hidden"]
KINDS = ["Arcade", "Library", "Tavern", "Garden", "Studio", "Harbor", "Lounge", "Workshop", "Café", "Observatory"]
AD = "{name} is looking for partners: {members:,} members, daily events and a friendly team. Come say hi!"
MUTUAL_GUILD = 1270000000000000000  # a partner server that runs the bot too, and showcases us
FAILING_PARTNER = 1250000000000000000  # "Old Friends Network" (api/demo.py): its invite stops resolving
QUEUE_ROOM = 240  # stop adding applications short of the 250 cap, so the demo never shows refusals only


class DemoSimulation:
    def __init__(self, container: Container, guild_id: int, every: float = 5.0, seed: int | None = None):
        self._container = container
        self._worker = EventWorker(container)
        self._guild_id = guild_id
        self._every = every
        self._rng = random.Random(seed if seed is not None else guild_id)
        self._count = 0
        self._members: list[int] = []  # members who joined through a partner and are still in

    async def run(self) -> None:
        """Until cancelled."""
        await self.seed_mutual_partner()
        await self._track_invites()
        await self.fail_a_health_check()
        try:
            while True:
                await asyncio.sleep(self._every)
                try:
                    await self.tick()
                except Exception:  # a demo hiccup is logged, and the demo goes on
                    log.exception("demo tick failed")
        except asyncio.CancelledError:
            log.info("demo simulation stopped after %d applications", self._count)
            raise

    async def seed_mutual_partner(self) -> None:
        """A partner that also runs the bot and partners with us from its side: reciprocity YES."""
        partners = self._container.partnerships
        await self._container.bot_guilds.mark_present([MUTUAL_GUILD])
        await self._container.guild_settings.update(MUTUAL_GUILD, {"showcase_channel_id": MUTUAL_GUILD + 1})
        for ours, theirs, name in (
            (self._guild_id, MUTUAL_GUILD, "Mutual Friends Hub"),
            (MUTUAL_GUILD, self._guild_id, "Demo Guild"),
        ):
            await partners.create_manual(
                ManualPartner.parse(guild_id=ours, partner_guild_id=str(theirs), partner_name=name,
                                     invite_code=f"mutual{str(theirs)[-4:]}", representative_id="1300000000000000098",
                                     advertisement=f"{name}: partners both ways.", member_count=8800),
                actor=1,
            )  # fmt: skip

    async def fail_a_health_check(self) -> None:
        """One partner's invite no longer resolves: what the bot reports for its `partner.check`, so the
        dashboard shows a partnership at risk, with its grace deadline."""
        for partnership in await self._active():
            if partnership.partner.id != FAILING_PARTNER:
                continue
            data = {
                "command_id": "00000000-0000-4000-8000-000000000000",
                "command_type": "partner.check",
                "ok": True,
                "error_code": None,
                "error": None,
                "refs": {"partnership_id": partnership.id},
                "result": {"resolved": False},
            }
            await self._worker.handle(Envelope.new("command.completed", self._guild_id, data))

    async def tick(self) -> None:
        ledger = await self._container.writer.load(self._guild_id)
        if len(ledger.pending) < QUEUE_ROOM:
            await self._worker.handle(self._application())
        await self._track_invites()  # partners approved since the last tick get their invite
        for _ in range(self._rng.randint(1, 3)):
            await self._join()
        if self._members and self._rng.random() < 0.4:
            await self._leave()

    def _application(self) -> Envelope:
        self._count += 1
        name = f"{self._rng.choice(PREFIXES)} {self._rng.choice(KINDS)} {self._count}"
        members = self._rng.randint(150, 60000)
        partner_id = 1260000000000000000 + self._count * 4194304
        data = {
            "source": self._rng.choice(["SLASH", "SLASH", "PANEL", "DM"]),
            "representative_id": str(1310000000000000000 + self._count),
            "advertisement": AD.format(name=name, members=members),
            "partner": {"id": str(partner_id), "name": name, "icon_url": None, "member_count": members,
                        "invite_code": f"demo{self._count}"},
            "reply": None,
            "ticket_channel_id": None,
            "representative_name": f"{name.split()[0]} Rep",
        }  # fmt: skip
        return Envelope.new("application.submitted", self._guild_id, data, version=2, occurred_at=datetime.now(UTC))

    async def _active(self):
        return [
            p
            for p in await self._container.partnership_repo.list_for_guild(self._guild_id)
            if p.status is PartnershipStatus.ACTIVE
        ]

    async def _track_invites(self) -> None:
        """The bot would create each partner's tracked invite and report it (command.completed)."""
        for partnership in await self._active():
            if partnership.tracked_invite_code:
                continue
            data = {
                "command_id": "00000000-0000-4000-8000-000000000000",
                "command_type": "invite.create",
                "ok": True,
                "error_code": None,
                "error": None,
                "refs": {"partnership_id": partnership.id},
                "result": {"code": f"trk{partnership.id[-8:]}"},
            }
            await self._worker.handle(Envelope.new("command.completed", self._guild_id, data))

    async def _join(self) -> None:
        tracked = [p for p in await self._active() if p.tracked_invite_code]
        if not tracked:
            return
        partnership = self._rng.choice(tracked)
        user_id = 1400000000000000000 + self._rng.randrange(10**12)
        now = datetime.now(UTC)
        young = self._rng.random() < 0.15  # a throwaway account: counted as fake when the guild says so
        data = {
            "user_id": str(user_id),
            "invite_code": partnership.tracked_invite_code,
            "join_type": "INVITE",
            "candidates": [],
            "joined_at": now.isoformat(),
            "account_created_at": (now - timedelta(days=1 if young else 900)).isoformat(),
            "bot": False,
        }
        await self._worker.handle(Envelope.new("member.joined", self._guild_id, data))
        self._members.append(user_id)

    async def _leave(self) -> None:
        user_id = self._members.pop(self._rng.randrange(len(self._members)))
        data = {"user_id": str(user_id), "left_at": datetime.now(UTC).isoformat()}
        await self._worker.handle(Envelope.new("member.left", self._guild_id, data))
