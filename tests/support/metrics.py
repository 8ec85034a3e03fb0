"""Reading a process's Prometheus /metrics in tests: what an operator would see, and a condition to
poll on instead of sleeping (e.g. "every join has reached the API", "the subscription is open")."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def sample_values(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples called `name` (e.g. `partners_joins_attributed_total`) by their sorted labels."""
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


async def scrape(http: Any, name: str, path: str = "/metrics") -> dict[tuple[tuple[str, str], ...], float]:
    """`sample_values` of one scrape through an httpx.AsyncClient whose base URL is the process."""
    response = await http.get(path)
    response.raise_for_status()
    return sample_values(response.text, name)
