"""A tiny city (two rural MV/LV grids under one substation) run in two shards on Dask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import twin
from tests.sweep.test_shards import _scenario, assert_same_tables, scheduler
from twin.sweep import run_sharded

__all__ = ["scheduler"]  # the module's LocalCluster fixture, shared with test_shards

TINY_CITY = "city:1-MVLV-rural-all-0-sw*2"


@pytest.mark.slow
def test_a_tiny_city_in_two_shards_writes_the_unsharded_tables(
    tmp_path: Path, scheduler: str
) -> None:
    data = {
        "name": "tiny_city",
        "seed": 8,
        "time": {
            "start": "2025-01-14T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "1d",
            "interval": "15min",
        },
        "grid": {"network": TINY_CITY, "mv": "fixed"},
        "households": {"count": 400},
        "pv": {"share": 0.2},
    }
    scenario = _scenario(tmp_path, "tiny_city", data)
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    sharded = run_sharded(
        scenario, 2, out=tmp_path / "sharded", scheduler=scheduler, progress=False, echo=str
    )
    assert_same_tables(whole, sharded)
    assert whole.summary.non_converged_intervals == 0
    # households in both copies of the grid, and both copies' buses recorded
    premises = whole.table("truth/premise")
    buses = whole.table("internal/network_bus")
    copy_of = buses.set_index("bus_id")["name"].str.extract(r"#(\d)/", expand=False)
    homes = premises[premises["occupancy_kind"].notna()]
    assert set(copy_of.reindex(homes["bus_id"]).dropna()) == {"1", "2"}
    assert len(homes) == 400
    shards = sharded.manifest["sharding"]
    assert len(shards["transformers"]) == 2 and sum(shards["premises"]) == 400
    flows = whole.table("truth/power_flow")
    assert flows["converged"].all() and np.isfinite(flows.filter(like="_kw").to_numpy()).all()
