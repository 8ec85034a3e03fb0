"""Settings of the API process, from the environment (or a .env file). Documented in the README."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bus.broker_url import BrokerUrl

# The AUTH_SECRET of .env.example: refused in production (a test keeps the two equal).
EXAMPLE_AUTH_SECRET = "change-me-a-long-random-secret-0123456789abcdef"
MIN_PRODUCTION_SECRET_BYTES = 32


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_parse_none_str=None)

    mongodb_url: str = Field("", description="Empty: mongomock-motor in memory (nothing persists).")
    mongodb_database: str = Field("partners", description="Database name.")
    mongodb_connect_timeout_seconds: float = Field(
        10.0, gt=0, le=600, description="How long start-up waits for MongoDB before it stops with one line."
    )
    rabbitmq_url: BrokerUrl = Field(SecretStr(""), description="Empty: the in-process bus.")
    rabbitmq_connect_timeout_seconds: float = Field(
        30.0, gt=0, le=3600, description="How long start-up waits for RabbitMQ before it stops with one line."
    )
    auth_secret: SecretStr = Field(
        SecretStr(""),
        description="HS256 key for tokens. Empty: one is made up. Production: 32 bytes or more, not the example's.",
    )
    auth_token_minutes: int = Field(15, ge=1, le=24 * 60, description="Lifetime of tokens issued by the login flow.")
    auth_refresh_days: int = Field(
        7, ge=1, le=90, description="Lifetime of a dashboard refresh token; each refresh starts a new one."
    )
    discord_client_id: str = Field("", description="Discord application id for the dashboard login. Empty: login off.")
    discord_client_secret: SecretStr = Field(SecretStr(""), description="Discord application secret; never logged.")
    discord_oauth_base: str = Field(
        "https://discord.com", pattern=r"^https?://", description="Where browsers are sent to authorize."
    )
    discord_api_base: str = Field(
        "https://discord.com/api/v10", pattern=r"^https?://", description="Discord API base (token exchange, users)."
    )
    oauth_redirect_uri: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Public URL of /auth/discord/callback, as registered at Discord; https makes cookies Secure.",
    )
    discord_timeout_seconds: float = Field(10.0, gt=0, le=120, description="Per-request timeout towards Discord.")
    host: str = Field("127.0.0.1", description="Address the API listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the API listens on.")
    shard_count: int = Field(
        1,
        ge=1,
        le=100_000,
        description="The bot's total shard count; must equal the cluster's (commands are routed by it).",
    )
    run_worker: bool = Field(True, description="Consume cluster events in this process.")
    environment: Literal["development", "production"] = Field(
        "development",
        description="production: unexpected errors are masked, and AUTH_SECRET must be long and not the example's.",
    )
    graphiql: bool = Field(True, description="Serve the GraphiQL page at /graphql.")
    introspection: bool = Field(True, description="Allow schema introspection.")
    graphql_max_depth: int = Field(12, ge=2, le=50, description="Deepest selection a query may have.")
    graphql_max_aliases: int = Field(30, ge=1, le=1000, description="Aliases a query may use.")
    graphql_max_tokens: int = Field(5000, ge=100, le=100_000, description="Tokens a query may have.")
    max_request_bytes: int = Field(64 * 1024, ge=1024, le=10 * 1024 * 1024, description="Larger requests get 413.")
    mutation_rate_per_minute: int = Field(
        60, ge=1, le=100_000, description="Mutation fields per user and minute, across every API replica."
    )
    mutation_burst: int = Field(20, ge=1, le=100_000, description="Mutation fields a user may send at once.")
    auth_rate_per_minute: int = Field(
        20, ge=1, le=100_000, description="Requests to /auth/* per client address and minute, across every API replica."
    )
    auth_burst: int = Field(10, ge=1, le=100_000, description="Requests to /auth/* a client address may send at once.")
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Proxies whose X-Forwarded-For names the client (comma-separated, * = any); "
        "the /auth throttle counts per client.",
    )
    ws_max_message_bytes: int = Field(
        64 * 1024, ge=1024, le=10 * 1024 * 1024, description="Larger websocket messages close the socket with 1009."
    )
    ws_max_subscriptions_per_user: int = Field(
        20, ge=1, le=10_000, description="Operations one user may hold over websockets on one API process; 4429 beyond."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description='JSON list of origins allowed to call from a browser, e.g. ["https://x"].'
    )
    journal_relay_seconds: float = Field(2.0, gt=0, le=3600, description="How often unfinished journals are retried.")
    bus_prefetch: int = Field(200, ge=1, le=10_000, description="Unacknowledged events one API process holds.")
    event_batch_linger_ms: float = Field(
        5.0,
        ge=0,
        le=100,
        description="While events stream in, wait this long to handle them in bigger batches; 0 = never.",
    )
    publish_timeout_seconds: float = Field(
        30.0, gt=0, le=3600, description="How long a publish waits out a broker outage before failing loudly."
    )
    health_check_hours: float = Field(24.0, gt=0, le=24 * 30, description="How often each partnership is checked.")
    health_checks_per_second: float = Field(
        10.0, gt=0, le=50, description="Partner checks this process starts per second at most (Discord's budget)."
    )
    scheduler_poll_seconds: float = Field(5.0, gt=0, le=3600, description="How often due work is looked for.")
    scheduler_batch: int = Field(100, ge=1, le=10_000, description="Pieces of one kind claimed per pass.")
    scheduler_lease_seconds: float = Field(
        300.0, gt=0, le=86_400, description="How long a claimed piece is held before another replica may take it over."
    )
    demo_guild_id: str = Field("1100000000000000000", description="The guild of the printed demo token and --demo.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Lowest level logged.")
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object per line (production).")
    shutdown_grace_seconds: float = Field(
        10.0, gt=0, le=600, description="On SIGTERM: how long running handlers and requests may take to finish."
    )

    @field_validator("mongodb_url")
    @classmethod
    def _mongo_scheme(cls, value: str) -> str:
        if value and not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _json_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else []
            except ValueError:
                raise ValueError('must be a JSON list of origins, e.g. ["https://dashboard.example"]') from None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError('must be a JSON list of origins, e.g. ["https://dashboard.example"]')
        return value

    @model_validator(mode="after")
    def _production_secret(self) -> ApiSettings:
        """A short or published key lets anyone mint tokens; production refuses it."""
        if self.environment == "production":
            secret = self.auth_secret.get_secret_value()
            if secret == EXAMPLE_AUTH_SECRET:
                raise ValueError("AUTH_SECRET: is the example's; set a long random one (openssl rand -hex 32)")
            if len(secret.encode()) < MIN_PRODUCTION_SECRET_BYTES:
                raise ValueError(
                    f"AUTH_SECRET: must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes in production "
                    "(openssl rand -hex 32)"
                )
        return self


def describe_error(error: ValidationError) -> str:
    """One line naming the setting, without echoing its value (it may be a secret)."""
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]).upper() or "SETTINGS"
    message = str(first["msg"]).removeprefix("Value error, ")
    if not first["loc"] and re.match(r"^[A-Z_]+: ", message):  # a rule across settings names its setting
        name, message = message.split(": ", 1)
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"invalid setting {name}: {message}{more}"


def load_settings_or_exit() -> ApiSettings:
    """Reads the settings; a bad value stops start-up with one line naming it."""
    import sys

    from pydantic_settings import SettingsError

    try:
        return ApiSettings()
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        raise SystemExit(2) from None
    except SettingsError as error:  # a value the environment source could not decode; names the field
        print(f"invalid setting: {str(error).splitlines()[0]}", file=sys.stderr)
        raise SystemExit(2) from None
