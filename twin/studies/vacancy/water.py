"""Water meters as a second witness of days in use: the ``interval_evidence+water`` detector.

Where a household premise also has a water meter (``internal/water_interval``,
mapped to the electricity meter by ``premise_id`` through
``internal/meter_point``), a day counts as *in use* when the electricity
evidence says so (:class:`~twin.studies.vacancy.evidence.IntervalEvidenceDetector`)
**or** the water meter shows occupancy-like use. The dwelling verdict is then
the electricity detector's: vacant when fewer than ``in_use_share`` of the
judged days are in use.

Occupancy-like water use is a daytime pattern above the meter's own floor:

1. The *floor* of a day is the meter's minimum night flow (the least reading
   between 01:00 and 05:00 local time [l per reading]), the larger of the
   night that opens the day and the night that closes it, so that a leak
   starting or stopping during the day still lifts the floor. It is the
   minimum-night-flow test utilities use to find leaks [1]_: a leak flows
   day and night at a constant rate, people do not.
2. A waking-hour reading (07:00-23:00) is *use* when it exceeds the floor by
   more than :data:`FLOW_MARGIN_L` (the register's whole-litre rounding of
   a constant flow); the day's *use volume* is the sum of those excesses,
   scaled to the full waking hours when part of the day is missing.
3. A day with at least ``coverage`` of its readings measured is in use when
   it has ``use_hours`` or more hours of use and a use volume of at least
   ``litres``. A visit of an hour or two to an empty flat (a flush, a
   washed hand) stays below both; one person living there draws well over
   100 l/d in several sittings (showers, toilet, kitchen: 120-150 l per
   person and day in European homes [2]_).

Gas is not used: a gas-heated home burns gas on a thermostat whether anybody
lives there or not (and an empty one is kept frost-free), and telling
cooking and hot water apart from heating in hourly gas readings is a
detector of its own.

The thresholds are fixed (unsupervised), chosen once on a development run
and never on a reported run: ``scenarios/vacancy_robustness.yaml`` with
``--set water.share=1.0 --set water.leaks.rate_per_meter_year=5 --seed 11``
(400 homes, 28 winter days, 15-min electricity and hourly water, a leak
starting at about one meter in three; ``benchmarks/tune_vacancy_water.py``):
on the grid ``use_hours`` 1-8 h x ``litres`` 10-80 l the combined detector's
F1 on the 400 homes was 0.912 for 1-4 h and 0.928 for 5-8 h, whatever the
litres (electricity alone: 0.877); the step is one seasonal home at the 10 %
boundary. The lowest hours of the best plateau (5 h, so that a frugal home
out all day still counts) and 20 l (more than a flush or two) were
kept. The README reports the runs scored with them (other seeds).

References
----------
.. [1] W. B. DeOreo, P. Mayer et al. (2016), "Residential End Uses of Water,
   Version 2", Water Research Foundation, Denver: leaks as continuous flow,
   found by the minimum night flow; diurnal pattern of indoor use.
.. [2] European Environment Agency (2018), "European waters - assessment of
   status and pressures": household use 120-150 l per person and day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from twin.studies.inputs import InternalData
from twin.studies.vacancy.data import QUALITY_USED, MeterSeries, Window, local_axis
from twin.studies.vacancy.detection import Detection
from twin.studies.vacancy.evidence import IntervalEvidenceDetector
from twin.studies.vacancy.features import NIGHT_HOURS, WAKING_HOURS, DayFeatures

__all__ = [
    "FLOW_MARGIN_L",
    "WATER_TABLE",
    "WaterDays",
    "WaterEvidenceDetector",
    "WaterSeries",
    "WaterThresholds",
    "load_water_series",
    "water_days",
]

WATER_TABLE: Final = "internal/water_interval"
"""The utility's water readings."""

FLOW_MARGIN_L: Final = 2.0
"""A reading counts as use when it exceeds the day's floor by more than this [l per
reading]: the meter reports whole litres, so a constant leak's readings differ by up
to 1 l from one hour to the next (assumed margin: twice that)."""


@dataclass(frozen=True)
class WaterThresholds:
    """Fixed thresholds of the water evidence (chosen on a development run, see module).

    Attributes
    ----------
    use_hours : float
        Least hours of use above the floor for a day in use [h].
    litres : float
        Least use volume above the floor for a day in use [l].
    coverage : float
        Least share of a day's readings measured to judge it by water [-].
    """

    use_hours: float = 5.0
    litres: float = 20.0
    coverage: float = 0.5


@dataclass(frozen=True)
class WaterSeries:
    """Water readings aligned with the electricity meters of a study.

    Attributes
    ----------
    has_meter : numpy.ndarray
        Whether each electricity meter's premise has a water meter, bool ``(n,)``.
    litres : numpy.ndarray
        ``(n, k)`` float32 volume per reading [l]; ``NaN`` where not measured
        or without a water meter.
    interval_s : int
        Reading interval [s].
    day : numpy.ndarray
        Local day of each reading (by its start), int64 ``(k,)``.
    hour : numpy.ndarray
        Local hour of each reading's start [h], float64 ``(k,)``.
    days : int
        Number of local days.
    """

    has_meter: NDArray[np.bool_]
    litres: NDArray[np.float32]
    interval_s: int
    day: NDArray[np.int64]
    hour: NDArray[np.float64]
    days: int


def _reading_interval(ends_us: NDArray[np.int64]) -> int:
    """The smallest step between distinct reading ends [s] (3600 with fewer than two)."""
    unique = np.unique(ends_us)
    if unique.size < 2:
        return 3600
    return int(np.diff(unique).min() // 1_000_000)


def load_water_series(
    internal: InternalData, window: Window, meter_id: NDArray[np.object_]
) -> WaterSeries | None:
    """Read ``internal/water_interval`` for ``window``, one row per electricity meter.

    Water meters are matched to electricity meters by ``premise_id``
    (``internal/meter_point``); where a premise has more than one, the
    readings of the last one read win. Readings of quality ``ok`` and
    ``backfilled`` are used.

    Parameters
    ----------
    internal : InternalData
        The run's internal tables.
    window : Window
        The days judged.
    meter_id : numpy.ndarray
        The study's electricity meters, in order.

    Returns
    -------
    WaterSeries or None
        None when the run has no water readings in the window, no meter
        register, or no studied premise with a water meter.
    """
    if not (internal.has(WATER_TABLE) and internal.has("internal/meter_point")):
        return None
    register = internal.table("internal/meter_point", columns=["meter_id", "premise_id"])
    premise_of = dict(
        zip(register["meter_id"].astype(str), register["premise_id"].astype(str), strict=True)
    )
    row_of = {premise_of.get(str(m)): i for i, m in enumerate(meter_id)}
    row_of.pop(None, None)
    field = pc.field("interval_end")
    inside = (field > window.start.to_pydatetime()) & (field <= window.end.to_pydatetime())
    table = internal.arrow(
        WATER_TABLE, columns=["premise_id", "interval_end", "volume_l", "quality"], filter=inside
    )
    if table.num_rows == 0 or not row_of:
        return None
    ends = table.column("interval_end").cast(pa.int64()).to_numpy()
    dt = _reading_interval(ends)
    if dt <= 0 or 86_400 % dt:
        return None
    premises = np.asarray(table.column("premise_id").cast(pa.string()).to_pylist(), dtype=object)
    rows = np.fromiter((row_of.get(str(p), -1) for p in premises), np.int64, premises.size)
    n_cols = int((window.end - window.start).total_seconds()) // dt
    col = (ends - window.start.value // 1000) // (dt * 1_000_000) - 1
    quality = np.asarray(table.column("quality").cast(pa.string()).to_pylist(), dtype=object)
    volume = table.column("volume_l").to_numpy(zero_copy_only=False)
    studied = (rows >= 0) & (col >= 0) & (col < n_cols)
    if not studied.any():
        return None
    has_meter = np.zeros(meter_id.size, dtype=bool)
    has_meter[rows[studied]] = True
    usable = studied & np.isin(quality, QUALITY_USED) & np.isfinite(volume.astype(np.float64))
    litres = np.full((meter_id.size, n_cols), np.nan, dtype=np.float32)
    litres[rows[usable], col[usable]] = volume[usable]
    day, hour, _ = local_axis(window, internal.clock.timezone, dt)
    return WaterSeries(has_meter, litres, dt, day, hour, window.days)


@dataclass(frozen=True)
class WaterDays:
    """Per meter and local day water evidence, arrays ``(n, days)``.

    Attributes
    ----------
    coverage : numpy.ndarray
        Share of the day's readings measured [-].
    floor_l : numpy.ndarray
        The day's floor: the larger minimum night reading of its two nights
        [l per reading]; ``NaN`` where neither night was measured.
    use_hours : numpy.ndarray
        Waking hours with use above the floor [h], scaled to the full waking hours.
    use_litres : numpy.ndarray
        Use volume above the floor in the waking hours [l], scaled likewise.
    """

    coverage: NDArray[np.float64]
    floor_l: NDArray[np.float64]
    use_hours: NDArray[np.float64]
    use_litres: NDArray[np.float64]


def _per_day(
    values: NDArray[np.float64], day: NDArray[np.int64], days: int, how: str
) -> NDArray[np.float64]:
    """Sum (``"sum"``) or minimum (``"min"``) of ``values`` per local day, ``(n, days)``.

    ``NaN`` values are skipped; a day without any value is ``NaN`` for the minimum.
    """
    bounds = np.searchsorted(day, np.arange(days + 1))
    out = np.full((values.shape[0], days), np.nan)
    for d in range(days):
        part = values[:, bounds[d] : bounds[d + 1]]
        if part.shape[1] == 0:
            continue
        if how == "sum":
            out[:, d] = np.nansum(part, axis=1)
        else:
            seen = np.isfinite(part).any(axis=1)
            out[seen, d] = np.nanmin(part[seen], axis=1)
    return out


def water_days(water: WaterSeries) -> WaterDays:
    """The day-level water evidence of every meter (see the module)."""
    v = water.litres.astype(np.float64)
    measured = np.isfinite(v)
    per_slot = _per_day(np.ones_like(v), water.day, water.days, "sum")
    coverage = _per_day(measured.astype(np.float64), water.day, water.days, "sum")
    coverage = np.divide(coverage, per_slot, out=np.zeros_like(coverage), where=per_slot > 0)
    night = (water.hour >= NIGHT_HOURS[0]) & (water.hour < NIGHT_HOURS[1])
    night_min = _per_day(np.where(night, v, np.nan), water.day, water.days, "min")
    closing = np.full_like(night_min, np.nan)
    closing[:, :-1] = night_min[:, 1:]
    floor = np.fmax(night_min, closing)
    waking = (water.hour >= WAKING_HOURS[0]) & (water.hour < WAKING_HOURS[1])
    floor_slot = floor[:, water.day]
    excess = v - np.nan_to_num(floor_slot, nan=0.0) - FLOW_MARGIN_L
    use = measured & waking[None, :] & (excess > 0)
    hours = water.interval_s / 3600.0
    waking_slots = _per_day(
        np.broadcast_to(waking, v.shape).astype(np.float64), water.day, water.days, "sum"
    )
    waking_seen = _per_day(
        (measured & waking[None, :]).astype(np.float64), water.day, water.days, "sum"
    )
    scale = np.divide(
        waking_slots, waking_seen, out=np.zeros_like(waking_seen), where=waking_seen > 0
    )
    use_hours = _per_day(use.astype(np.float64), water.day, water.days, "sum") * hours * scale
    volume = np.where(use, excess + FLOW_MARGIN_L, 0.0)
    use_litres = _per_day(volume, water.day, water.days, "sum") * scale
    return WaterDays(coverage, floor, use_hours, use_litres)


class WaterEvidenceDetector:
    """The interval-evidence detector with the water meter as a second witness of use.

    Parameters
    ----------
    electricity : IntervalEvidenceDetector
        The electricity detector whose days and verdict rule are kept.
    thresholds : WaterThresholds, optional
        Default: the fixed values chosen on the development run (see the module).
    """

    name = "interval_evidence+water"

    def __init__(
        self, electricity: IntervalEvidenceDetector, thresholds: WaterThresholds | None = None
    ) -> None:
        self.electricity = electricity
        self.thresholds = thresholds or WaterThresholds()

    def water_in_use(self, days: WaterDays) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Which days water judges, and which of them it finds in use, ``(n, days)`` each."""
        t = self.thresholds
        judged = days.coverage >= t.coverage
        in_use = judged & (days.use_hours >= t.use_hours) & (days.use_litres >= t.litres)
        return judged, in_use

    def detect(self, series: MeterSeries, water: WaterSeries) -> Detection:
        """Flag the vacant dwellings of ``series``, with water evidence where there is some.

        Returns
        -------
        Detection
            Of every meter of ``series`` (the electricity detector's verdict
            where a premise has no water meter); details add
            ``water_days_in_use``.
        """
        return self.detect_from(self.electricity.features(series), water_days(water), series)

    def detect_from(self, days: DayFeatures, wdays: WaterDays, series: MeterSeries) -> Detection:
        """:meth:`detect` on day features computed before."""
        judged, in_use = self.electricity.days_in_use(days)
        w_judged, w_in_use = self.water_in_use(wdays)
        found = self.electricity.verdict(
            days, series.meter_id, judged | w_judged, in_use | w_in_use, method=self.name
        )
        found.details["water_days_in_use"] = w_in_use.sum(axis=1).astype(np.float64)
        return found

    def describe(self) -> dict[str, object]:
        """Thresholds and how they were chosen, for the metrics file."""
        return {
            "kind": "interval_evidence+water",
            "calibration": (
                "fixed, chosen on a development run (vacancy_robustness, water on every "
                "home, frequent leaks, seed 11)"
            ),
            "flow_margin_l": FLOW_MARGIN_L,
            **asdict(self.thresholds),
        }
