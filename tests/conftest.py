"""Tiers of the suite, by folder, so the fast tier runs alone:

    pytest -m "not integration and not browser and not slow"

`integration`: several processes, the real broker and a shared database (tests/integration);
`browser`: Chromium drives the dashboard (tests/dashboard); `slow`: marked one by one on tests that
take many seconds wherever they live. Plain `pytest` still runs everything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
_FOLDER_MARKERS = {"integration": "integration", "dashboard": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = Path(item.path).resolve().relative_to(_TESTS).parts[0]
        except ValueError:  # not under tests/
            continue
        marker = _FOLDER_MARKERS.get(folder)
        if marker is not None:
            item.add_marker(marker)
