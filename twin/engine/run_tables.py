"""The tables a run writes once: premises, meter points, vacancy, thefts, and which buses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.devices.water.demand import persons_of
from twin.engine.components import Components
from twin.engine.site import format_ids
from twin.meters.connection import CT_THRESHOLD_A, VOLTAGE_LN_V, ct_ratio, peak_current_a

__all__ = [
    "Connections",
    "bus_mask",
    "meter_connections",
    "meter_point_frame",
    "meter_voltage_ln_v",
    "premise_frame",
    "theft_frame",
    "vacancy_frame",
]

GENERATION_THREE_PHASE_KW = 4.6
"""Generators above this rating connect on three phases [kW] (VDE-AR-N 4105:2018, 5.5.2:
at most 4.6 kVA unbalance on one phase)."""


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
    pl, take = parts.site.points, parts.members.take
    return {
        "bus_id": parts.site.grid.bus_id[take(np.asarray(pl.bus, dtype=np.int64))],
        "transformer_id": take(np.asarray(pl.transformer, dtype=np.int64)),
        "feeder_id": take(np.asarray(pl.feeder, dtype=np.int64)),
    }


def premise_frame(parts: Components, premise_ids: list[str], meter_ids: list[str]) -> pd.DataFrame:
    """truth/premise: every premise behind a meter, households first."""
    seg, take = parts.segments, parts.members.take
    n = len(premise_ids)
    load_row = parts.premise_load
    load_index = np.where(
        load_row >= 0, parts.site.grid.net.load.index.to_numpy()[np.maximum(load_row, 0)], -1
    )
    occupancy = np.full(n, None, dtype=object)
    occupancy[seg.households] = np.asarray(parts.households.occupancy_kind, dtype=object)
    look_empty = np.full(n, None, dtype=object)
    look_empty[seg.households] = np.asarray(parts.households.look_empty, dtype=object)
    behaviour = np.full(n, None, dtype=object)
    behaviour[seg.households] = np.asarray(parts.households.vacant_behaviour, dtype=object)
    persons = np.zeros(n, dtype=np.int64)  # residents at the run start; 0 for non-households
    persons[seg.households] = persons_of(np.asarray(parts.households.occupancy_kind))
    annual = np.asarray(take(parts.site.points.annual_kwh), dtype=np.float64).copy()
    annual[seg.households] = parts.households.annual_kwh
    if parts.customers is not None:
        annual[seg.customers] = parts.customers.annual_kwh
    if parts.mv_customers is not None:
        annual[parts.mv_modelled] = parts.mv_customers.fleet.annual_kwh
    return pd.DataFrame(
        {
            "premise_id": premise_ids,
            "meter_id": meter_ids,
            **_premise_frame_columns(parts),
            "load_index": load_index.astype(np.int64),
            "customer_kind": np.asarray(take(parts.site.points.kind), dtype=object),
            "customer_class": np.asarray(take(parts.site.points.customer_class), dtype=object),
            "occupancy_kind": occupancy,
            "look_empty": look_empty,
            "vacant_behaviour": behaviour,
            "annual_kwh": annual,
            **_der_columns(parts, n),
            "persons": persons,
        }
    )


def _der_columns(parts: Components, n: int) -> dict[str, np.ndarray]:
    """The DER flags and ratings and the thermal loads, households' from the DER fleets,
    others' empty (heating_kind None, heat_loss_w_per_k NaN)."""
    cols: dict[str, np.ndarray] = {
        **{k: np.zeros(n, dtype=bool) for k in ("has_pv", "has_storage", "has_ev")},
        **{k: np.zeros(n) for k in ("pv_kwp", "storage_kwh", "ev_charger_kw")},
        "heating_kind": np.full(n, None, dtype=object),
        **{k: np.zeros(n, dtype=bool) for k in ("has_frost_heater", "has_ac", "has_water_heater")},
        "heat_loss_w_per_k": np.full(n, np.nan),
    }
    cols["heating_kind"][parts.segments.households] = "non_electric"
    if parts.der is not None:
        for name, values in parts.der.premise_columns().items():
            cols[name][parts.segments.households] = values
    return cols


@dataclass(frozen=True)
class Connections:
    """How each local meter is connected (arrays over local meter positions).

    Attributes
    ----------
    phases : numpy.ndarray
        int8, 1 or 3.
    share : numpy.ndarray
        ``(n, 3)`` share of the power on each phase (zero rows: not known,
        single-phase households).
    power_factor : numpy.ndarray
        Displacement power factor [-].
    peak_kw : numpy.ndarray
        Peak power the meter must carry [kW] (0 for households).
    voltage_ln_v : numpy.ndarray
        Nominal line-to-neutral voltage [V].
    """

    phases: np.ndarray
    share: np.ndarray
    power_factor: np.ndarray
    peak_kw: np.ndarray
    voltage_ln_v: np.ndarray


def meter_connections(parts: Components) -> Connections:
    """Phases, phase shares, power factor, peak and voltage of every local meter.

    Households are single-phase; other customers as their fleet draws them;
    generators three-phase above :data:`GENERATION_THREE_PHASE_KW`, balanced, at
    unity power factor; medium-voltage customers three-phase, balanced, at
    their load's rated power factor.
    """
    seg, take, points = parts.segments, parts.members.take, parts.site.points
    n = parts.members.n
    phases = np.ones(n, dtype=np.int8)
    share = np.zeros((n, 3))
    pf = np.ones(n)
    peak_kw = np.zeros(n)
    if parts.customers is not None:
        phases[seg.customers] = parts.customers.phases
        share[seg.customers] = parts.customers.phase_share
        pf[seg.customers] = parts.customers.power_factor
        peak_kw[seg.customers] = parts.customers.peak_kw
    rated_kw = parts.generation_rated_kw
    phases[seg.generators] = np.where(rated_kw > GENERATION_THREE_PHASE_KW, 3, 1)
    share[seg.generators] = 1.0 / 3.0
    peak_kw[seg.generators] = rated_kw
    phases[seg.mv_customers] = 3
    share[seg.mv_customers] = 1.0 / 3.0
    pf[seg.mv_customers] = parts.mv_power_factor
    peak_kw[seg.mv_customers] = take(points.rated_kw)[seg.mv_customers]
    return Connections(phases, share, pf, peak_kw, meter_voltage_ln_v(parts))


def meter_point_frame(parts: Components, meter_ids: list[str]) -> pd.DataFrame:
    """internal/meter_point: where each meter is, whose it is, and how it is connected."""
    take, points = parts.members.take, parts.site.points
    c = meter_connections(parts)
    phases, peak_kw = c.phases, c.peak_kw
    voltage = c.voltage_ln_v
    current = peak_current_a(peak_kw, phases, voltage_ln_v=voltage)
    threshold = np.where(voltage > VOLTAGE_LN_V, 0.0, CT_THRESHOLD_A)  # MV: always CT (and VT)
    return pd.DataFrame(
        {
            "meter_id": meter_ids,
            **_premise_frame_columns(parts),
            "premise_id": parts.member_ids.premises,
            "customer_kind": np.asarray(take(points.kind), dtype=object),
            "customer_class": np.asarray(take(points.customer_class), dtype=object),
            "phases": phases,
            "ct_ratio": ct_ratio(current, threshold),
        }
    )


def meter_voltage_ln_v(parts: Components) -> np.ndarray:
    """Nominal line-to-neutral voltage at each local meter [V]: 230 V in LV networks,
    the bus's nominal voltage over sqrt(3) at medium voltage."""
    vn_kv = parts.site.grid.net.bus["vn_kv"].to_numpy(dtype=np.float64)
    bus = np.asarray(parts.members.take(parts.site.points.bus), dtype=np.int64)
    return np.where(vn_kv[bus] < 1.0, VOLTAGE_LN_V, vn_kv[bus] * 1e3 / np.sqrt(3.0))


def theft_frame(parts: Components) -> pd.DataFrame:
    """truth/theft: each theft touching this run's meters or buses, true and metered energy."""
    if parts.thefts is None:
        raise ValueError("the run has no thefts")
    plan, records = parts.thefts.plan, parts.thefts.records()
    theft = records["thief"].to_numpy(dtype=np.int64)
    meter = plan.meter[theft]
    illegal = plan.kind[theft] == "illegal_connection"
    every_premise = parts.site.points.n
    premises = np.asarray(format_ids("P", every_premise), dtype=object)[meter]
    meters = np.asarray(format_ids("M", every_premise), dtype=object)[meter]
    axis = parts.axis
    return pd.DataFrame(
        {
            "premise_id": np.where(illegal, "", premises),
            "meter_id": np.where(illegal, "", meters),
            "bus_id": parts.site.grid.bus_id[plan.bus[theft]],
            "transformer_id": parts.site.points.transformer[meter],
            "kind": plan.kind[theft].astype(str),
            "start": pd.to_datetime(axis.utc_us(plan.start_s[theft]), utc=True),
            "end": pd.to_datetime(axis.utc_us(plan.end_s[theft]), utc=True),
            "true_wh": records["true_wh"].to_numpy(dtype=np.float64),
            "metered_wh": records["metered_wh"].to_numpy(dtype=np.float64),
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
