"""The report's street-lighting section: energy against a fixed schedule, failed lamps.

Reads ``internal/lighting_circuit`` (the asset register: lamps and their
system power per circuit) and ``internal/lighting_circuit_interval`` (the
cabinet meters), and ``truth/lamp_failure`` only to score. Left out of a run
without lighting circuits.

Detection from cabinet-meter power, the check a lighting platform runs: in a
reading wholly lit (on at its end and at the previous one's), a circuit
drawing less than its lamps at the dimming level by at least
:data:`MISSING_LAMP_SHARE` of a lamp has lamps out (burnt out, or a cycling
sodium lamp); in a reading wholly dark, one drawing at least that share of a
lamp has a day-burner. Scored per circuit and local day against the failures
active that day.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from twin.report.html import Section, Table
from twin.report.sections import fmt, fmt_share
from twin.services.lighting_faults import MISSING_LAMP_SHARE, lamp_fault_flags
from twin.streams import RunDirectory

__all__ = ["MISSING_LAMP_SHARE", "detect_lamp_faults", "lighting_section"]


def detect_lamp_faults(circuits: pd.DataFrame, readings: pd.DataFrame) -> pd.DataFrame:
    """Readings flagged with lamps out or day-burning (the platform's rule,
    :func:`twin.services.lighting_faults.lamp_fault_flags`).

    Returns
    -------
    pandas.DataFrame
        circuit_id, interval_end, kind (``lamps_out``: burnt-out or cycling lamps, or
        ``day_burner``), lamps (estimate).
    """
    info = circuits.set_index("circuit_id")
    r = readings.sort_values(["circuit_id", "interval_end"], kind="stable").copy()
    r["circuit_id"] = r["circuit_id"].astype(str)
    ids = r["circuit_id"]
    prev_on = r.groupby("circuit_id")["on"].shift(1, fill_value=False).astype(bool).to_numpy()
    flags = lamp_fault_flags(
        power_w=r["power_w"].to_numpy(dtype=float),
        on=r["on"].to_numpy(dtype=bool),
        prev_on=prev_on,
        level=r["dimming_level"].to_numpy(dtype=float),
        lamps=ids.map(info["lamps"]).to_numpy(dtype=float),
        lamp_w=ids.map(info["lamp_system_w"]).to_numpy(dtype=float),
        sodium=(ids.map(info["lamp"]) == "sodium").to_numpy(dtype=bool),
    )
    out = flags.burn_out | flags.cycling
    frames = [
        pd.DataFrame(
            {
                "circuit_id": ids.to_numpy()[mask],
                "interval_end": r["interval_end"].to_numpy()[mask],
                "kind": kind,
                "lamps": np.rint(value[mask]).astype(np.int64),
            }
        )
        for mask, kind, value in (
            (out, "lamps_out", flags.deficit),
            (flags.day_burner, "day_burner", flags.surplus),
        )
    ]
    return pd.concat(frames, ignore_index=True)


def _score(
    flags: pd.DataFrame, truth: pd.DataFrame, circuits: list[str], days: pd.DatetimeIndex, tz: str
) -> tuple[float, float]:
    """Precision and recall over circuit-days (any fault that day)."""
    grid = pd.MultiIndex.from_product([circuits, days], names=["circuit_id", "day"])
    detected = pd.Series(False, index=grid)
    if len(flags):
        d = pd.to_datetime(flags["interval_end"]).dt.tz_convert(tz).dt.normalize()
        keys = pd.MultiIndex.from_arrays([flags["circuit_id"].astype(str), d])
        detected[detected.index.isin(keys)] = True
    actual = pd.Series(False, index=grid)
    starts = pd.to_datetime(truth["start"]).dt.tz_convert(tz)
    stops = pd.to_datetime(truth["end"]).dt.tz_convert(tz)
    after = days[-1] + pd.Timedelta("1d")
    for cid, start, end in zip(truth["circuit_id"].astype(str), starts, stops, strict=True):
        stop = end if pd.notna(end) else after
        hit = (days + pd.Timedelta("1d") > start) & (days < stop)
        for day in days[hit]:
            actual[(cid, day)] = True
    tp = int((detected & actual).sum())
    precision = tp / max(int(detected.sum()), 1)
    recall = tp / max(int(actual.sum()), 1)
    return precision, recall


def lighting_section(run: RunDirectory, out: Path, *, timezone: str) -> Section | None:
    """The street-lighting section (None for a run without lighting circuits)."""
    if "internal/lighting_circuit_interval" not in run.tables:
        return None
    circuits = run.table("internal/lighting_circuit")
    readings = run.table("internal/lighting_circuit_interval")
    if readings.empty:
        return None
    metered_kwh = float(readings["energy_wh"].sum()) / 1e3
    baseline_kwh = float(readings["baseline_wh"].sum()) / 1e3
    saved = 1.0 - metered_kwh / baseline_kwh if baseline_kwh > 0 else float("nan")
    flags = detect_lamp_faults(circuits, readings)
    rows = [
        ["circuits", fmt(len(circuits), 0)],
        ["lamps", fmt(float(circuits["lamps"].sum()), 0)],
        ["metered energy [kWh]", fmt(metered_kwh, 1)],
        ["fixed dusk-to-dawn schedule at full power [kWh]", fmt(baseline_kwh, 1)],
        ["energy saved against it", fmt_share(saved)],
        ["readings flagged: lamps out", fmt(int((flags["kind"] == "lamps_out").sum()), 0)],
        ["readings flagged: day-burner", fmt(int((flags["kind"] == "day_burner").sum()), 0)],
    ]
    notes: list[str] = []
    if "truth/lamp_failure" in run.tables:
        truth = run.table("truth/lamp_failure")
        ends = pd.to_datetime(readings["interval_end"]).dt.tz_convert(timezone)
        days = pd.date_range(
            (ends.min() - pd.Timedelta("1s")).normalize(), ends.max().normalize(), freq="D"
        )
        ids = [str(c) for c in circuits["circuit_id"]]
        precision, recall = _score(flags, truth, ids, days, timezone)
        rows += [
            ["lamp failures (truth)", fmt(len(truth), 0)],
            ["detection precision (circuit-days)", fmt_share(precision)],
            ["detection recall (circuit-days)", fmt_share(recall)],
        ]
        notes.append(
            "Scored against truth/lamp_failure per circuit and local day; a day-burner at "
            "night hides a burnt-out lamp of the same circuit."
        )
    return Section(
        anchor="lighting",
        title="Street lighting",
        text=[
            "Cabinet-meter energy of the streetlight circuits against a fixed schedule "
            "(every lamp on at full power from astronomical sunset to sunrise), and lamp "
            "faults detected from the circuits' power: lamps out when a lit circuit draws "
            f"at least {MISSING_LAMP_SHARE:g} of a lamp less than expected at its dimming "
            "level, a day-burner when a dark circuit draws at least that much."
        ],
        tables=[Table(header=["", "value"], rows=rows)],
        notes=notes,
    )
