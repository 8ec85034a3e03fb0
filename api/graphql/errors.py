"""GraphQL errors with a machine-readable `extensions.code`.

Business-rule failures are not errors but data (`userErrors` in mutation payloads); these are
for authentication, permission, and requests that cannot be executed as asked.
"""

from __future__ import annotations

from graphql import GraphQLError

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"


def error(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def unauthenticated(message: str = "A valid bearer token is required.") -> GraphQLError:
    return error(UNAUTHENTICATED, message)


def forbidden(message: str = "You do not have permission on this guild.") -> GraphQLError:
    return error(FORBIDDEN, message)


def bad_input(message: str) -> GraphQLError:
    return error(BAD_USER_INPUT, message)
