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


def _line_r_ohm(line: pd.DataFrame) -> np.ndarray:
    """Total series resistance of each line, parallel systems combined [ohm]."""
    parallel = line["parallel"].to_numpy(dtype=np.float64) if "parallel" in line else 1.0
    r_per_km = line["r_ohm_per_km"].to_numpy(dtype=np.float64)
    length = line["length_km"].to_numpy(dtype=np.float64)
    result: np.ndarray = r_per_km * length / parallel
    return result


def _trafo_r_ohm_lv(trafo: pd.DataFrame) -> np.ndarray:
    """Short-circuit (copper) resistance of each transformer, referred to its LV side [ohm].

    ``R = vkr_percent / 100 * vn_lv_kv**2 / sn_mva``, divided by the number of
    parallel units, as pandapower's transformer model has it [1]_.

    References
    ----------
    .. [1] pandapower documentation, "Transformer" (electric model: the
       short-circuit impedance ``z_k = vk_percent / 100 * vn**2 / sn`` and its
       real part from ``vkr_percent``).
    """
    parallel = trafo["parallel"].to_numpy(dtype=np.float64) if "parallel" in trafo else 1.0
    vkr = trafo["vkr_percent"].to_numpy(dtype=np.float64)
    vn_lv = trafo["vn_lv_kv"].to_numpy(dtype=np.float64)
    sn = trafo["sn_mva"].to_numpy(dtype=np.float64)
    result: np.ndarray = vkr / 100.0 * vn_lv**2 / sn / parallel
    return result


def branch_table(grid: GridModel) -> pd.DataFrame:
    """One row per line and transformer, with their end buses, ratings and resistance.

    Returns
    -------
    pandas.DataFrame
        Columns ``branch_id`` (the line or trafo index), ``kind`` (``line`` or
        ``trafo``), ``from_bus_id``, ``to_bus_id`` (HV then LV side for
        transformers), ``max_i_ka`` [kA] (lines), ``sn_kva`` [kVA]
        (transformers), ``length_km`` [km] (lines), ``in_service``,
        ``r_ohm`` [ohm] (lines: ``r_ohm_per_km * length_km / parallel``;
        transformers: the short-circuit resistance referred to the LV side,
        from ``vkr_percent``, ``sn_mva`` and ``vn_lv_kv``) and ``vn_kv`` [kV]
        (lines: the nominal voltage of their from bus; transformers: their
        rated LV voltage, the side ``r_ohm`` is referred to).
    """
    net = grid.net
    ids = grid.bus_id
    line, trafo = net.line, net.trafo
    bus_vn = net.bus["vn_kv"].to_numpy(dtype=np.float64)
    line_from = line["from_bus"].to_numpy(dtype=np.int64)
    lines = pd.DataFrame(
        {
            "branch_id": line.index.to_numpy(dtype=np.int64),
            "kind": "line",
            "from_bus_id": ids[line_from],
            "to_bus_id": ids[line["to_bus"].to_numpy(dtype=np.int64)],
            "max_i_ka": line["max_i_ka"].to_numpy(dtype=np.float64),
            "sn_kva": np.nan,
            "length_km": line["length_km"].to_numpy(dtype=np.float64),
            "in_service": line["in_service"].to_numpy(dtype=bool),
            "r_ohm": _line_r_ohm(line),
            "vn_kv": bus_vn[line_from],
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
            "r_ohm": _trafo_r_ohm_lv(trafo),
            "vn_kv": trafo["vn_lv_kv"].to_numpy(dtype=np.float64),
        }
    )
    return pd.concat([lines, trafos], ignore_index=True)
