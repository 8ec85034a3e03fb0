"""Problems the cluster reported that staff should see: per guild (e.g. the bot cannot read
invites) and per partnership (e.g. its showcase post failed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..clock import as_utc
from ..domain.models import Problem
from .database import Database
from .documents import problem_to_doc

MAX_PROBLEMS_PER_PARTNERSHIP = 20


class WarningRepository:
    def __init__(self, database: Database):
        self._guild = database.db["guild_warnings"]
        self._partnerships = database.partnerships

    async def set_guild_warning(self, guild_id: int, code: str, message: str, at: datetime) -> None:
        await self._guild.update_one(
            {"_id": f"{guild_id}:{code}"},
            {"$set": {"guild_id": str(guild_id), "code": code, "message": message, "at": at}},
            upsert=True,
        )

    async def clear_guild_warning(self, guild_id: int, code: str) -> None:
        await self._guild.delete_one({"_id": f"{guild_id}:{code}"})

    async def guild_warnings(self, guild_id: int) -> list[dict[str, Any]]:
        cursor = self._guild.find({"guild_id": str(guild_id)}).sort([("at", -1)])
        return [{**d, "at": as_utc(d["at"])} async for d in cursor]

    async def add_partnership_problem(self, partnership_id: str, problem: Problem, *, once: bool = False) -> None:
        """Adds the problem; with `once`, only when none with its code is there (a replay adds nothing)."""
        doc = problem_to_doc(problem)
        absent = {"problems.code": {"$ne": problem.code}} if once else {}
        await self._partnerships.update_one(
            {"_id": partnership_id, **absent},
            {"$push": {"problems": {"$each": [doc], "$slice": -MAX_PROBLEMS_PER_PARTNERSHIP}}},
        )

    async def raise_problem(self, guild_id: int, partnership_id: str, problem: Problem) -> None:
        """The problem on the partnership (once per code) and among its guild's warnings. Idempotent."""
        await self.add_partnership_problem(partnership_id, problem, once=True)
        await self.set_guild_warning(guild_id, f"{problem.code}:{partnership_id}", problem.message, problem.at)

    async def clear_problem(self, guild_id: int, partnership_id: str, code: str) -> None:
        """`raise_problem` undone. Idempotent."""
        await self.clear_partnership_problem(partnership_id, code)
        await self.clear_guild_warning(guild_id, f"{code}:{partnership_id}")

    async def clear_partnership_problem(self, partnership_id: str, code: str) -> None:
        """The problem is solved (e.g. a new tracked invite is stored): it no longer shows."""
        await self._partnerships.update_one({"_id": partnership_id}, {"$pull": {"problems": {"code": code}}})

    async def clear_partnership_action_problems(self, partnership_id: str, action: str) -> None:
        """A later `action` succeeded (e.g. an offer DM resent once the DMs were opened): its earlier
        failures no longer show."""
        await self._partnerships.update_one({"_id": partnership_id}, {"$pull": {"problems": {"action": action}}})
