"""A run's demand-response tables, split into what a utility holds and what only the truth knows.

Estimation reads only what a utility has: ``external/dr_event`` (the events it
called), ``external/dr_dispatch`` (whom it signalled: the enrolled premises and
their meters), ``internal/meter_point`` (premise, meter, transformer, customer
kind), ``internal/meter_interval`` (the legal interval energy, read per event
window by :func:`read_meter_load`) and ``internal/transformer_interval``, plus
public context: the outdoor temperature of the run's bundled weather year
(the scenario's ``pv.weather``) and its public holidays
(``customers.holidays``) where the run's manifest gives them. Scoring reads
``truth/dr_counterfactual`` and ``truth/premise`` (:func:`load_dr_truth`).

An event is keyed ``<programme>/<event_id>`` (event ids are numbered per
programme); a dispatch row names both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from numpy.typing import NDArray

from twin.errors import TwinError
from twin.streams import RunClock, RunDirectory

__all__ = [
    "DR_TABLES",
    "DrTables",
    "DrTruth",
    "MeterLoad",
    "load_dr_tables",
    "load_dr_truth",
    "read_meter_load",
    "read_transformer_load",
]

DR_TABLES: Final = ("external/dr_event", "external/dr_dispatch", "internal/meter_point")
"""The tables the study cannot do without (the meters' readings are read per event)."""

TRUTH_TABLES: Final = ("truth/dr_counterfactual", "truth/premise")
"""The truth tables the study scores against."""

NO_AREA: Final = -1
"""Transformer id of a signalled meter missing from ``internal/meter_point``."""

HOUSEHOLD: Final = "household"
"""Customer kind of the premises a control group is drawn from."""


@dataclass(frozen=True)
class DrTables:
    """What the utility holds about its demand-response programmes.

    Attributes
    ----------
    run : twin.streams.RunDirectory
        The run (meter readings are read from it per event window).
    events : pandas.DataFrame
        ``external/dr_event`` in start order with ``event`` (the key
        ``<programme>/<event_id>``).
    dispatch : pandas.DataFrame
        ``external/dr_dispatch`` with ``event`` and ``transformer_id`` (from
        ``internal/meter_point``; :data:`NO_AREA` for a meter it lacks).
    points : pandas.DataFrame
        ``internal/meter_point``: meter_id, premise_id, transformer_id, customer_kind.
    clock : twin.streams.RunClock
        The run's interval grid.
    temperature_c : numpy.ndarray or None
        Outdoor air temperature per run interval [degC], None when the run does
        not say which weather it had.
    temperature_source : str or None
        The weather year it comes from.
    holidays : numpy.ndarray
        Public holidays as days since 1970-01-01 (empty when the run gives no country).
    """

    run: RunDirectory
    events: pd.DataFrame
    dispatch: pd.DataFrame
    points: pd.DataFrame
    clock: RunClock
    temperature_c: NDArray[np.float64] | None
    temperature_source: str | None
    holidays: NDArray[np.int64]

    @property
    def enrolled_meters(self) -> set[str]:
        """Meters signalled in at least one event of any programme."""
        return set(self.dispatch["meter_id"].astype(str))


@dataclass(frozen=True)
class DrTruth:
    """The ground truth the study scores against.

    Attributes
    ----------
    run : twin.streams.RunDirectory
        The run (``truth/dr_counterfactual`` is read per event window, :meth:`counterfactual`).
    premise_transformer : pandas.Series
        premise_id -> transformer_id (``truth/premise``).
    """

    run: RunDirectory
    premise_transformer: pd.Series

    def counterfactual(self, low: pd.Timestamp, high: pd.Timestamp) -> pd.DataFrame:
        """``truth/dr_counterfactual`` rows with ``low < interval_end <= high``.

        Columns premise_id (str), meter_id (str), interval_end, p_kw, p_kw_actual.
        """
        column = pc.field("interval_end")
        frame = self.run.arrow(
            "truth/dr_counterfactual", filter=(column > low) & (column <= high)
        ).to_pandas()
        return frame.assign(
            premise_id=frame["premise_id"].astype(str), meter_id=frame["meter_id"].astype(str)
        )


@dataclass(frozen=True)
class MeterLoad:
    """Net mean power of some meters over a stretch of the run's intervals.

    Attributes
    ----------
    meters : list of str
        Row order.
    first : int
        Run interval index of column 0.
    kw : numpy.ndarray
        Shape ``(len(meters), n)``: (import - export) energy / interval [kW]; NaN
        where the meter has no reading.
    """

    meters: list[str]
    first: int
    kw: NDArray[np.float64]

    def columns(self, intervals: NDArray[np.int64]) -> NDArray[np.float64]:
        """Values at run interval indices ``intervals`` (NaN outside the stretch)."""
        local = np.asarray(intervals, dtype=np.int64) - self.first
        inside = (local >= 0) & (local < self.kw.shape[1])
        out = np.full((self.kw.shape[0], local.size), np.nan)
        out[:, inside] = self.kw[:, local[inside]]
        return out


def _event_keys(events: pd.DataFrame) -> pd.Series:
    return events["programme"].astype(str) + "/" + events["event_id"].astype(str)


def _assign_events(dispatch: pd.DataFrame) -> pd.Series:
    """Each dispatch row's event key, ``<programme>/<event_id>`` (event ids restart in each
    programme; the dispatch names both)."""
    return _event_keys(dispatch).where(dispatch["event_id"].notna())


def _temperature(
    run: RunDirectory, clock: RunClock
) -> tuple[NDArray[np.float64] | None, str | None]:
    """Outdoor temperature per run interval from the scenario's ``pv.weather``, if it says."""
    scenario = run.manifest.get("scenario") or {}
    pv = scenario.get("pv")
    name = pv.get("weather") if isinstance(pv, dict) else None
    if not isinstance(name, str):
        return None, None
    from twin.clock import TimeAxis
    from twin.devices.weather import WEATHER_SOURCES, average_hourly, load_weather

    if name not in WEATHER_SOURCES:
        return None, None
    weather = load_weather(name)
    axis = TimeAxis(clock.start, clock.interval_s, clock.n_intervals, clock.timezone)
    return average_hourly(weather.temp_air_c, axis, weather.utc_offset_h), name


def _holidays(run: RunDirectory, clock: RunClock) -> NDArray[np.int64]:
    """Public holidays of the run's years from the scenario's ``customers.holidays``."""
    scenario = run.manifest.get("scenario") or {}
    customers = scenario.get("customers")
    section = customers.get("holidays") if isinstance(customers, dict) else None
    if not isinstance(section, dict) or not section.get("country"):
        return np.zeros(0, dtype=np.int64)
    from twin.holiday_calendar import holiday_days

    years = [clock.start.year - 1, clock.start.year, clock.end.year]
    return holiday_days(str(section["country"]), section.get("subdivision"), years)


def load_dr_tables(run: RunDirectory) -> DrTables:
    """Read what the utility holds about its demand-response events (see the module).

    Parameters
    ----------
    run : twin.streams.RunDirectory
        A finished run.

    Returns
    -------
    DrTables

    Raises
    ------
    TwinError
        When the run has no ``external/dr_event`` (no ``demand_response:``
        section) or lacks another table the study needs.
    """
    if not run.has("external/dr_event"):
        raise TwinError(
            f"run {str(run.path)!r} has no external/dr_event table: it called no "
            "demand-response events; the demand-response study needs a run of a scenario with "
            "a `demand_response:` section (such as scenarios/demand_response.yaml)"
        )
    run.require(list(DR_TABLES), purpose="the demand-response study")
    events = run.table("external/dr_event")
    events = events.assign(event=_event_keys(events))
    events = events.sort_values(["start", "event"], kind="stable").reset_index(drop=True)
    points = run.table(
        "internal/meter_point", ["meter_id", "premise_id", "transformer_id", "customer_kind"]
    ).drop_duplicates("meter_id")
    points = points.assign(meter_id=points["meter_id"].astype(str))
    dispatch = run.table("external/dr_dispatch")
    dispatch = dispatch.assign(
        meter_id=dispatch["meter_id"].astype(str),
        event=_assign_events(dispatch),
        transformer_id=dispatch["meter_id"]
        .astype(str)
        .map(points.set_index("meter_id")["transformer_id"])
        .fillna(NO_AREA)
        .astype(np.int64),
    )
    clock = run.clock
    temperature, source = _temperature(run, clock)
    return DrTables(
        run=run,
        events=events,
        dispatch=dispatch,
        points=points.reset_index(drop=True),
        clock=clock,
        temperature_c=temperature,
        temperature_source=source,
        holidays=_holidays(run, clock),
    )


def read_transformer_load(tables: DrTables, first: int, stop: int) -> pd.DataFrame:
    """``internal/transformer_interval`` rows of run intervals ``first`` .. ``stop - 1``,
    with their interval index ``i`` (empty when the run has no such table)."""
    if not tables.run.has("internal/transformer_interval"):
        return pd.DataFrame(columns=["transformer_id", "interval_end", "p_kw", "i"])
    clock = tables.clock
    step = pd.Timedelta(seconds=clock.interval_s)
    column = pc.field("interval_end")
    frame = tables.run.arrow(
        "internal/transformer_interval",
        ["transformer_id", "interval_end", "p_kw"],
        filter=(column > clock.start + step * first) & (column <= clock.start + step * stop),
    ).to_pandas()
    return frame.assign(i=clock.interval_index(frame["interval_end"]))


def load_dr_truth(run: RunDirectory) -> DrTruth:
    """Read the truth the study scores against (``truth/dr_counterfactual``, ``truth/premise``).

    Raises
    ------
    TwinError
        When the run lacks either table.
    """
    run.require(list(TRUTH_TABLES), purpose="scoring the demand-response study")
    premises = run.table("truth/premise", ["premise_id", "transformer_id"])
    mapping = premises.drop_duplicates("premise_id").set_index("premise_id")["transformer_id"]
    mapping.index = mapping.index.astype(str)
    return DrTruth(run=run, premise_transformer=mapping)


def read_meter_load(tables: DrTables, meters: list[str], first: int, stop: int) -> MeterLoad:
    """Net mean power of ``meters`` over run intervals ``first`` .. ``stop - 1`` [kW].

    Reads ``internal/meter_interval`` rows of that stretch only (bounded memory
    whatever the run's length).

    Parameters
    ----------
    tables : DrTables
        The run's tables.
    meters : list of str
        The meters, in the row order wanted.
    first, stop : int
        Run interval indices (clipped to the run).
    """
    clock = tables.clock
    first, stop = max(0, int(first)), min(clock.n_intervals, int(stop))
    kw = np.full((len(meters), max(0, stop - first)), np.nan)
    if stop <= first or not meters:
        return MeterLoad(list(meters), first, kw)
    step = pd.Timedelta(seconds=clock.interval_s)
    low = clock.start + step * (first + 1)
    high = clock.start + step * stop
    column = pc.field("interval_end")
    frame = tables.run.arrow(
        "internal/meter_interval",
        ["meter_id", "interval_end", "import_wh", "export_wh"],
        filter=(column >= low) & (column <= high) & pc.field("meter_id").isin(list(meters)),
    ).to_pandas()
    row = pd.Series(np.arange(len(meters)), index=pd.Index(meters))
    at = frame["meter_id"].astype(str).map(row)
    keep = at.notna().to_numpy()
    frame = frame[keep]
    col = clock.interval_index(frame["interval_end"]) - first
    energy = frame["import_wh"].astype("float64") - frame["export_wh"].astype("float64").fillna(0.0)
    kw[at[keep].to_numpy(dtype=np.int64), col] = energy.to_numpy() * 3.6 / clock.interval_s
    return MeterLoad(list(meters), first, kw)


def scenario_section(run: RunDirectory) -> dict[str, Any]:
    """The run's ``demand_response`` scenario section (empty when absent)."""
    scenario = run.manifest.get("scenario") or {}
    section = scenario.get("demand_response")
    return section if isinstance(section, dict) else {}
