"""The README documents every setting of both processes and has no link that breaks in a clone
(issue 14, item 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.settings import ApiSettings
from cluster.settings import ClusterSettings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _table_settings(heading: str) -> set[str]:
    """The `NAMES` in the first column of the first table under `heading`."""
    section = README.split(heading, 1)[1]
    rows = re.search(r"\n(\|[^\n]*\n)+", section).group(0)
    return {name for line in rows.splitlines() if line.startswith("| `")
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])}  # fmt: skip


@pytest.mark.parametrize(
    ("heading", "settings"),
    [("## Settings of the API", ApiSettings), ("## The bot cluster", ClusterSettings)],
)
def test_every_setting_is_in_the_readme_table(heading, settings):
    documented = _table_settings(heading)
    missing = {name.upper() for name in settings.model_fields} - documented
    assert not missing, f"missing from the README table under {heading!r}: {sorted(missing)}"
    unknown = documented - {name.upper() for name in settings.model_fields}
    assert not unknown, f"not settings of {settings.__name__}: {sorted(unknown)}"


def test_relative_links_point_inside_the_repository():
    targets = re.findall(r"\]\(([^)#\s]+)", README)
    local = [t for t in targets if not re.match(r"^[a-z]+://", t)]
    assert local, "expected some links to files of the repository"
    for target in local:
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target
    assert "../shared" not in README
