"""Transformer loading: duration curves, hours above limits, peak coincidence.

``internal/transformer_interval`` holds one row per transformer and interval,
which is small (transformers x intervals) and read whole.

References
----------
.. [1] IEC 60076-7:2018, Power transformers - Part 7: Loading guide for
   mineral-oil-immersed power transformers, Table 4: current limit 1.5 pu
   for distribution transformers under normal cyclic loading.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "DURATION_POINTS",
    "LOADING_THRESHOLDS_PERCENT",
    "duration_curve",
    "transformer_coincidence",
    "transformer_info",
    "transformer_summary",
]

LOADING_THRESHOLDS_PERCENT = (80.0, 100.0, 150.0)
"""Loadings whose exceedance hours are counted [%]: a planning margin, the
rating, and the IEC 60076-7 normal-cyclic-loading limit of 1.5 pu."""

DURATION_POINTS = np.linspace(0.0, 1.0, 101)
"""Shares of time at which duration curves are stored [fraction 0..1]."""


def duration_curve(values: np.ndarray, shares: np.ndarray = DURATION_POINTS) -> np.ndarray:
    """Value exceeded (or reached) during each share of the time.

    Parameters
    ----------
    values : numpy.ndarray
        One value per interval (NaN ignored).
    shares : numpy.ndarray
        Shares of time [fraction 0..1]; 0 gives the maximum, 1 the minimum.

    Returns
    -------
    numpy.ndarray
        The load-duration curve sampled at ``shares`` (NaN without data).
    """
    finite = np.sort(np.asarray(values, dtype=np.float64)[np.isfinite(values)])[::-1]
    if finite.size == 0:
        return np.full(len(shares), np.nan)
    index = np.clip(np.ceil(shares * finite.size).astype(np.int64) - 1, 0, finite.size - 1)
    return finite[index]


def transformer_info(branches: pd.DataFrame | None, buses: pd.DataFrame | None) -> pd.DataFrame:
    """Rating, end buses and kind of every transformer of the network tables.

    Returns
    -------
    pandas.DataFrame
        ``transformer_id``, ``sn_kva`` [kVA], ``hv_bus_id``, ``lv_bus_id``,
        ``hv_kv``, ``lv_kv`` [kV] and ``kind``: ``"MV/LV"`` when the LV side is
        at most 1 kV, ``"HV/MV"`` otherwise, ``"unknown"`` without nominal
        voltages. Empty without ``internal/network_branch``.
    """
    columns = ["transformer_id", "sn_kva", "hv_bus_id", "lv_bus_id", "hv_kv", "lv_kv", "kind"]
    if branches is None:
        return pd.DataFrame(columns=columns)
    trafo = branches[branches["kind"] == "trafo"]
    out = pd.DataFrame(
        {
            "transformer_id": trafo["branch_id"].to_numpy(dtype=np.int64),
            "sn_kva": trafo["sn_kva"].to_numpy(dtype=np.float64),
            "hv_bus_id": trafo["from_bus_id"].to_numpy(dtype=np.int64),
            "lv_bus_id": trafo["to_bus_id"].to_numpy(dtype=np.int64),
        }
    )
    vn = buses.set_index("bus_id")["vn_kv"] if buses is not None else pd.Series(dtype=float)
    out["hv_kv"] = vn.reindex(out["hv_bus_id"]).to_numpy(dtype=np.float64)
    out["lv_kv"] = vn.reindex(out["lv_bus_id"]).to_numpy(dtype=np.float64)
    out["kind"] = np.where(
        np.isnan(out["lv_kv"]), "unknown", np.where(out["lv_kv"] <= 1.0, "MV/LV", "HV/MV")
    )
    return out[columns]


def transformer_summary(
    frame: pd.DataFrame, info: pd.DataFrame, *, interval_s: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loading statistics and duration curve of every transformer.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``internal/transformer_interval``: ``transformer_id``, ``interval_end``,
        ``p_kw`` [kW], ``loading_percent`` [%] (NaN when not converged).
    info : pandas.DataFrame
        Output of :func:`transformer_info` (may be empty).
    interval_s : int
        Interval length [s].

    Returns
    -------
    summary : pandas.DataFrame
        One row per transformer: ``transformer_id``, ``kind``, ``sn_kva``,
        ``intervals``, ``peak_loading_percent``, ``peak_time``,
        ``mean_loading_percent``, ``p95_loading_percent``, ``hours_above_80``,
        ``hours_above_100`` (overload hours), ``hours_above_150`` [h],
        ``peak_p_kw``, ``min_p_kw`` [kW], ``reverse_flow_hours`` [h] (HV-to-LV
        power negative) and ``energy_mwh`` [MWh] through the transformer.
    duration : pandas.DataFrame
        ``transformer_id``, ``time_share`` [fraction 0..1] and
        ``loading_percent`` [%]: each transformer's loading-duration curve.
    """
    hours = interval_s / 3_600.0
    rows = []
    curves = []
    ids = info["transformer_id"].to_numpy(dtype=np.int64).tolist()
    kind_of = dict(zip(ids, info["kind"].astype(str).tolist(), strict=True))
    rating_of = dict(zip(ids, info["sn_kva"].to_numpy(dtype=np.float64).tolist(), strict=True))
    for _, group in frame.groupby("transformer_id", sort=True):
        trafo_id = int(group["transformer_id"].to_numpy()[0])
        loading = group["loading_percent"].to_numpy(dtype=np.float64)
        p_kw = group["p_kw"].to_numpy(dtype=np.float64)
        ok = np.isfinite(loading)
        peak_at = int(np.nanargmax(loading)) if ok.any() else None
        row: dict[str, object] = {
            "transformer_id": trafo_id,
            "kind": kind_of.get(trafo_id, "unknown"),
            "sn_kva": rating_of.get(trafo_id, np.nan),
            "intervals": int(ok.sum()),
            "peak_loading_percent": float(loading[peak_at]) if peak_at is not None else np.nan,
            "peak_time": group["interval_end"].iloc[peak_at] if peak_at is not None else pd.NaT,
            "mean_loading_percent": float(loading[ok].mean()) if ok.any() else np.nan,
            "p95_loading_percent": float(np.quantile(loading[ok], 0.95)) if ok.any() else np.nan,
        }
        for limit in LOADING_THRESHOLDS_PERCENT:
            row[f"hours_above_{limit:.0f}"] = float((loading[ok] > limit).sum() * hours)
        row["peak_p_kw"] = float(np.nanmax(p_kw)) if np.isfinite(p_kw).any() else np.nan
        row["min_p_kw"] = float(np.nanmin(p_kw)) if np.isfinite(p_kw).any() else np.nan
        row["reverse_flow_hours"] = float((p_kw[np.isfinite(p_kw)] < 0).sum() * hours)
        row["energy_mwh"] = float(np.nansum(p_kw) * hours / 1_000.0)
        rows.append(row)
        curves.append(
            pd.DataFrame(
                {
                    "transformer_id": trafo_id,
                    "time_share": DURATION_POINTS,
                    "loading_percent": duration_curve(loading),
                }
            )
        )
    summary = pd.DataFrame(rows)
    duration = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    return summary, duration


def transformer_coincidence(frame: pd.DataFrame, ids: list[int]) -> dict[str, object]:
    """How far the transformers' peaks coincide with the peak of their sum.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``internal/transformer_interval`` rows (``transformer_id``,
        ``interval_end``, ``p_kw`` [kW]).
    ids : list of int
        Transformers that make up the system (the MV/LV transformers).

    Returns
    -------
    dict
        ``system_peak_kw`` and ``system_peak_time`` (of the summed active
        power), ``sum_of_peaks_kw``, ``coincidence_factor`` (system peak /
        sum of individual peaks, 0..1) and ``transformers``: per transformer
        its ``peak_kw``, ``peak_time``, ``p_at_system_peak_kw`` and
        ``coincidence`` (power at the system peak / own peak).
    """
    table = frame[frame["transformer_id"].isin(ids)].pivot_table(
        index="interval_end", columns="transformer_id", values="p_kw", aggfunc="sum"
    )
    if table.empty:
        return {"transformers": [], "coincidence_factor": None}
    values = table.to_numpy(dtype=np.float64)
    times = pd.DatetimeIndex(table.index)
    system = np.nansum(values, axis=1)
    at = int(np.argmax(system))
    per = []
    for k, trafo_id in enumerate(table.columns.to_numpy(dtype=np.int64).tolist()):
        column = values[:, k]
        own = int(np.nanargmax(column)) if np.isfinite(column).any() else at
        peak = float(column[own])
        per.append(
            {
                "transformer_id": trafo_id,
                "peak_kw": peak,
                "peak_time": times[own].isoformat(),
                "p_at_system_peak_kw": float(column[at]),
                "coincidence": float(column[at]) / peak if peak > 0 else None,
            }
        )
    peaks = np.array([p["peak_kw"] for p in per])
    total = float(peaks[peaks > 0].sum())
    return {
        "system_peak_kw": float(system[at]),
        "system_peak_time": times[at].isoformat(),
        "sum_of_peaks_kw": total,
        "coincidence_factor": float(system[at]) / total if total > 0 else None,
        "transformers": per,
    }
