"""Hand-made run directories with LV areas, area check meters and theft, for the losses study.

A simple known model, independent of the engine: every area is the same
small radial feeder (LV busbar -> b1, b1 -> b2, b1 -> b3) at 0.4 kV; the area
meter measures the customers' true use, plus the true I²R losses of the
lines (balanced, power factor 0.95, interval means), minus the generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tests.studies.synthetic_run import interval_ends, write_run

VN_KV = 0.4
POWER_FACTOR = 0.95
LINES = ((0, 1, 0.30), (1, 2, 0.20), (1, 3, 0.25))
"""(from node, to node, resistance [ohm]) of every area's feeder; node 0 is the busbar."""
CUSTOMER_NODES = (1, 1, 2, 2, 3, 3)


def bus_id(area: int, node: int) -> int:
    """Bus id of node ``node`` of area ``area`` (the MV bus is 0)."""
    return 100 * (area + 1) + node


def loss_w(node_p_w: np.ndarray) -> np.ndarray:
    """True line losses of one area [W] from its node powers (nodes x intervals) [W]."""
    down = {3: [3], 2: [2], 1: [1, 2, 3]}
    total = np.zeros(node_p_w.shape[1])
    for _, to, r in LINES:
        flow = node_p_w[down[to]].sum(axis=0)
        total += flow**2 * r / ((VN_KV * 1e3) ** 2 * POWER_FACTOR**2)
    return total


@dataclass
class LossRun:
    """A written run and what the tests know about it."""

    path: Path
    interval_s: int
    n_intervals: int
    areas: list[int]
    thief: str
    clean_area: int
    thief_area: int
    illegal_area: int
    meter_ids: dict[int, list[str]] = field(default_factory=dict)


def _network(areas: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    buses = [{"bus_id": 0, "vn_kv": 20.0, "transformer_id": -1, "feeder_id": -1}]
    branches = []
    line_id = 0
    for area in areas:
        for node in range(4):
            buses.append(
                {
                    "bus_id": bus_id(area, node),
                    "vn_kv": VN_KV,
                    "transformer_id": area,
                    "feeder_id": -1 if node == 0 else 0,
                }
            )
        branches.append(
            {
                "branch_id": area,
                "kind": "trafo",
                "from_bus_id": 0,
                "to_bus_id": bus_id(area, 0),
                "sn_kva": 250.0,
                "r_ohm": 0.01 * VN_KV**2 / 0.25,
                "vn_kv": VN_KV,
                "in_service": True,
            }
        )
        for a, b, r in LINES:
            branches.append(
                {
                    "branch_id": line_id,
                    "kind": "line",
                    "from_bus_id": bus_id(area, a),
                    "to_bus_id": bus_id(area, b),
                    "max_i_ka": 0.2,
                    "length_km": 0.3,
                    "r_ohm": r,
                    "vn_kv": VN_KV,
                    "in_service": True,
                }
            )
            line_id += 1
    bus = pd.DataFrame(buses).assign(name=lambda f: f["bus_id"].astype(str), x=0.0, y=0.0)
    return bus.assign(in_service=True), pd.DataFrame(branches)


def _shape(n: int, interval_s: int, rng: np.random.Generator) -> np.ndarray:
    """A daily shape with an evening peak times independent noise, mean about 1."""
    hours = (np.arange(n) * interval_s / 3600.0) % 24
    daily = 0.7 + 0.6 * np.exp(-(((hours - 19.0) / 3.0) ** 2))
    return daily * rng.lognormal(-0.08, 0.4, n)


def build_loss_run(
    dest: Path,
    *,
    days: int = 14,
    interval_s: int = 3600,
    seed: int = 7,
    steal_share: float = 0.5,
    theft_start_day: int = 3,
) -> LossRun:
    """Three areas: 0 clean (with a PV generation meter), 1 a bypass thief, 2 an illegal line.

    The thief (``M1-2``, 2 kW mean) records ``1 - steal_share`` of his use
    from day ``theft_start_day`` on. The illegal connection draws about
    1.2 kW at node 3 of area 2. Area 0's meter misses one interval on day 5;
    three meters of area 1 send nothing for eight hours on day 8: both
    area-days are incomplete (so ``days`` must be at least 9).
    """
    if days < 9:
        raise ValueError(f"days given an invalid value {days}; expected at least 9")
    rng = np.random.default_rng(seed)
    start = theft_start_day * 86_400 // interval_s
    n = days * 86_400 // interval_s
    per_day = 86_400 // interval_s
    hours = interval_s / 3600.0
    areas = [0, 1, 2]
    ends = interval_ends(n, interval_s)
    meter_rows, area_rows, points, flows = [], [], [], []
    theft_rows = []
    info = LossRun(dest, interval_s, n, areas, "M1-2", 0, 1, 2)
    for area in areas:
        node_p = np.zeros((4, n))
        ids = []
        for i, node in enumerate(CUSTOMER_NODES):
            meter = f"M{area}-{i}"
            ids.append(meter)
            mean_w = 2000.0 if meter == info.thief else rng.uniform(800, 2200)
            true_w = mean_w * _shape(n, interval_s, rng)
            node_p[node] += true_w
            metered_w = true_w.copy()
            if meter == info.thief:
                metered_w[start:] *= 1.0 - steal_share
                theft_rows.append(
                    {
                        "premise_id": f"P{meter}",
                        "meter_id": meter,
                        "bus_id": bus_id(area, node),
                        "transformer_id": area,
                        "kind": "bypass",
                        "start": ends[start] - pd.Timedelta(seconds=interval_s),
                        "end": ends[-1],
                        "true_wh": float(true_w[start:].sum() * hours),
                        "metered_wh": float(metered_w[start:].sum() * hours),
                    }
                )
            kind, cls, phases = ("commercial", "G4", 3) if i == 0 else ("household", "H0", 1)
            points.append((meter, bus_id(area, node), area, kind, cls, phases))
            meter_rows.append(
                pd.DataFrame(
                    {
                        "meter_id": meter,
                        "interval_end": ends,
                        "import_wh": np.rint(metered_w * hours).astype(np.int64),
                        "export_wh": 0,
                    }
                )
            )
        if area == 0:
            sun = np.clip(np.sin((np.arange(n) * hours % 24 - 6.0) / 12.0 * np.pi), 0, None)
            pv_w = 3000.0 * sun
            node_p[3] -= pv_w
            points.append(("G0", bus_id(area, 3), area, "generation", "PV3", 3))
            meter_rows.append(
                pd.DataFrame(
                    {
                        "meter_id": "G0",
                        "interval_end": ends,
                        "import_wh": 0,
                        "export_wh": np.rint(pv_w * hours).astype(np.int64),
                    }
                )
            )
        if area == info.illegal_area:
            illegal_w = 1200.0 * _shape(n, interval_s, rng)
            node_p[3] += illegal_w
            theft_rows.append(
                {
                    "premise_id": "",
                    "meter_id": "",
                    "bus_id": bus_id(area, 3),
                    "transformer_id": area,
                    "kind": "illegal_connection",
                    "start": ends[0] - pd.Timedelta(seconds=interval_s),
                    "end": ends[-1],
                    "true_wh": float(illegal_w.sum() * hours),
                    "metered_wh": 0.0,
                }
            )
        info.meter_ids[area] = ids
        line_w = loss_w(node_p)
        net_w = node_p.sum(axis=0) + line_w
        area_rows.append(
            pd.DataFrame(
                {
                    "transformer_id": area,
                    "meter_id": f"AM{area}",
                    "interval_end": ends,
                    "import_wh": np.rint(np.clip(net_w, 0, None) * hours).astype(np.int64),
                    "export_wh": np.rint(np.clip(-net_w, 0, None) * hours).astype(np.int64),
                    "quality": "ok",
                }
            )
        )
        flows.append(
            pd.DataFrame(
                {
                    "transformer_id": area,
                    "interval_end": ends,
                    "load_p_kw": node_p.clip(min=0).sum(axis=0) / 1e3,
                    "generation_p_kw": 0.0,
                    "line_loss_kw": line_w / 1e3,
                    "trafo_loss_kw": 0.0,
                    "lv_p_kw": net_w / 1e3,
                }
            )
        )
    meters = pd.concat(meter_rows, ignore_index=True).assign(quality="ok")
    meters["import_wh"] = meters["import_wh"].astype("Int64")
    meters["received_at"] = meters["interval_end"]
    # Area 1: three meters silent for eight hours on day 8 (rows absent).
    gap = (meters["meter_id"].isin(["M1-3", "M1-4", "M1-5"])) & meters["interval_end"].between(
        ends[8 * per_day], ends[8 * per_day + 8 * 3600 // interval_s - 1]
    )
    meters = meters[~gap]
    area_meter = pd.concat(area_rows, ignore_index=True)
    area_meter["import_wh"] = area_meter["import_wh"].astype("Int64")
    missing = (area_meter["transformer_id"] == 0) & (
        area_meter["interval_end"] == ends[5 * per_day + 10]
    )
    area_meter.loc[missing, ["quality"]] = "missing"
    area_meter.loc[missing, "import_wh"] = pd.NA
    bus, branch = _network(areas)
    point = pd.DataFrame(
        points,
        columns=[
            "meter_id",
            "bus_id",
            "transformer_id",
            "customer_kind",
            "customer_class",
            "phases",
        ],
    )
    point = point.assign(feeder_id=0, premise_id="P" + point["meter_id"], ct_ratio=1)
    tables = {
        "internal/meter_interval": meters.sort_values(["interval_end", "meter_id"]),
        "internal/area_meter_interval": area_meter.sort_values(["interval_end", "transformer_id"]),
        "internal/meter_point": point,
        "internal/network_bus": bus,
        "internal/network_branch": branch,
        "truth/theft": pd.DataFrame(theft_rows),
        "truth/area_power_flow": pd.concat(flows, ignore_index=True),
    }
    write_run(dest, tables, interval_s=interval_s, n_intervals=n)
    return info
