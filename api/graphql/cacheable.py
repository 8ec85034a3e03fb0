"""Which queries may be answered again from an earlier identical one (api/graphql/result_cache.py).

A query qualifies when every field it selects is computed only from its parent, its arguments, the
caller's permission on the guild and reads through the request's loaders: then the same loader
values give the same answer, and `reads.still_current` can tell. That is the dashboard's queue
(guild, its limits and settings, the pending applications with their partners and people).

`CACHEABLE_FIELDS` is that list. Keep it to fields whose resolvers read nothing but loaders: a field
that reads a store directly (a search, a page of decided applications) or the clock must not be in it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    validate,
    visit,
)
from graphql.execution.values import get_argument_values, get_variable_values

CACHEABLE_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"guild"}),  # require_view: the caller's permission, checked again on every answer
    "Guild": frozenset({"id", "botPresent", "name", "iconUrl", "settings", "limits", "applications"}),
    "Limits": frozenset({"activeCount", "activeMax", "pendingCount", "pendingMax", "blacklistCount", "blacklistMax"}),
    "ApplicationConnection": frozenset({"totalCount", "edges", "pageInfo"}),
    "ApplicationEdge": frozenset({"cursor", "node"}),
    "PageInfo": frozenset({"hasNextPage", "endCursor"}),
    "Application": frozenset(
        "id guildId partner representativeId advertisement source status submittedAt decidedAt decidedBy reason "
        "representativeName decidedByName representativeAvatarUrl".split()
    ),
    "PartnerServer": frozenset({"id", "name", "iconUrl", "memberCount", "inviteCode"}),
    # PartnershipSettings: every field (plain values of the guild's ledger), checked in `_allowed`.
}
ALL_FIELDS = frozenset({"PartnershipSettings"})


@dataclass(frozen=True)
class Plan:
    """A query that may be answered again: the guilds whose view permission it needs."""

    operation_name: str | None
    guild_ids: frozenset[int]


def plan_of(schema: GraphQLSchema, body: Any) -> Plan | None:
    """The plan of a request body ({"query", "variables", "operationName"}), or None when the query
    may not be reused (not a query, not valid, or a field or argument outside the list)."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    variables = body.get("variables") or {}
    if not isinstance(variables, dict) or body.get("extensions"):
        return None
    try:
        document = parse(body["query"])
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    operation = operations[0]
    name = body.get("operationName")
    if name is not None and (operation.name is None or operation.name.value != name):
        return None
    if validate(schema, document):
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):  # the variables' errors
        return None
    check = _Check(schema, coerced)
    visit(document, TypeInfoVisitor(check.type_info, check))
    if not check.ok or not check.guild_ids:
        return None
    return Plan(operation.name.value if operation.name else None, frozenset(check.guild_ids))


class _Check(Visitor):
    """Walks every field of the document (fragments included) with its parent type."""

    def __init__(self, schema: GraphQLSchema, variable_values: Any):
        super().__init__()
        self.type_info = TypeInfo(schema)
        self.variable_values = variable_values
        self.ok = True
        self.guild_ids: set[int] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        parent = self.type_info.get_parent_type()
        field = self.type_info.get_field_def()
        name = node.name.value
        if name == "__typename":
            return None
        if parent is None or field is None or not _allowed(parent.name, name):
            self.ok = False
            return self.BREAK
        if parent.name == "Query" or (parent.name == "Guild" and name == "applications"):
            arguments = get_argument_values(field, node, self.variable_values)
            if parent.name == "Query":
                self.guild_ids.add(int(arguments["id"]))
            elif not _pending_queue(arguments):
                self.ok = False
                return self.BREAK
        return None


def _allowed(type_name: str, field_name: str) -> bool:
    return type_name in ALL_FIELDS or field_name in CACHEABLE_FIELDS.get(type_name, ())


def _pending_queue(arguments: dict[str, Any]) -> bool:
    """Guild.applications reads through the loaders only for the pending queue without a search
    (api/graphql/guild.py); any other status or a search reads the store directly."""
    status = arguments.get("status")
    status = status.name if isinstance(status, enum.Enum) else status
    return status == "PENDING" and not arguments.get("search")
