"""The RABBITMQ_URL setting's type, shared by the api's and the cluster's settings: a secret (it
holds the broker's password), empty for the in-process bus, else an amqp:// or amqps:// URL."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, SecretStr


def _amqp_scheme(value: SecretStr) -> SecretStr:
    raw = value.get_secret_value()
    if raw and not raw.startswith(("amqp://", "amqps://")):
        raise ValueError("must start with amqp:// or amqps://")
    return value


BrokerUrl = Annotated[SecretStr, AfterValidator(_amqp_scheme)]
