from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def scenarios_dir() -> Path:
    """The repository's shipped scenarios folder."""
    return Path(__file__).resolve().parents[1] / "scenarios"
