"""The tables a run writes once: premises, meter points, vacancy, and which buses it writes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.engine.components import Components

__all__ = ["bus_mask", "meter_point_frame", "premise_frame", "vacancy_frame"]


def bus_mask(parts: Components, which: str) -> np.ndarray:
    """Buses written to ``internal/bus_voltage`` (``outputs.bus_voltage``, solved here)."""
    bus = parts.site.grid.net.bus
    if which == "none":
        mask = np.zeros(len(bus), dtype=bool)
    elif which == "lv":
        mask = bus.vn_kv.to_numpy() < 1.0
    else:
        mask = np.ones(len(bus), dtype=bool)
    solved = parts.solved_mask("bus", len(bus))
    return mask if solved is None else mask & solved


def _premise_frame_columns(parts: Components) -> dict[str, np.ndarray]:
    """Where each member premise is connected: bus, LV transformer, feeder."""
    pl, take = parts.site.placement, parts.members.take
    return {
        "bus_id": parts.site.grid.bus_id[take(np.asarray(pl.bus, dtype=np.int64))],
        "transformer_id": take(np.asarray(pl.transformer, dtype=np.int64)),
        "feeder_id": take(np.asarray(pl.feeder, dtype=np.int64)),
    }


def premise_frame(parts: Components, premise_ids: list[str], meter_ids: list[str]) -> pd.DataFrame:
    hh = parts.households
    n = len(premise_ids)
    net = parts.site.grid.net
    return pd.DataFrame(
        {
            "premise_id": premise_ids,
            "meter_id": meter_ids,
            **_premise_frame_columns(parts),
            "load_index": net.load.index.to_numpy()[parts.premise_load],
            "occupancy_kind": np.asarray(hh.occupancy_kind, dtype=object),
            "annual_kwh": np.asarray(hh.annual_kwh, dtype=np.float64),
            **_der_columns(parts, n),
        }
    )


def _der_columns(parts: Components, n: int) -> dict[str, np.ndarray]:
    if parts.der is not None:
        return parts.der.premise_columns()
    return {
        **{k: np.zeros(n, dtype=bool) for k in ("has_pv", "has_storage", "has_ev")},
        **{k: np.zeros(n) for k in ("pv_kwp", "storage_kwh", "ev_charger_kw")},
    }


def meter_point_frame(
    parts: Components, meter_ids: list[str], premise_ids: list[str]
) -> pd.DataFrame:
    """The utility's meter-point register: where each meter is and what it meters.

    Every simulated premise is a household here: BDEW class ``H0``, a
    single-phase direct-connected meter (``ct_ratio`` 1).
    """
    premises = _premise_frame_columns(parts)
    n = len(meter_ids)
    return pd.DataFrame(
        {
            "meter_id": meter_ids,
            **premises,
            "premise_id": premise_ids,
            "customer_kind": np.full(n, "household", dtype=object),
            "customer_class": np.full(n, "H0", dtype=object),
            "phases": np.ones(n, dtype=np.int8),
            "ct_ratio": np.ones(n, dtype=np.int32),
        }
    )


def vacancy_frame(parts: Components, premise_ids: list[str]) -> pd.DataFrame:
    periods = parts.households.vacancy_periods()
    ids = np.asarray(premise_ids, dtype=object)
    axis = parts.axis
    return pd.DataFrame(
        {
            "premise_id": ids[periods["premise"].to_numpy(dtype=np.int64)],
            "start": pd.to_datetime(axis.utc_us(periods["start_s"].to_numpy()), utc=True),
            "end": pd.to_datetime(axis.utc_us(periods["end_s"].to_numpy()), utc=True),
            "kind": periods["kind"].astype(str).to_numpy(),
        }
    )
