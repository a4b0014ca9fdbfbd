"""How the safety sensors' readings travelled: received share and delay per path.

Read from ``internal/safety_reading`` in batches (bounded memory). A reading
without ``received_at`` never reached the platform. A sensor with a
``reporting_interval_s`` of 0 reports on events only and has no expected count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from twin.streams import RunDirectory
from twin.studies.safety.alarms import NO_SENSOR, share

__all__ = ["READINGS", "reading_delivery"]

READINGS = "internal/safety_reading"
"""The readings table."""


def reading_delivery(
    run: RunDirectory, sensors: pd.DataFrame, days: float
) -> dict[str, dict[str, Any]] | None:
    """Readings per sensor path: written, expected, received share, delay.

    Parameters
    ----------
    run : twin.streams.RunDirectory
        The run.
    sensors : pandas.DataFrame
        ``internal/safety_sensor``.
    days : float
        Run length [d].

    Returns
    -------
    dict or None
        Path -> ``sensors``, ``readings`` (rows), ``expected`` (run length /
        reporting interval, summed over the sensors that report at an
        interval), ``received`` (with ``received_at``), ``received_share`` (of
        expected, None when none is expected), ``delay_s`` (``median``,
        ``p90`` of ``received_at - reading_end`` [s]); None when the run has no
        readings table.
    """
    if not run.has(READINGS):
        return None
    path_of = sensors.drop_duplicates("sensor_id").set_index("sensor_id")["path"].astype(str)
    interval = sensors["reporting_interval_s"].astype("float64")
    expected = np.where(interval > 0, np.floor(days * 86_400 / interval.where(interval > 0)), 0)
    per_path = pd.Series(expected, index=sensors["path"].astype(str)).groupby(level=0).sum()
    rows: dict[str, int] = {}
    received: dict[str, int] = {}
    delays: dict[str, list[np.ndarray]] = {}
    for frame in run.iter_frames(READINGS, ["sensor_id", "reading_end", "received_at"]):
        path = frame["sensor_id"].astype(str).map(path_of).fillna(NO_SENSOR)
        got = frame["received_at"].notna()
        delay = (frame["received_at"] - frame["reading_end"]).dt.total_seconds()
        for name, part in path.groupby(path):
            idx = part.index
            rows[name] = rows.get(name, 0) + len(idx)
            received[name] = received.get(name, 0) + int(got[idx].sum())
            delays.setdefault(name, []).append(delay[idx][got[idx]].to_numpy(np.float64))
    result: dict[str, dict[str, Any]] = {}
    for name in sorted(set(per_path.index) | set(rows)):
        x = np.concatenate(delays.get(name) or [np.zeros(0)])
        want = float(per_path.get(name, 0.0))
        result[name] = {
            "sensors": int((sensors["path"].astype(str) == name).sum()),
            "readings": rows.get(name, 0),
            "expected": int(want),
            "received": received.get(name, 0),
            "received_share": share(received.get(name, 0), want),
            "delay_s": {
                "median": float(np.median(x)) if x.size else None,
                "p90": float(np.percentile(x, 90)) if x.size else None,
            },
        }
    return result
