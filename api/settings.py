"""Settings of the API process, from the environment (or a .env file). Documented in the README."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_parse_none_str=None)

    mongodb_url: str = Field("", description="Empty: mongomock-motor in memory (nothing persists).")
    mongodb_database: str = "partners"
    rabbitmq_url: SecretStr = Field(SecretStr(""), description="Empty: the in-process bus.")
    auth_secret: SecretStr = Field(SecretStr(""), description="HS256 key for tokens. Empty: one is made up.")
    auth_token_minutes: int = Field(15, ge=1, le=24 * 60)
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
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    shard_count: int = Field(1, ge=1, le=100_000)
    run_worker: bool = Field(True, description="Consume cluster events in this process.")
    environment: Literal["development", "production"] = "development"
    graphiql: bool = True
    introspection: bool = True
    graphql_max_depth: int = Field(12, ge=2, le=50)
    graphql_max_aliases: int = Field(30, ge=1, le=1000)
    graphql_max_tokens: int = Field(5000, ge=100, le=100_000)
    max_request_bytes: int = Field(64 * 1024, ge=1024, le=10 * 1024 * 1024, description="Larger requests get 413.")
    mutation_rate_per_minute: int = Field(60, ge=1, le=100_000, description="Per user and API process.")
    mutation_burst: int = Field(20, ge=1, le=100_000, description="Mutations a user may send at once.")
    cors_origins: list[str] = Field(default_factory=list)
    journal_relay_seconds: float = Field(2.0, gt=0, le=3600, description="How often unfinished journals are retried.")
    bus_prefetch: int = Field(200, ge=1, le=10_000)
    publish_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    health_check_hours: float = Field(24.0, gt=0, le=24 * 30, description="How often each partnership is checked.")
    health_checks_per_second: float = Field(
        10.0, gt=0, le=50, description="Partner checks this process starts per second at most (Discord's budget)."
    )
    scheduler_poll_seconds: float = Field(5.0, gt=0, le=3600, description="How often due work is looked for.")
    scheduler_batch: int = Field(100, ge=1, le=10_000, description="Pieces of one kind claimed per pass.")
    scheduler_lease_seconds: float = Field(
        300.0, gt=0, le=86_400, description="How long a claimed piece is held before another replica may take it over."
    )
    demo_guild_id: str = "1100000000000000000"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
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

    @field_validator("rabbitmq_url")
    @classmethod
    def _amqp_scheme(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if raw and not raw.startswith(("amqp://", "amqps://")):
            raise ValueError("must start with amqp:// or amqps://")
        return value


def describe_error(error: ValidationError) -> str:
    """One line naming the setting, without echoing its value (it may be a secret)."""
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]).upper() or "SETTINGS"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"invalid setting {name}: {first['msg']}{more}"


def load_settings_or_exit() -> ApiSettings:
    """Reads the settings; a bad value stops start-up with one line naming it."""
    import sys

    try:
        return ApiSettings()
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        raise SystemExit(2) from None
