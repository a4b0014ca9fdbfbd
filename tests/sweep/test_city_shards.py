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


@pytest.mark.slow
def test_a_tiny_city_with_coupled_mv_follows_the_joint_power_flow(
    tmp_path: Path, scheduler: str
) -> None:
    data = {
        "name": "coupled_city",
        "seed": 3,
        "time": {"start": "2025-01-14T16:00:00", "timezone": "Europe/Berlin", "duration": "2h"},
        "grid": {"network": TINY_CITY},
        "households": {"count": 600},
    }
    scenario = _scenario(tmp_path, "coupled_city", data)
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    sharded = run_sharded(
        scenario, 2, out=tmp_path / "sharded", scheduler=scheduler, progress=False, echo=str
    )
    assert sharded.manifest["sharding"]["mv"] == "coupled"
    a, b = whole.table("internal/bus_voltage"), sharded.table("internal/bus_voltage")
    both = a.merge(b, on=["bus_id", "interval_end"], suffixes=("", "_sharded"), validate="1:1")
    assert len(both) == len(a) == len(b)  # the HV busbar and both MV grids included
    assert np.abs(both["vm_pu"] - both["vm_pu_sharded"]).max() < 2e-5
