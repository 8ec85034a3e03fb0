"""`GET /export/{guildId}/partnerships.csv`: every partnership of a guild as a spreadsheet.

Same bearer token and permission as GraphQL's Guild.partnerships (partnerships.view on the guild):
401 without a valid token, 403 without view on that guild, 404 for an id that is not a Discord id.

The last three columns are what the dashboard shows for the partnership: `health` (the status, OK /
AT_RISK / FAILING) and `health_problems` (the open issues' names, `;`-joined) from the same
`domain.health.shown` GraphQL's Partnership.health reads, and `reciprocity` (YES / NO / UNKNOWN) from
the same batched reads as GraphQL's Partnership.reciprocity (`services.mutual.reciprocities`). New
columns go at the end: clients may read by position. A whole export is a few reads, never one per row,
and no Discord call.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from .auth import AuthError
from .clock import utcnow
from .domain import health as health_rules
from .domain.enums import Reciprocity
from .domain.errors import RuleViolation
from .domain.models import Partnership
from .domain.snowflake import parse_snowflake
from .services.mutual import reciprocities

COLUMNS = (
    "partnership_id", "partner_id", "partner_name", "partner_invite", "representative_id", "status",
    "started_at", "ended_at", "end_reason", "joins", "retained", "fake", "health", "health_problems", "reciprocity",
)  # fmt: skip

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (CSV injection); tab and carriage return are in OWASP's list too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _when(at: datetime | None) -> str:
    return "" if at is None else at.isoformat().replace("+00:00", "Z")


def partnership_row(p: Partnership, reciprocity: Reciprocity, grace_hours: int, now: datetime) -> list[object]:
    health = health_rules.shown(p, grace_hours)
    return [
        p.id, str(p.partner.id), p.partner.name, p.partner.invite_code, str(p.representative_id), p.status.value,
        _when(p.started_at), _when(p.ended_at), p.end_reason or "", p.join_count, p.retained_count, p.fake_count,
        health.status(now).value, ";".join(x.issue.value for x in health.problems), reciprocity.value,
    ]  # fmt: skip


def render_csv(rows: Iterable[tuple[Partnership, Reciprocity]], grace_hours: int, now: datetime) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # quotes commas, quotes and newlines in names and reasons
    writer.writerow(COLUMNS)
    for p, reciprocity in rows:
        writer.writerow([neutralise(cell) for cell in partnership_row(p, reciprocity, grace_hours, now)])
    return out.getvalue()


def build_export_router() -> APIRouter:
    router = APIRouter()

    @router.get("/export/{guild_id}/partnerships.csv")
    async def partnerships_csv(guild_id: str, request: Request) -> Response:
        try:
            principal = request.app.state.tokens.from_header(request.headers.get("authorization"))
        except AuthError as exc:
            return PlainTextResponse(str(exc), status_code=401, headers={"WWW-Authenticate": "Bearer"})
        try:
            guild = parse_snowflake(guild_id)
        except RuleViolation as exc:
            return PlainTextResponse(exc.message, status_code=404)
        if not principal.can_view(guild):
            return PlainTextResponse("You need partnerships.view on this guild.", status_code=403)
        c = request.app.state.container
        records = await c.partnership_repo.list_for_guild(guild)
        seen = await reciprocities(
            c.bot_guilds, c.ledgers, c.partnership_repo, [(guild, p.partner.id) for p in records]
        )
        grace_hours = (await c.ledgers.load_many([guild]))[guild].settings.health_grace_hours
        return Response(
            render_csv(zip(records, seen, strict=True), grace_hours, utcnow()),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="partnerships-{guild}.csv"'},
        )

    return router
