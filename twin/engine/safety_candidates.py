"""The premises a ``safety`` section concerns, and the maps the safety fleet needs.

Commercial customers, apartment buildings (their supply, :mod:`twin.engine.buildings`)
and single households, in that order, for the whole run: their kind, meter or
building, LV area, design peak and phases; which meters' power makes up each
simulated premise's load; which concentrator a report needs; and the check of
the residual-current setting against the premises' natural leakage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.safety import SafetyParams
from twin.engine.buildings import apartment_buildings
from twin.engine.site import Site, format_ids
from twin.errors import Problem, ScenarioError
from twin.members import Members
from twin.scenario import Scenario

__all__ = [
    "Candidates",
    "always_up",
    "area_up",
    "candidates",
    "check_threshold",
    "first_dwelling",
    "load_map",
]

COMMERCIAL_LOAD_FACTOR: Final = 0.35
"""Mean over peak demand of a shop or office [-] (assumed), for its cable's design."""
COMMERCIAL_DEFAULT_KW: Final = 20.0
"""Design peak of a commercial customer without an annual energy [kW] (assumed)."""
HOUSEHOLD_DESIGN_KW: Final = 9.0
"""Design peak of a single household's supply [kW] (assumed)."""
DWELLING_ADMD_KW: Final = 2.0
"""After-diversity maximum demand per dwelling for a building's supply [kW] (assumed;
UK practice quotes 1.5-2.5 kW)."""
BUILDING_COMMON_KW: Final = 5.0
"""Common-area load of a building (lift, lighting, pumps) [kW] (assumed)."""


@dataclass(frozen=True)
class Candidates:
    """The whole run's premises a safety section concerns (fitted or not)."""

    kind: NDArray[np.object_]
    meter: NDArray[np.int64]  # meter position, -1 for a building
    building: NDArray[np.int64]  # building position, -1 otherwise
    transformer: NDArray[np.int64]
    dwellings: NDArray[np.int64]
    design_kw: NDArray[np.float64]
    phases: NDArray[np.float64]
    ids: list[str]
    building_ids: list[str]

    @property
    def n(self) -> int:
        return int(self.kind.size)


def candidates(scenario: Scenario, site: Site, params: SafetyParams) -> Candidates:
    """Commercial customers, then apartment buildings, then households (kinds with a share)."""
    points = site.points
    cols: dict[str, list[Any]] = {k: [] for k in ("kind", "meter", "building", "trafo", "dw")}
    cols |= {"kw": [], "phases": []}
    ids: list[str] = []
    every = format_ids("P", points.n)
    transformer = np.asarray(points.transformer, dtype=np.int64)

    def add(kind: str, meter: Any, building: Any, trafo: Any, dw: Any, kw: Any, ph: float) -> None:
        n = np.asarray(trafo).size
        cols["kind"].append(np.full(n, kind, dtype=object))
        for key, value in (("meter", meter), ("building", building), ("trafo", trafo)):
            cols[key].append(np.asarray(value, dtype=np.int64))
        cols["dw"].append(np.asarray(dw, dtype=np.int64))
        cols["kw"].append(np.asarray(kw, dtype=np.float64))
        cols["phases"].append(np.full(n, ph))

    if params.shares["commercial"] > 0:
        pos = np.arange(points.customers.start, points.customers.stop)
        pos = pos[points.kind[pos] == "commercial"]
        annual = np.asarray(points.annual_kwh[pos], dtype=np.float64)
        peak = np.where(
            np.isfinite(annual), annual / 8760.0 / COMMERCIAL_LOAD_FACTOR, COMMERCIAL_DEFAULT_KW
        )
        add("commercial", pos, np.full(pos.size, -1), transformer[pos], 0 * pos, peak, 3.0)
        ids += [every[i] for i in pos.tolist()]
    b_ids: list[str] = []
    if params.shares["apartment_building"] > 0:
        b = apartment_buildings(points)
        kw = b.dwellings * DWELLING_ADMD_KW + BUILDING_COMMON_KW
        add("apartment_building", np.full(b.n, -1), np.arange(b.n), b.transformer, b.dwellings,
            kw, 3.0)  # fmt: skip
        b_ids = b.ids(site.grid.bus_id)
        ids += b_ids
    if params.shares["household"] > 0:
        pos = np.arange(points.n_households)
        add("household", pos, np.full(pos.size, -1), transformer[pos], 0 * pos,
            np.full(pos.size, HOUSEHOLD_DESIGN_KW), 1.0)  # fmt: skip
        ids += [every[i] for i in pos.tolist()]

    def cat(key: str, dtype: Any) -> Any:
        parts = cols[key]
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return Candidates(
        kind=cat("kind", object),
        meter=cat("meter", np.int64),
        building=cat("building", np.int64),
        transformer=cat("trafo", np.int64),
        dwellings=cat("dw", np.int64),
        design_kw=cat("kw", np.float64),
        phases=cat("phases", np.float64),
        ids=ids,
        building_ids=b_ids,
    )


def check_threshold(
    scenario: Scenario,
    params: SafetyParams,
    cand: Candidates,
    fitted: NDArray[np.bool_],
    natural: NDArray[np.float64],
) -> None:
    threshold = params.residual_current.threshold
    over = np.flatnonzero(fitted & (natural > threshold))
    if over.size:
        worst = int(over[np.argmax(natural[over])])
        raise ScenarioError(
            [
                Problem(
                    "safety.sensors.residual_current.threshold_ma",
                    f"given {threshold:g}, below the natural leakage of {over.size} fitted "
                    f"premise(s), up to {natural[worst]:g} mA at {cand.ids[worst]} "
                    f"({cand.kind[worst]}); expected at least {natural[worst]:g} mA "
                    "(GB 50116: the alarm setting sits above the natural leakage)",
                )
            ],
            "" if scenario.source is None else str(scenario.source),
        )


def first_dwelling(site: Site) -> NDArray[np.int64]:
    """Meter position of each building's first dwelling."""
    b = apartment_buildings(site.points)
    first = np.full(b.n, -1, dtype=np.int64)
    pos = np.flatnonzero(b.building_of >= 0)
    if pos.size:
        owner = b.building_of[pos]
        first[owner[::-1]] = pos[::-1]
    return first


def load_map(
    site: Site, members: Members, cand: Candidates, local: Members
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(local meter position, local premise) pairs whose power makes up each premise's."""
    meters = cand.meter[local.index]
    keep, src = members.localise(meters[meters >= 0])
    dst = np.flatnonzero(meters >= 0)[keep]
    src_parts, dst_parts = [src], [dst]
    buildings = cand.building[local.index]
    if (buildings >= 0).any():
        b = apartment_buildings(site.points)
        hh = np.flatnonzero(b.building_of >= 0)
        keep_h, hh_local = members.localise(hh)
        owner = b.building_of[hh[keep_h]]
        slot = np.full(b.n, -1, dtype=np.int64)
        slot[buildings[buildings >= 0]] = np.flatnonzero(buildings >= 0)
        inside = slot[owner] >= 0
        src_parts.append(hh_local[inside])
        dst_parts.append(slot[owner[inside]])
    return (
        np.concatenate(src_parts).astype(np.int64),
        np.concatenate(dst_parts).astype(np.int64),
    )


def always_up(areas: NDArray[np.int64]) -> NDArray[np.bool_]:
    return np.ones(np.asarray(areas).size, dtype=bool)


def area_up(concentrators: Any, sensor_trafo: NDArray[np.int64]) -> Any:
    """A function: bool per sensor, its area's concentrator is up (no meters there: up)."""
    ids = concentrators.transformer_ids
    pos = np.searchsorted(ids, sensor_trafo) if ids.size else np.zeros(sensor_trafo.size, int)
    known = np.zeros(sensor_trafo.size, dtype=bool)
    if ids.size:
        known = (pos < ids.size) & (ids[np.minimum(pos, ids.size - 1)] == sensor_trafo)
    pos = np.minimum(pos, max(ids.size - 1, 0))

    def up(sensors: NDArray[np.int64]) -> NDArray[np.bool_]:
        if not ids.size:
            return np.ones(np.asarray(sensors).size, dtype=bool)
        return np.where(known[sensors], concentrators.up[pos[sensors]], True)

    return up
