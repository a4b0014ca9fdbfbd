"""The report's water and gas section: use per person or home, daily profile, quality, night flow.

Reads ``internal/water_interval`` and ``internal/gas_interval`` streamed in
record batches (bounded memory), ``truth/premise`` for the persons of a
home where it has them, and ``truth/water_leak`` to score the night-flow
rule. The section is left out of a run without water or gas meters.

The night-flow rule is the plain check a utility's meter data platform runs
(a leak flows day and night, so the water meter never stands still at
night; e.g. the minimum night flow of water-loss practice, IWA/AWWA Water
Audit methodology, applied to one home). Its precision and recall here are a
report-level indicator of how the twin's leaks show, not a study.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from twin.report.html import FigureRef, Section, Table
from twin.report.sections import fmt, fmt_share
from twin.report.utility_figures import plot_water_gas_profile
from twin.streams import RunDirectory

__all__ = [
    "LITRES_PER_PERSON_DAY_RANGE",
    "MOST_NIGHTS_SHARE",
    "NIGHT_FLOW_MIN_L_PER_H",
    "NIGHT_HOURS",
    "QUALITIES",
    "MeterStream",
    "accumulate_meters",
    "leak_truth",
    "night_flow_suspects",
    "water_gas_section",
]

LITRES_PER_PERSON_DAY_RANGE = (120.0, 150.0)
"""Household water use per person and day in Europe [l] (EEA 2018; BDEW 2022: about 125 l)."""

NIGHT_HOURS = (2, 5)
"""The night window [local hour from, to): hours when a home normally draws no water."""

NIGHT_FLOW_MIN_L_PER_H = 1.0
"""Night flow: every hour of the window draws at least this [l/h] (assumed: the meters
count whole litres, so this is "the register moved every hour")."""

MOST_NIGHTS_SHARE = 0.5
"""A suspect shows night flow on more than this share of its complete nights (assumed)."""

QUALITIES = ("ok", "backfilled", "missing")


@dataclass
class MeterStream:
    """One kind of meter (water or gas) reduced in one streamed pass.

    Attributes
    ----------
    volume : pandas.Series
        Volume read per meter (readings not ``missing``) [l or m3].
    hours : pandas.Series
        Hours covered by those readings per meter [h].
    premise : pandas.Series
        The premise of each meter.
    profile_sum, profile_count : numpy.ndarray
        Sum of volume per hour [l/h or m3/h] and the number of readings, by
        local hour of the reading's start (24 entries).
    quality : pandas.Series
        Readings per quality.
    night : pandas.DataFrame
        ``meter_id``, ``night`` (local date), ``hour``, ``volume``, ``missing``
        for readings that start in :data:`NIGHT_HOURS`.
    reading_h : float
        Reading interval [h] (NaN without two readings of a meter).
    """

    volume: pd.Series
    hours: pd.Series
    premise: pd.Series
    profile_sum: np.ndarray
    profile_count: np.ndarray
    quality: pd.Series
    night: pd.DataFrame = field(default_factory=pd.DataFrame)
    reading_h: float = float("nan")


def _reading_hours(run: RunDirectory, table: str) -> float:
    """The reading interval [h]: the smallest step between one meter's readings."""
    first = next(run.iter_frames(table, ["meter_id", "interval_end"]), None)
    if first is None:
        return float("nan")
    ends = first.sort_values(["meter_id", "interval_end"], kind="stable")
    steps = ends.groupby("meter_id", observed=True)["interval_end"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    return float(steps.min().total_seconds() / 3600.0) if len(steps) else float("nan")


def accumulate_meters(
    frames: Iterable[pd.DataFrame], *, column: str, reading_h: float, timezone: str
) -> MeterStream:
    """Reduce water or gas readings, batch by batch.

    Parameters
    ----------
    frames : iterable of pandas.DataFrame
        Batches with ``meter_id``, ``premise_id``, ``interval_end`` (UTC),
        ``quality`` and the volume ``column`` (null where missing).
    column : str
        ``volume_l`` or ``volume_m3``.
    reading_h : float
        Reading interval [h].
    timezone : str
        The run's time zone.
    """
    volume: list[pd.Series] = []
    hours: list[pd.Series] = []
    premises: list[pd.Series] = []
    quality: list[pd.Series] = []
    nights: list[pd.DataFrame] = []
    profile_sum = np.zeros(24)
    profile_count = np.zeros(24, dtype=np.int64)
    step = pd.Timedelta(hours=reading_h)
    for frame in frames:
        meter = frame["meter_id"].astype(str)
        values = pd.to_numeric(frame[column], errors="coerce").astype(np.float64)
        missing = (frame["quality"].astype(str) == "missing").to_numpy() | values.isna().to_numpy()
        quality.append(frame["quality"].astype(str).value_counts())
        premises.append(pd.Series(frame["premise_id"].astype(str).to_numpy(), index=meter))
        good = ~missing
        volume.append(values[good].groupby(meter[good].to_numpy()).sum())
        hours.append(pd.Series(reading_h, index=meter[good].to_numpy()).groupby(level=0).sum())
        local = (frame["interval_end"] - step).dt.tz_convert(timezone)
        hour = local.dt.hour.to_numpy()
        rate = values.to_numpy() / reading_h
        profile_sum += np.bincount(hour[good], weights=rate[good], minlength=24)
        profile_count += np.bincount(hour[good], minlength=24)
        in_night = (hour >= NIGHT_HOURS[0]) & (hour < NIGHT_HOURS[1])
        nights.append(
            pd.DataFrame(
                {
                    "meter_id": meter.to_numpy()[in_night],
                    "night": local.dt.date.to_numpy()[in_night],
                    "hour": hour[in_night],
                    "volume": values.to_numpy()[in_night],
                    "missing": missing[in_night],
                }
            )
        )

    def _sum(parts: list[pd.Series]) -> pd.Series:
        return pd.concat(parts).groupby(level=0).sum() if parts else pd.Series(dtype=np.float64)

    premise = pd.concat(premises) if premises else pd.Series(dtype=object)
    return MeterStream(
        volume=_sum(volume),
        hours=_sum(hours),
        premise=premise[~premise.index.duplicated()],
        profile_sum=profile_sum,
        profile_count=profile_count,
        quality=_sum(quality).reindex(list(QUALITIES), fill_value=0).astype(np.int64),
        night=pd.concat(nights, ignore_index=True) if nights else pd.DataFrame(),
        reading_h=reading_h,
    )


def night_flow_suspects(night: pd.DataFrame) -> pd.DataFrame:
    """Meters whose water never stops at night on most nights.

    Parameters
    ----------
    night : pandas.DataFrame
        ``MeterStream.night`` of the water meters (hourly or finer readings).

    Returns
    -------
    pandas.DataFrame
        Per meter: ``nights`` (complete nights: every hour of the window read),
        ``flow_nights`` (nights whose smallest hourly volume is at least
        :data:`NIGHT_FLOW_MIN_L_PER_H`), ``min_flow_l_per_h`` (median over the
        nights of that smallest hourly volume), ``suspect``.
    """
    columns = ["meter_id", "nights", "flow_nights", "min_flow_l_per_h", "suspect"]
    if night.empty:
        return pd.DataFrame(columns=columns)
    hourly = night.groupby(["meter_id", "night", "hour"], sort=True).agg(
        volume=("volume", "sum"), missing=("missing", "any")
    )
    per_night = hourly.groupby(level=["meter_id", "night"]).agg(
        hours=("volume", "size"), missing=("missing", "any"), low=("volume", "min")
    )
    full = NIGHT_HOURS[1] - NIGHT_HOURS[0]
    per_night = per_night[(per_night["hours"] == full) & ~per_night["missing"]]
    per_night = per_night.assign(flow=per_night["low"] >= NIGHT_FLOW_MIN_L_PER_H)
    meters = per_night.groupby(level="meter_id").agg(
        nights=("flow", "size"), flow_nights=("flow", "sum"), min_flow_l_per_h=("low", "median")
    )
    meters["suspect"] = meters["flow_nights"] > MOST_NIGHTS_SHARE * meters["nights"]
    return meters.reset_index()[columns]


def leak_truth(leaks: pd.DataFrame, night: pd.DataFrame, timezone: str) -> pd.Series:
    """Meters truly leaking through most of their complete nights (the rule's target).

    A night counts when a leak of the meter flows over its whole window
    :data:`NIGHT_HOURS`; a meter is a true leak when that holds on more than
    :data:`MOST_NIGHTS_SHARE` of the nights the rule could judge.

    Returns
    -------
    pandas.Series
        bool per meter of ``night``.
    """
    nights = night[["meter_id", "night"]].drop_duplicates()
    if nights.empty:
        return pd.Series(dtype=bool)
    date = pd.to_datetime(nights["night"])
    local = date.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
    frame = nights.assign(
        begin=local + pd.Timedelta(hours=NIGHT_HOURS[0]),
        finish=local + pd.Timedelta(hours=NIGHT_HOURS[1]),
    )
    spans = leaks.assign(meter_id=leaks["meter_id"].astype(str))[["meter_id", "start", "end"]]
    joined = frame.merge(spans, on="meter_id", how="left")
    joined["covered"] = (joined["start"] <= joined["begin"]) & (joined["end"] >= joined["finish"])
    covered = joined.groupby(["meter_id", "night"])["covered"].any()
    share: pd.Series = covered.groupby(level="meter_id").mean()
    return share.gt(MOST_NIGHTS_SHARE)


def water_gas_section(run: RunDirectory, out: Path, *, timezone: str) -> Section | None:
    """The water and gas section, or None when the run has neither meter.

    Parameters
    ----------
    run : twin.streams.RunDirectory
        The run.
    out : pathlib.Path
        Folder of the page, where the figure is written.
    timezone : str
        The run's time zone.
    """
    streams: dict[str, MeterStream] = {}
    for kind, table, column in (
        ("water", "internal/water_interval", "volume_l"),
        ("gas", "internal/gas_interval", "volume_m3"),
    ):
        if run.has(table):
            reading_h = _reading_hours(run, table)
            if np.isfinite(reading_h):
                frames = run.iter_frames(
                    table, ["meter_id", "premise_id", "interval_end", "quality", column]
                )
                streams[kind] = accumulate_meters(
                    frames, column=column, reading_h=reading_h, timezone=timezone
                )
    if not streams:
        return None
    section = Section(
        anchor="water-gas",
        title="Water and gas",
        text=[
            "The homes' water and gas meters as the platform reads them over wireless M-Bus "
            "(internal/water_interval, internal/gas_interval): use per day, the fleet's daily "
            "profile, the readings' quality, and the water meters that never stand still at "
            "night."
        ],
    )
    if "water" in streams:
        section.tables.append(_water_use_table(run, streams["water"]))
    name = plot_water_gas_profile(
        {k: (s.profile_sum, s.profile_count) for k, s in streams.items()},
        out / "water_gas_profile.png",
        timezone=timezone,
    )
    section.figures.append(
        FigureRef(
            name,
            "Mean flow per metered home by local hour of the day (the hour each reading "
            "starts), water [l/h] and gas [m3/h], over all meters and days; readings of "
            "quality 'missing' are left out.",
        )
    )
    section.tables.append(_quality_table(streams))
    if "water" in streams:
        tables, notes = _night_flow(run, streams["water"], timezone)
        section.tables += tables
        section.notes += notes
    return section


def _water_use_table(run: RunDirectory, water: MeterStream) -> Table:
    """Litres per home and day, and per person where truth/premise has the persons."""
    per_day = (water.volume / (water.hours / 24.0)).replace([np.inf, -np.inf], np.nan).dropna()
    low, high = LITRES_PER_PERSON_DAY_RANGE
    rows = [
        ["metered homes", fmt(len(per_day), 0)],
        [
            "water per home and day: mean / median",
            f"{fmt(per_day.mean(), 1)} / {fmt(per_day.median(), 1)} l",
        ],
    ]
    premises = run.optional_table("truth/premise")
    if premises is not None and "persons" in premises:
        persons = premises.set_index(premises["premise_id"].astype(str))["persons"]
        people = water.premise.reindex(per_day.index).map(persons).astype(np.float64)
        per_person = (per_day / people).replace([np.inf, -np.inf], np.nan).dropna()
        inside = ((per_person >= low) & (per_person <= high)).mean()
        rows += [
            [
                "water per person and day: fleet / median home",
                f"{fmt(per_day.sum() / people.sum(), 1)} / {fmt(per_person.median(), 1)} l",
            ],
            ["published range per person and day", f"{low:g}-{high:g} l (EEA 2018)"],
            ["homes within the range", fmt_share(inside)],
        ]
    else:
        rows.append(
            [
                "per person",
                f"truth/premise does not give the persons of a home: use per home only; "
                f"{low:g}-{high:g} l per person and day are published (EEA 2018)",
            ]
        )
    return Table(header=["quantity", "value"], rows=rows, caption="Water use", numeric=False)


def _quality_table(streams: dict[str, MeterStream]) -> Table:
    rows = []
    for kind, stream in streams.items():
        total = int(stream.quality.sum())
        shares = [fmt_share(stream.quality[q] / total if total else None) for q in QUALITIES]
        rows.append([kind, fmt(len(stream.volume), 0), fmt(total, 0), *shares])
    return Table(
        header=["meters", "count", "readings", *QUALITIES],
        rows=rows,
        caption="Reading quality (backfilled: filled from the meter's data log)",
    )


def _night_flow(
    run: RunDirectory, water: MeterStream, timezone: str
) -> tuple[list[Table], list[str]]:
    """The night-flow suspects and, with truth/water_leak, the rule's precision and recall."""
    if not water.reading_h <= 1.0:
        return [], [f"Water readings every {water.reading_h:g} h: no hourly night flow."]
    meters = night_flow_suspects(water.night)
    suspects = meters[meters["suspect"]]
    rule = (
        f"Night flow: the smallest hourly water volume between {NIGHT_HOURS[0]:02d}:00 and "
        f"{NIGHT_HOURS[1]:02d}:00 local is at least {NIGHT_FLOW_MIN_L_PER_H:g} l on more than "
        f"{MOST_NIGHTS_SHARE:.0%} of a meter's complete nights."
    )
    rows = [
        [
            str(r["meter_id"]),
            str(water.premise.get(r["meter_id"], "-")),
            f"{int(r['flow_nights'])} of {int(r['nights'])}",
            fmt(float(r["min_flow_l_per_h"]), 1),
        ]
        for r in suspects.sort_values("min_flow_l_per_h", ascending=False)
        .head(25)
        .to_dict("records")
    ]
    tables = [
        Table(
            header=["meter", "premise", "nights with flow", "median night minimum [l/h]"],
            rows=rows,
            caption=f"Leak suspects: {len(suspects):,} of {len(meters):,} water meters "
            "judged (at most 25 shown)",
        )
    ]
    notes = [rule]
    leaks = run.optional_table("truth/water_leak")
    if leaks is None:
        notes.append("No truth/water_leak: the suspects are not scored.")
        return tables, notes
    truth = leak_truth(leaks, water.night, timezone).reindex(meters["meter_id"], fill_value=False)
    flagged = meters.set_index("meter_id")["suspect"].astype(bool)
    hits = int((flagged & truth).sum())
    precision = hits / int(flagged.sum()) if flagged.any() else None
    recall = hits / int(truth.sum()) if truth.any() else None
    tables.append(
        Table(
            header=["indicator", "value"],
            rows=[
                ["meters with a leak during the run (truth)", fmt(leaks["meter_id"].nunique(), 0)],
                [
                    "meters leaking through most judged nights (the rule's target)",
                    fmt(int(truth.sum()), 0),
                ],
                ["suspects / of them truly leaking", f"{int(flagged.sum())} / {hits}"],
                [
                    "precision / recall of the night-flow rule",
                    f"{fmt(precision, 2)} / {fmt(recall, 2)}",
                ],
            ],
            caption="Night-flow rule against truth/water_leak (a report-level indicator of "
            "how the twin's leaks show, not a study)",
            numeric=False,
        )
    )
    return tables, notes
