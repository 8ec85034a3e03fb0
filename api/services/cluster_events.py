"""What the cluster reports: reactions on review posts, command outcomes, guild warnings, shard readiness."""

from __future__ import annotations

import logging

from bus import Envelope
from bus.contracts import parse

from ..domain.enums import ApplicationStatus
from ..domain.errors import RuleViolation
from ..domain.models import Problem, ReviewPost, ShowcasePlacement
from ..store.applications import ApplicationRepository
from ..store.bot_guilds import BotGuildRepository
from ..store.clock import utcnow
from ..store.ledgers import LedgerRepository
from ..store.partnerships import PartnershipRepository
from ..store.warnings import WarningRepository
from . import effects
from . import journal_items as J
from .applications import ApplicationService
from .partnerships import PartnershipService
from .writer import GuildWriter

log = logging.getLogger(__name__)

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
APPROVE, DENY = "👍", "👎"


def is_manager(is_owner: bool, permissions: int, role_ids: set[int], manager_role_ids: tuple[int, ...]) -> bool:
    """Who may decide by reaction: owner, ADMINISTRATOR, MANAGE_GUILD, or a manager role."""
    return is_owner or bool(permissions & (ADMINISTRATOR | MANAGE_GUILD)) or bool(role_ids & set(manager_role_ids))


class ClusterEventService:
    def __init__(
        self,
        writer: GuildWriter,
        ledgers: LedgerRepository,
        applications: ApplicationRepository,
        partnerships: PartnershipRepository,
        warnings: WarningRepository,
        application_service: ApplicationService,
        partnership_service: PartnershipService,
        bot_guilds: BotGuildRepository,
    ):
        self._writer = writer
        self._ledgers = ledgers
        self._apps = applications
        self._partnerships = partnerships
        self._warnings = warnings
        self._applications = application_service
        self._partnership_service = partnership_service
        self._bot_guilds = bot_guilds

    async def reaction(self, envelope: Envelope) -> None:
        """A 👍/👎 on a review post: a manager's decides; anyone else's is removed and ignored."""
        data = parse(envelope)
        guild_id = int(envelope.guild_id)
        app = await self._apps.by_review_message(int(data.message_id))
        if app is None or app.guild_id != guild_id:
            return
        ledger = await self._writer.load(guild_id)
        roles = {int(r) for r in data.member_role_ids}
        remove = J.command(
            "review.reaction.remove",
            guild_id,
            {
                "channel_id": data.channel_id,
                "message_id": data.message_id,
                "user_id": data.user_id,
                "emoji": data.emoji,
            },
        )
        if not is_manager(data.is_owner, data.member_permissions, roles, ledger.settings.manager_role_ids):
            await self._writer.publish_now([remove])
            return
        if app.status is not ApplicationStatus.PENDING:
            return  # already decided (e.g. in the dashboard); the review post says so
        actor = int(data.user_id)
        try:
            if data.emoji == APPROVE:
                await self._applications.approve(app, actor)
            else:
                await self._applications.deny(app, actor, None, blacklist=False)
        except RuleViolation as violation:
            # e.g. the active limit: the reaction is taken back and staff see why on the dashboard.
            await self._warnings.set_guild_warning(guild_id, "REVIEW_DECISION_REFUSED", violation.message, utcnow())
            await self._writer.publish_now([remove])

    async def command_completed(self, envelope: Envelope) -> None:
        data = parse(envelope)
        guild_id = int(envelope.guild_id)
        refs, result = data.refs, data.result
        if data.command_type == "review.post" and data.ok and refs.application_id:
            await self._review_posted(
                guild_id, refs.application_id, int(result["channel_id"]), int(result["message_id"])
            )
        elif data.command_type == "showcase.post" and refs.partnership_id:
            placement = None
            if data.ok:
                placement = ShowcasePlacement(
                    channel_id=_int(result.get("channel_id")),
                    message_id=_int(result.get("message_id")),
                    thread_id=_int(result.get("thread_id")),
                    posted_at=envelope.occurred_at.replace(microsecond=envelope.occurred_at.microsecond // 1000 * 1000),
                )
            await self._partnership_service.showcase_result(refs.partnership_id, placement, data.error)
        elif data.command_type == "invite.create" and data.ok and refs.partnership_id and result.get("code"):
            await self._partnership_service.tracked_invite_created(refs.partnership_id, result["code"])
        if not data.ok:
            log.warning("guild %s: %s failed: %s %s", guild_id, data.command_type, data.error_code, data.error)
            problem = Problem(data.command_type, data.error_code or "FAILED", data.error or "failed", utcnow())
            if refs.partnership_id:
                await self._warnings.add_partnership_problem(refs.partnership_id, _problem_doc(problem))
            else:
                await self._warnings.set_guild_warning(
                    guild_id, problem.code, f"{problem.action}: {problem.message}", problem.at
                )

    async def _review_posted(self, guild_id: int, application_id: str, channel_id: int, message_id: int) -> None:
        await self._apps.set_review(application_id, ReviewPost(channel_id, message_id))
        app = await self._apps.get(application_id)
        if app is not None and app.status is not ApplicationStatus.PENDING:
            # Decided in the dashboard before the post landed: bring the post up to date now.
            status = "APPROVED" if app.status is ApplicationStatus.APPROVED else "DENIED"
            await self._writer.publish_now(effects.review_update(app, status, app.decided_by, app.reason))

    async def guild_warning(self, envelope: Envelope) -> None:
        data = parse(envelope)
        log.warning("guild %s: %s %s", envelope.guild_id, data.code, data.message)
        await self._warnings.set_guild_warning(int(envelope.guild_id), data.code, data.message, envelope.occurred_at)

    async def shard_ready(self, envelope: Envelope) -> None:
        """A node (re)connected a shard: it keeps settings in memory only, so send them again."""
        data = parse(envelope)
        await self._bot_guilds.mark_present([int(g) for g in data.guild_ids])
        guild_ids = [int(g) for g in data.guild_ids] or await self._ledgers.all_guild_ids()
        for guild_id, ledger in (await self._ledgers.load_many(guild_ids)).items():
            # Only guilds that configured something; the rest run on defaults the node already has.
            if ledger.version and (guild_id >> 22) % data.shard_count == data.shard_id:
                await self._writer.publish_now([effects.settings_sync(guild_id, ledger.settings)])

    async def representative_joined(self, guild_id: int, user_id: int) -> None:
        """A partner's representative who joins after approval gets the contact role then."""
        partnerships = await self._partnerships.active_for_representative(guild_id, user_id)
        if not partnerships:
            return
        role = (await self._writer.load(guild_id)).settings.partner_contact_role_id
        if role is not None:
            data = {"user_id": str(user_id), "role_id": str(role), "partnership_id": partnerships[0].id}
            await self._writer.publish_now([J.command("role.grant", guild_id, data)])


def _int(value) -> int | None:
    return None if value in (None, "") else int(value)


def _problem_doc(p: Problem) -> dict:
    return {"action": p.action, "code": p.code, "message": p.message, "at": p.at}
