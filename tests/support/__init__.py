"""Shared test support (real RabbitMQ broker fixtures live in tests.support.broker)."""
