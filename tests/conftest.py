"""Shared fixtures: small scenarios and a fresh RNG per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def tiny_scenario_dict(**overrides: Any) -> dict[str, Any]:
    """A one-day scenario on the small SimBench semi-urban LV grid."""
    data: dict[str, Any] = {
        "name": "tiny",
        "seed": 7,
        "time": {
            "start": "2025-03-03T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "1d",
            "interval": "15min",
        },
        "grid": {"network": "simbench:1-LV-semiurb4--0-sw"},
        "households": {"count": 30},
    }
    for key, value in overrides.items():
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return data


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def write_scenario(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a scenario mapping (or raw text) to a YAML file and return its path."""

    def _write(data: dict[str, Any] | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def tiny_scenario_file(write_scenario):  # type: ignore[no-untyped-def]
    """Path of the tiny scenario written to a temporary folder."""
    return write_scenario(tiny_scenario_dict())
