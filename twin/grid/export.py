"""The network as plain tables: what a utility's GIS holds about buses and branches.

Bus ids are the source network's own (see :attr:`GridModel.bus_id`), so the
tables line up with the streams and with the original model.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from twin.grid.network import GridModel

__all__ = ["branch_table", "bus_table"]


def _coordinates(geo: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """x, y of GeoJSON points (NaN where missing)."""
    x = np.full(len(geo), np.nan)
    y = np.full(len(geo), np.nan)
    for i, text in enumerate(geo.to_numpy()):
        if isinstance(text, str) and text:
            try:
                coords = json.loads(text).get("coordinates", [])
            except (ValueError, AttributeError):
                continue
            if len(coords) >= 2:
                x[i], y[i] = float(coords[0]), float(coords[1])
    return x, y


def bus_table(grid: GridModel) -> pd.DataFrame:
    """One row per bus: id, name, nominal voltage, coordinates, LV transformer area, feeder.

    Returns
    -------
    pandas.DataFrame
        Columns ``bus_id``, ``name``, ``vn_kv`` [kV], ``x``, ``y`` (the
        network's geodata: longitude/latitude for SimBench), ``transformer_id``
        and ``feeder_id`` (-1 where none), ``in_service``.
    """
    bus = grid.net.bus
    geo = bus["geo"] if "geo" in bus else pd.Series([None] * len(bus))
    x, y = _coordinates(geo)
    return pd.DataFrame(
        {
            "bus_id": grid.bus_id,
            "name": bus["name"].astype(str).to_numpy(),
            "vn_kv": bus["vn_kv"].to_numpy(dtype=np.float64),
            "x": x,
            "y": y,
            "transformer_id": np.asarray(grid.bus_transformer, dtype=np.int64),
            "feeder_id": np.asarray(grid.bus_feeder, dtype=np.int64),
            "in_service": bus["in_service"].to_numpy(dtype=bool),
        }
    )


def branch_table(grid: GridModel) -> pd.DataFrame:
    """One row per line and transformer, with their end buses and ratings.

    Returns
    -------
    pandas.DataFrame
        Columns ``branch_id`` (the line or trafo index), ``kind`` (``line`` or
        ``trafo``), ``from_bus_id``, ``to_bus_id`` (HV then LV side for
        transformers), ``max_i_ka`` [kA] (lines), ``sn_kva`` [kVA]
        (transformers), ``length_km`` [km] (lines), ``in_service``.
    """
    net = grid.net
    ids = grid.bus_id
    line, trafo = net.line, net.trafo
    lines = pd.DataFrame(
        {
            "branch_id": line.index.to_numpy(dtype=np.int64),
            "kind": "line",
            "from_bus_id": ids[line["from_bus"].to_numpy(dtype=np.int64)],
            "to_bus_id": ids[line["to_bus"].to_numpy(dtype=np.int64)],
            "max_i_ka": line["max_i_ka"].to_numpy(dtype=np.float64),
            "sn_kva": np.nan,
            "length_km": line["length_km"].to_numpy(dtype=np.float64),
            "in_service": line["in_service"].to_numpy(dtype=bool),
        }
    )
    trafos = pd.DataFrame(
        {
            "branch_id": trafo.index.to_numpy(dtype=np.int64),
            "kind": "trafo",
            "from_bus_id": ids[trafo["hv_bus"].to_numpy(dtype=np.int64)],
            "to_bus_id": ids[trafo["lv_bus"].to_numpy(dtype=np.int64)],
            "max_i_ka": np.nan,
            "sn_kva": trafo["sn_mva"].to_numpy(dtype=np.float64) * 1e3,
            "length_km": np.nan,
            "in_service": trafo["in_service"].to_numpy(dtype=bool),
        }
    )
    return pd.concat([lines, trafos], ignore_index=True)
