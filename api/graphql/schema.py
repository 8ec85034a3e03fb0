"""The Strawberry schema, with the protective extensions the settings ask for."""

from __future__ import annotations

import logging
import time

import strawberry
from graphql import ExecutionResult, GraphQLError, GraphQLSyntaxError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.types.graphql import OperationType

from ..metrics import GraphQLMetrics
from ..request_limits import Decision, TokenBucket
from ..settings import ApiSettings
from ..store.rate_buckets import RateBuckets
from . import errors
from .mutation_cost import mutation_fields
from .mutations import Mutation
from .queries import Query
from .scalars import SCALAR_MAP
from .subscriptions import Subscription
from .types import Application, Partnership

log = logging.getLogger(__name__)


class ErrorCodes(SchemaExtension):
    """Gives every error an `extensions.code`, so clients can branch on it: validation errors
    (unknown field, bad enum, a malformed Snowflake) are GRAPHQL_VALIDATION_FAILED or
    BAD_USER_INPUT; a document that cannot be parsed (or is over GRAPHQL_MAX_TOKENS) is
    GRAPHQL_PARSE_FAILED; anything unexpected is INTERNAL_SERVER_ERROR."""

    def on_operation(self):
        try:
            yield
        except GraphQLError as error:  # a parse error (or one over GRAPHQL_MAX_TOKENS) leaves the operation
            _give_code(error)  # strawberry then answers with this very error
            raise
        result = self.execution_context.result
        for error in (result.errors if result is not None else None) or []:
            _give_code(error)


def _give_code(error: GraphQLError) -> None:
    if error.extensions and "code" in error.extensions:
        return
    original = error.original_error
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        code = "GRAPHQL_PARSE_FAILED"
    elif original is None:
        code = "GRAPHQL_VALIDATION_FAILED" if error.nodes and not error.path else "BAD_USER_INPUT"
    elif isinstance(original, GraphQLError | ValueError):
        code = "BAD_USER_INPUT"
    else:
        code = "INTERNAL_SERVER_ERROR"
    error.extensions = {**(error.extensions or {}), "code": code}


class MutationRateLimit(SchemaExtension):
    """Refuses a user's mutation fields beyond their rate with RATE_LIMITED (and `retryAfter` seconds).
    Each mutation field counts (aliases too); the bucket is shared by the replicas (in the database)."""

    def __init__(self, *, bucket: TokenBucket, execution_context=None):
        self._bucket = bucket

    async def on_execute(self):
        context = self.execution_context
        if context.operation_type is OperationType.MUTATION:
            try:
                user_id = context.context.principal().user_id
            except GraphQLError:
                user_id = None  # the resolvers answer UNAUTHENTICATED
            cost = mutation_fields(context.graphql_document, context.operation_name) if user_id is not None else 0
            if cost:
                buckets = RateBuckets(context.context.container.database)
                decision = await buckets.take(f"mutations:{user_id}", self._bucket, cost, time.time())
                if not decision.allowed:
                    context.result = ExecutionResult(data=None, errors=[_rate_limited(decision, cost, self._bucket)])
        yield


def _rate_limited(decision: Decision, cost: int, bucket: TokenBucket) -> GraphQLError:
    if decision.retry_after is None:
        message = f"This request makes {cost} changes; at most {bucket.burst} are accepted at once."
        return GraphQLError(message, extensions={"code": "RATE_LIMITED"})
    message = f"Too many changes at once; try again in {decision.retry_after:.0f} s."
    return GraphQLError(message, extensions={"code": "RATE_LIMITED", "retryAfter": round(decision.retry_after, 1)})


# Refusals a client causes at will: logged at INFO, one line, no traceback (anyone could flood an
# ERROR log with them). Anything else is unexpected and keeps strawberry's ERROR with the traceback.
EXPECTED_CODES = frozenset(
    {
        errors.UNAUTHENTICATED,
        errors.FORBIDDEN,
        errors.NOT_FOUND,
        errors.BAD_USER_INPUT,
        "GRAPHQL_VALIDATION_FAILED",
        "GRAPHQL_PARSE_FAILED",
        "RATE_LIMITED",
    }
)


class _Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        unexpected = []
        for error in errors:
            _give_code(error)
            code = error.extensions["code"]
            if code in EXPECTED_CODES:
                log.info("refused (%s): %s", code, error.message)
            else:
                unexpected.append(error)
        super().process_errors(unexpected, execution_context)


def _is_internal(error: GraphQLError) -> bool:
    return (error.extensions or {}).get("code") == "INTERNAL_SERVER_ERROR"


def build_schema(settings: ApiSettings) -> strawberry.Schema:
    bucket = TokenBucket(settings.mutation_rate_per_minute, settings.mutation_burst)
    # The depth and alias rules are built once, not per request as the limiter extensions do, so the
    # parse and validation caches can hit: a dashboard sends the same few documents all day long.
    rules = [
        depth_validator(settings.graphql_max_depth, None, None),
        aliases_validator(settings.graphql_max_aliases),
    ]
    extensions: list = [
        GraphQLMetrics,  # first = outermost: times everything else too
        lambda: MutationRateLimit(bucket=bucket),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: ParserCache(maxsize=512),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=512),
    ]
    if settings.environment == "production":
        extensions.append(lambda: MaskErrors(should_mask_error=_is_internal))
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    extensions.append(ErrorCodes)  # last in the list = innermost, so it runs before masking
    return _Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Application, Partnership],
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )


# The schema as code defines it, for `strawberry export-schema api.graphql.schema:schema`.
# Built from the defaults, not the environment: importing must not depend on (or fail at) settings.
schema = build_schema(ApiSettings.model_construct())
