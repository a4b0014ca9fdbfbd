"""The benchmarks' town: households on a SimBench MV/LV grid at 15 min, every stream written."""

from __future__ import annotations

from typing import Any

TOWN_NETWORK = "simbench:1-MVLV-urban-all-0-sw"
"""The town grid (10,453 buses, 11,542 loads, 133 LV transformer areas)."""


def town_scenario(
    name: str,
    households: int,
    days: int,
    *,
    network: str = TOWN_NETWORK,
    start: str = "2025-01-06T00:00:00",
    seed: int = 2026,
    outputs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A scenario dict (validate with ``twin.scenario.loading.validate_scenario_dict``).

    Parameters
    ----------
    name : str
        Scenario name.
    households : int
        Household count.
    days : int
        Duration [d], 15-min intervals from ``start`` (local time, Europe/Berlin).
    network, start, seed : optional
        The grid, the local start and the seed.
    outputs : dict, optional
        The ``outputs`` section; default every bus voltage written.
    """
    return {
        "name": name,
        "seed": seed,
        "time": {
            "start": start,
            "timezone": "Europe/Berlin",
            "duration": f"{days}d",
            "interval": "15min",
        },
        "grid": {"network": network},
        "households": {"count": households},
        "outputs": {"bus_voltage": "all"} if outputs is None else outputs,
    }
