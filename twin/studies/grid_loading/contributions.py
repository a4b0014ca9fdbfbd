"""What PV and EV charging add to the grid's loading, where a run has them.

Active when ``truth/premise`` flags premises ``has_pv`` / ``has_ev`` and the
matching streams exist: PV is seen through the meters' export registers
(``internal/meter_interval.export_wh``) and the transformers' reverse power
flow; EV charging through the charging operator's sessions
(``external/ev_session``: energy ``meter_stop_wh - meter_start_wh`` spread
evenly over each session).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from twin.streams import RunDirectory, epoch_us
from twin.studies.grid_loading.demand import FleetDemand, ev_power_kw

__all__ = ["EV_SESSION_TABLE", "ev_contribution", "pv_contribution"]

EV_SESSION_TABLE = "external/ev_session"


def _flag_count(premise: pd.DataFrame | None, column: str) -> int:
    if premise is None or column not in premise:
        return 0
    return int(premise[column].fillna(False).astype(bool).sum())


def _at(times: pd.DatetimeIndex, values: np.ndarray) -> tuple[float | None, str | None]:
    """Maximum of ``values`` and its interval end (None without data)."""
    if values.size == 0 or not np.isfinite(values).any():
        return None, None
    i = int(np.nanargmax(values))
    return float(values[i]), times[i].isoformat()


def pv_contribution(
    premise: pd.DataFrame | None,
    demand: FleetDemand,
    transformers: pd.DataFrame,
    times: pd.DatetimeIndex,
) -> dict[str, Any]:
    """PV export seen by the meters and reverse power flow at the transformers.

    Returns
    -------
    dict
        ``present`` (any premise with PV), and where present:
        ``premises_with_pv``, ``export_mwh`` [MWh], ``export_share_of_import``
        [fraction], ``peak_export_kw`` [kW] and ``peak_export_time``,
        ``reverse_flow_hours`` [h] of each MV/LV transformer with any.
    """
    n = _flag_count(premise, "has_pv")
    if n == 0:
        return {"present": False}
    hours = demand.interval_s / 3_600.0
    export_mwh = float(np.nansum(demand.export_kw) * hours / 1_000.0)
    import_mwh = float(np.nansum(demand.import_kw) * hours / 1_000.0)
    peak, when = _at(times, demand.export_kw)
    reverse = {}
    if len(transformers):
        lv = transformers[transformers["kind"].isin(["MV/LV", "unknown"])]
        ids = lv["transformer_id"].to_numpy(dtype=np.int64).tolist()
        hours_of = lv["reverse_flow_hours"].to_numpy(dtype=np.float64).tolist()
        reverse = {i: h for i, h in zip(ids, hours_of, strict=True) if h > 0}
    out: dict[str, Any] = {
        "present": True,
        "premises_with_pv": n,
        "source": "internal/meter_interval export_wh; transformer reverse flow",
        "export_mwh": export_mwh,
        "export_share_of_import": export_mwh / import_mwh if import_mwh > 0 else None,
        "peak_export_kw": peak,
        "peak_export_time": when,
        "reverse_flow_hours": reverse,
    }
    if export_mwh == 0.0:
        out["note"] = "premises have PV but the meters registered no export"
    return out


def ev_contribution(
    run: RunDirectory,
    premise: pd.DataFrame | None,
    demand: FleetDemand,
    times: pd.DatetimeIndex,
    *,
    start_us: int,
) -> tuple[dict[str, Any], np.ndarray | None]:
    """EV charging power per interval and its share of the fleet and area peaks.

    Returns
    -------
    metrics : dict
        ``present``; where sessions exist: ``sessions``, ``energy_mwh``
        [MWh], ``energy_share_of_import``, ``peak_kw`` [kW] and ``peak_time``,
        ``kw_at_fleet_peak`` [kW] and ``share_of_fleet_peak`` [fraction],
        ``areas``: per LV transformer area the EV power at the area's peak.
    ev_kw : numpy.ndarray or None
        EV charging power of the fleet per interval [kW].
    """
    n = _flag_count(premise, "has_ev")
    if n == 0:
        return {"present": False}, None
    if not run.has(EV_SESSION_TABLE):
        note = f"premises have EVs but the run has no {EV_SESSION_TABLE} table"
        return {"present": True, "premises_with_ev": n, "computed": False, "note": note}, None
    sessions = run.table(EV_SESSION_TABLE)
    energy = (sessions["meter_stop_wh"] - sessions["meter_start_wh"]).to_numpy(dtype=np.float64)
    begin = epoch_us(sessions["start_time"])
    end = epoch_us(sessions["stop_time"])
    n_int = len(times)

    def power(mask: np.ndarray) -> np.ndarray:
        return ev_power_kw(
            begin[mask],
            end[mask],
            energy[mask],
            run_start_us=start_us,
            interval_s=demand.interval_s,
            n_intervals=n_int,
        )

    ev_kw = power(np.ones(len(sessions), dtype=bool))
    hours = demand.interval_s / 3_600.0
    net = demand.net_kw
    fleet_at = int(np.nanargmax(net)) if np.isfinite(net).any() else None
    import_mwh = float(np.nansum(demand.import_kw) * hours / 1_000.0)
    energy_mwh = float(np.nansum(ev_kw) * hours / 1_000.0)
    peak, when = _at(times, ev_kw)
    at_peak = float(ev_kw[fleet_at]) if fleet_at is not None else None
    areas = []
    if len(demand.area_ids) and "meter_id" in sessions:
        area_of = pd.Series(demand.meter_area, index=demand.meter_ids)
        session_area = area_of.reindex(sessions["meter_id"].astype(str)).to_numpy()
        for k, area in enumerate(demand.area_ids):
            mask = session_area == area
            if not mask.any():
                continue
            series = demand.area_net_kw[k]
            i = int(np.nanargmax(series))
            ev_area = power(mask)
            areas.append(
                {
                    "transformer_id": int(area),
                    "ev_kw_at_area_peak": float(ev_area[i]),
                    "share_of_area_peak": float(ev_area[i] / series[i]) if series[i] > 0 else None,
                    "ev_peak_kw": float(np.nanmax(ev_area)),
                }
            )
    fleet_peak = float(net[fleet_at]) if fleet_at is not None else None
    metrics = {
        "present": True,
        "computed": True,
        "premises_with_ev": n,
        "source": f"{EV_SESSION_TABLE}, energy spread evenly over each session",
        "sessions": len(sessions),
        "energy_mwh": energy_mwh,
        "energy_share_of_import": energy_mwh / import_mwh if import_mwh > 0 else None,
        "peak_kw": peak,
        "peak_time": when,
        "kw_at_fleet_peak": at_peak,
        "share_of_fleet_peak": (at_peak / fleet_peak)
        if at_peak is not None and fleet_peak
        else None,
        "areas": areas,
    }
    return metrics, ev_kw
