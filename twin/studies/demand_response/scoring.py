"""How far each baseline's estimated reduction lies from the delivered one.

Over the events (area ``all``) and over every event's transformer areas, per
baseline: ``bias_kw`` (mean of estimated - delivered), ``mape_percent`` (mean
absolute percentage error, over the rows whose delivered reduction is not 0),
``rmse_kw``, and ``relative_bias_percent`` (sum of errors over the sum of
delivered reductions), the accuracy and precision metrics of the CAISO
baseline accuracy assessment [1]_.

References
----------
.. [1] Bode, J., Ciccone, A. (2017), "California ISO Baseline Accuracy
   Assessment", Nexant, section 2.3.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from twin.studies.demand_response.baselines import BASELINES

__all__ = ["error_summary"]


def _summary(rows: pd.DataFrame) -> dict[str, Any]:
    scored = rows[np.isfinite(rows["estimated_kw"].to_numpy(dtype=np.float64))]
    error = scored["error_kw"].to_numpy(dtype=np.float64)
    ape = scored["ape_percent"].to_numpy(dtype=np.float64)
    delivered = float(scored["delivered_kw"].sum())
    return {
        "rows": len(rows),
        "scored": len(scored),
        "bias_kw": float(error.mean()) if error.size else None,
        "mape_percent": float(np.nanmean(ape)) if np.isfinite(ape).any() else None,
        "rmse_kw": float(math.sqrt(float((error**2).mean()))) if error.size else None,
        "relative_bias_percent": (
            float(error.sum() / delivered * 100.0) if error.size and abs(delivered) > 1e-9 else None
        ),
        "fallback_rows": int(scored["fallback"].astype(bool).sum()),
    }


def error_summary(errors: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per baseline: its errors over the events and over the event areas.

    Parameters
    ----------
    errors : pandas.DataFrame
        ``errors.parquet`` rows: event, area (``all`` for the whole event),
        baseline, estimated_kw, delivered_kw, error_kw, ape_percent, fallback.

    Returns
    -------
    dict
        Baseline -> ``{"events": {...}, "areas": {...}}``, each with rows,
        scored (a finite estimate), bias_kw, mape_percent, rmse_kw,
        relative_bias_percent, fallback_rows (None where nothing was scored).
    """
    out: dict[str, dict[str, Any]] = {}
    for name in BASELINES:
        mine = errors[errors["baseline"] == name] if len(errors) else errors
        if mine.empty:
            empty = {"rows": 0, "scored": 0, "bias_kw": None, "mape_percent": None}
            empty |= {"rmse_kw": None, "relative_bias_percent": None, "fallback_rows": 0}
            out[name] = {"events": dict(empty), "areas": dict(empty)}
            continue
        out[name] = {
            "events": _summary(mine[mine["area"] == "all"]),
            "areas": _summary(mine[mine["area"] != "all"]),
        }
    return out
