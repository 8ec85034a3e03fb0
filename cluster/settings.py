"""Settings of one cluster node, from the environment (or a .env file).

A node owns some shards of the bot's global SHARD_COUNT: SHARD_IDS ("0-3" or "0,2"), or
CLUSTER_INDEX of CLUSTER_COUNT (an even, contiguous split), or, with neither, all of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bus.broker_url import BrokerUrl
from cluster.sharding import cluster_shard_ids, format_shard_ids, parse_shard_ids

DISCORD_API_BASE = "https://discord.com/api/v10"
_SECRET_FIELDS = {"discord_token", "rabbitmq_url"}


class SettingsError(Exception):
    """A bad setting; the message is one line naming it (never its value if it is a secret)."""


class ClusterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_parse_none_str=None)

    discord_token: SecretStr = Field(description="Bot token. Never logged.")
    shard_count: int = Field(1, ge=1, le=100_000, description="The bot's total shard count; the API agrees on it.")
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        None, description='Shards this node owns: a range "0-3" or a list "0,2". Excludes CLUSTER_INDEX.'
    )
    cluster_index: int | None = Field(None, ge=0, description="This node's index, with CLUSTER_COUNT.")
    cluster_count: int | None = Field(None, ge=1, description="How many nodes split SHARD_COUNT evenly.")
    discord_api_base: str = Field(
        DISCORD_API_BASE, description="REST base URL incl. /api/v10 (a proxy such as nirn-proxy, or a fake)."
    )
    discord_gateway_url: str | None = Field(None, description="Gateway URL (ws:// or wss://). Empty: Discord's.")
    rabbitmq_url: BrokerUrl = Field(SecretStr(""), description="Empty: the in-process bus.")
    identify_concurrency: int = Field(
        1, ge=0, le=1024, description="Discord's max_concurrency (identify buckets). 0: ask GET /gateway/bot."
    )
    identify_interval: float = Field(5.0, ge=0, le=60, description="Seconds between identifies of one bucket.")
    identify_lock_dir: Path | None = Field(
        None, description="Folder shared by the nodes of one host: their identifies are paced together."
    )
    health_port: int | None = Field(None, ge=0, le=65535, description="HTTP /healthz and /readyz. Empty: off.")
    health_host: str = Field("0.0.0.0", description="Address the health endpoint listens on.")
    guild_ready_timeout: float = Field(2.0, ge=0, le=60, description="discord.py's wait for GUILD_CREATEs.")
    check_requests_per_second: float = Field(
        5.0, gt=0, le=50, description="This node's budget for partner health checks (Discord allows ~50/s in all)."
    )
    sync_commands: bool = Field(False, description="Sync the application commands at start-up (one node only).")
    dm_default_guild_id: int | None = Field(
        None,
        gt=0,
        description="The server a `$partnership <server-invite>` DM naming no server applies to (a one-community "
        "deployment). Empty: the bot asks which server.",
    )
    log_level: str = Field("INFO", description="Lowest level logged: DEBUG, INFO, WARNING, ERROR, CRITICAL.")
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object per line (production).")
    shutdown_grace_seconds: float = Field(
        10.0, gt=0, le=600, description="On SIGTERM: how long the commands already running may take to finish."
    )

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return parse_shard_ids(value)
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("discord_token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value().strip()
        if not raw:
            raise ValueError("must not be empty")
        if raw.lower().startswith("bot "):
            raise ValueError('give the token without the "Bot " prefix')
        return SecretStr(raw)

    @field_validator("discord_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("discord_gateway_url", mode="before")
    @classmethod
    def _gateway(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not re.match(r"^wss?://[^/\s]+", value):
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @field_validator("health_port", "cluster_index", "cluster_count", "dm_default_guild_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @model_validator(mode="after")
    def _shards(self) -> ClusterSettings:
        if self.shard_ids is not None and (self.cluster_index is not None or self.cluster_count is not None):
            raise ValueError("SHARD_IDS: set either SHARD_IDS or CLUSTER_INDEX/CLUSTER_COUNT, not both")
        if (self.cluster_index is None) != (self.cluster_count is None):
            missing = "CLUSTER_COUNT" if self.cluster_count is None else "CLUSTER_INDEX"
            raise ValueError(f"{missing}: CLUSTER_INDEX and CLUSTER_COUNT go together")
        if self.cluster_index is not None and self.cluster_count is not None:
            if self.cluster_index >= self.cluster_count:
                raise ValueError(f"CLUSTER_INDEX: {self.cluster_index} is not below CLUSTER_COUNT={self.cluster_count}")
            if self.cluster_count > self.shard_count:
                raise ValueError(
                    f"CLUSTER_COUNT: {self.cluster_count} nodes cannot split SHARD_COUNT={self.shard_count}"
                )
        if self.shard_ids is not None:
            if not self.shard_ids:
                raise ValueError("SHARD_IDS: names no shard")
            too_big = [i for i in self.shard_ids if i >= self.shard_count]
            if too_big:
                raise ValueError(f"SHARD_IDS: shard {too_big[0]} is not below SHARD_COUNT={self.shard_count}")
            if len(set(self.shard_ids)) != len(self.shard_ids) or any(i < 0 for i in self.shard_ids):
                raise ValueError("SHARD_IDS: shard ids must be distinct and not negative")
        return self

    @property
    def owned_shards(self) -> list[int]:
        """The shard ids this node connects, sorted."""
        if self.shard_ids is not None:
            return sorted(self.shard_ids)
        if self.cluster_index is not None and self.cluster_count is not None:
            return cluster_shard_ids(self.cluster_index, self.cluster_count, self.shard_count)
        return list(range(self.shard_count))

    @property
    def node_name(self) -> str:
        """``"shards 0-3/16"``: how logs and health name this node."""
        return f"shards {format_shard_ids(self.owned_shards)}/{self.shard_count}"

    def summary(self) -> str:
        """One line for the start-up log: no secrets."""
        return (
            f"{self.node_name} api={self.discord_api_base} gateway={self.discord_gateway_url or 'discord'} "
            f"bus={'rabbitmq' if self.rabbitmq_url.get_secret_value() else 'in-process'} "
            f"identify={self.identify_concurrency or 'auto'}x/{self.identify_interval:g}s "
            f"health={self.health_port if self.health_port is not None else 'off'}"
        )


def describe_error(error: ValidationError) -> str:
    """One line naming the (first) bad setting; values are echoed only for non-secret settings."""
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    msg = str(first["msg"]).removeprefix("Value error, ")
    name = loc[0].upper() if loc else "SETTINGS"
    named = re.match(r"^([A-Z_]+): (.*)$", msg)
    if not loc and named:
        name, msg = named.groups()
    if first["type"] == "missing":
        msg = "is required"
    elif loc and loc[0] not in _SECRET_FIELDS and isinstance(first.get("input"), str | int | float):
        shown = str(first["input"])[:60]
        if shown not in msg:
            msg = f"{msg} (got {shown!r})"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"invalid setting {name}: {msg}{more}".replace("\n", " ")


def load_settings(**overrides: Any) -> ClusterSettings:
    """Read the settings from the environment (keyword overrides win); raise SettingsError (one line)."""
    try:
        return ClusterSettings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None


def configure_logging(settings: ClusterSettings) -> None:
    from bus.logs import configure_logging as configure

    configure(
        settings.log_level,
        settings.log_format,
        static={"service": "cluster", "node": settings.node_name},
        text_format=f"%(asctime)s %(levelname)s [{settings.node_name}] %(name)s: %(message)s",
    )
