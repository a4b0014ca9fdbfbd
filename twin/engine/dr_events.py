"""Demand-response events: scheduled ones from the scenario, automatic ones from a forecast.

A peak-shaving programme with a ``trigger`` watches the transformers'
loading as the run's internal stream records it (``internal/transformer_interval``,
kept in memory hour by hour in :class:`TransformerHistory`, never the truth).
Every hour ``c`` it forecasts the hour that starts at ``c + notice`` as the
mean, over the previous ``history`` days that are already recorded, of the
same hour's mean loading (a same-hour-of-day persistence forecast, the
simplest of the X-of-Y family, see [1]_); above ``loading_percent`` it calls an
event for that transformer's area starting then (at most
:data:`AUTO_EVENTS_PER_DAY` per transformer and local day, none overlapping
another of the programme there), targeting the load above the limit.

References
----------
.. [1] CAISO (2017), Baseline Accuracy Work Group proposal: "10-in-10" and
   same-hour-of-day averages as day-ahead load estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.scenario.dr_models import DrProgramme

__all__ = [
    "AUTO_EVENTS_PER_DAY",
    "AUTO_LEVEL",
    "DrEvent",
    "TransformerHistory",
    "scheduled_events",
]

AUTO_LEVEL: Final = 3
"""SIMPLE level of an automatic peak-shaving event (3: special, the deepest response)."""
AUTO_EVENTS_PER_DAY: Final = 1
"""Automatic events per transformer, programme and local day (assumed: one evening peak)."""
HOUR_S: Final = 3_600


@dataclass
class DrEvent:
    """One event of a programme, as called.

    Times are seconds since the run start; ``transformer`` is the
    ``net.trafo`` index of the targeted area (None: every enrolled premise).
    """

    programme: int
    number: int
    called_s: int
    start_s: int
    end_s: int
    level: int
    price_per_kwh: float | None
    transformer: int | None = None
    target_kw: float | None = None

    @property
    def event_id(self) -> str:
        """``E`` and the event's number in its programme."""
        return f"E{self.number}"

    @property
    def area(self) -> str:
        """``T<transformer id>`` or ``all``."""
        return "all" if self.transformer is None else f"T{self.transformer}"

    @property
    def depth(self) -> float:
        """Share of the responsive load the event asks to shed [-]: ``level / 3``."""
        return self.level / 3.0


def scheduled_events(programme: DrProgramme, index: int, axis: TimeAxis) -> list[DrEvent]:
    """The programme's scheduled events that overlap the run, numbered by start from 1."""
    order = sorted(range(len(programme.events)), key=lambda j: programme.events[j].start_local)
    start_utc = axis.start.tz_convert("UTC")
    out: list[DrEvent] = []
    for number, j in enumerate(order, start=1):
        entry = programme.events[j]
        local = entry.start_local.tz_localize(
            axis.timezone, ambiguous=False, nonexistent="shift_forward"
        )
        start_s = int((local.tz_convert("UTC") - start_utc) / pd.Timedelta(seconds=1))
        end_s = start_s + programme.duration_of(j)
        if end_s <= 0 or start_s >= axis.duration_s:
            continue
        out.append(
            DrEvent(
                programme=index,
                number=number,
                called_s=max(0, start_s - int(programme.notice)),
                start_s=start_s,
                end_s=end_s,
                level=entry.level,
                price_per_kwh=entry.price_per_kwh,
            )
        )
    return out


class TransformerHistory:
    """Hourly mean loading and power of the transformers, as the internal stream records them.

    Parameters
    ----------
    transformer_ids : numpy.ndarray
        ``net.trafo`` indices recorded (those solved here), in the recorder's order.
    duration_s : int
        Run length [s].
    """

    def __init__(self, transformer_ids: NDArray[np.int64], duration_s: int) -> None:
        self.ids = np.asarray(transformer_ids, dtype=np.int64)
        hours = -(-duration_s // HOUR_S)
        self._loading = np.zeros((hours, self.ids.size))
        self._p_kw = np.zeros((hours, self.ids.size))
        self._count = np.zeros(hours, dtype=np.int64)

    def record(
        self, end_s: int, p_kw: NDArray[np.float64], loading_percent: NDArray[np.float64]
    ) -> None:
        """Add one interval's rows (the values written to internal/transformer_interval)."""
        h = (int(end_s) - 1) // HOUR_S
        self._loading[h] += np.nan_to_num(loading_percent)
        self._p_kw[h] += np.nan_to_num(p_kw)
        self._count[h] += 1

    def forecast(
        self, start_s: int, now_s: int, history_days: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Forecast loading [%] and power [kW] per transformer for the hour starting at ``start_s``.

        The mean of the same hour on up to ``history_days`` earlier days whose
        hour was complete before ``now_s``; None when none was.
        """
        hours: list[int] = []
        for d in range(1, 400):
            begin = start_s - d * SECONDS_PER_DAY
            if begin < 0 or len(hours) == history_days:
                break
            if begin + HOUR_S <= now_s and self._count[begin // HOUR_S] > 0:
                hours.append(begin // HOUR_S)
        if not hours:
            return None
        h = np.asarray(hours)
        n = self._count[h][:, None]
        return (self._loading[h] / n).mean(axis=0), (self._p_kw[h] / n).mean(axis=0)
