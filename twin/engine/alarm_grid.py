"""Alarms on measured grid quantities: meter voltages and transformer loading.

Once per interval, after the power flow, :class:`GridAlarms` compares what
the platform measures with its thresholds (``alarms.voltage``,
``alarms.transformer``) through :class:`~twin.engine.alarms.ConditionTracker`:

- ``voltage``: the interval-mean voltage each meter measures at its
  terminals, outside EN 50160's supply-voltage range (Un +- 10 %,
  10-min means; the interval mean stands for them). A meter measures its
  bus voltage with a fixed gain error per meter (IEC 61000-4-30:2015 class
  S, +-0.5 % of the declared voltage, taken as two standard deviations), so
  a voltage just inside the limits may be measured outside: the alarm's
  truth cause is ``condition`` when the true bus voltage is outside the
  limit crossed, ``false`` when only the measurement error put it there.
  A meter whose bus is de-energised or whose power flow failed is not
  watched that interval; meters that do not watch the voltage never alarm.
- ``transformer``: the loading of each LV-area transformer solved here
  (``internal/transformer_interval``'s ``loading_percent``), above
  ``loading_percent``; measured at the substation without error, so the
  cause is always ``condition``.

Both are vectorised over the devices; an interval without a change costs a
few numpy operations. The voltage error is drawn for the whole fleet from
its own stream ("meter-voltage-error") and restricted to the members, so a
shard's meters measure what they measure in the whole run.

References
----------
EN 50160:2010, *Voltage characteristics of electricity supplied by public
electricity networks*, 4.2.2. IEC 61000-4-30:2015, *Power quality
measurement methods*, 5.2 (class S uncertainty).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.engine.alarms import Alarm, AlarmLog, ConditionTracker
from twin.grid import PowerFlowResult
from twin.members import Members
from twin.scenario.alarm_models import TRANSFORMER_DELAY_S, AlarmsSection

__all__ = ["VOLTAGE_ERROR_SIGMA", "GridAlarms", "draw_voltage_error"]

VOLTAGE_ERROR_SIGMA: Final = 0.0025
"""Standard deviation of a meter's voltage gain error [-] (assumed: IEC 61000-4-30
class S, +-0.5 % of the declared voltage, as two standard deviations)."""

TRANSFORMER_SEVERITY: Final = "major"
"""Severity of a transformer overload (assumed: it ages the transformer, not yet a trip)."""
VOLTAGE_SEVERITY: Final = "minor"
"""Severity of a voltage outside EN 50160 at a meter (assumed: a quality complaint)."""


def draw_voltage_error(rng: np.random.Generator, members: Members) -> NDArray[np.float64]:
    """Gain error of each member meter's voltage measurement [-], drawn for the whole fleet."""
    return np.asarray(
        members.take(rng.normal(0.0, VOLTAGE_ERROR_SIGMA, members.n_total)), dtype=np.float64
    )


class GridAlarms:
    """Voltage alarms per meter and loading alarms per transformer.

    Parameters
    ----------
    section : AlarmsSection
        The scenario's ``alarms``.
    interval_s : int
        Metering interval [s].
    log : AlarmLog
        Where alarms go.
    meter_ids, premise_ids : list of str
        Per local meter.
    meter_bus : numpy.ndarray
        Bus position of each local meter in the power-flow result.
    watches : numpy.ndarray
        bool per local meter: it watches the voltage.
    voltage_error : numpy.ndarray
        Gain error of each local meter's voltage measurement [-].
    transformer_rows : numpy.ndarray
        Rows of ``net.trafo`` watched here (the LV-area transformers solved here).
    transformer_ids : numpy.ndarray
        Their ids (``net.trafo`` index).
    """

    def __init__(
        self,
        section: AlarmsSection,
        interval_s: int,
        log: AlarmLog,
        *,
        meter_ids: list[str],
        premise_ids: list[str],
        meter_bus: NDArray[np.int64],
        watches: NDArray[np.bool_],
        voltage_error: NDArray[np.float64],
        transformer_rows: NDArray[np.int64],
        transformer_ids: NDArray[np.int64],
    ):
        self.log, self.dt = log, interval_s
        v, t = section.voltage, section.transformer
        self._voltage = v.enabled
        self._low, self._high = v.low_pu, v.high_pu
        self._meters = np.flatnonzero(watches).astype(np.int64) if v.enabled else np.zeros(0, int)
        self._bus = meter_bus[self._meters]
        self._gain = 1.0 + voltage_error[self._meters]
        self._meter_ids = [meter_ids[i] for i in self._meters.tolist()]
        self._premise_ids = [premise_ids[i] for i in self._meters.tolist()]
        up = AlarmsSection.steps(v.delay, interval_s, interval_s)
        down = AlarmsSection.steps(v.clear_delay, interval_s, interval_s)
        n = self._meters.size
        self.low, self.high = ConditionTracker(n, up, down), ConditionTracker(n, up, down)
        self._low_open: dict[int, Alarm] = {}
        self._high_open: dict[int, Alarm] = {}
        self._limit = t.loading_percent
        self._trafo_rows = transformer_rows if t.enabled else np.zeros(0, dtype=np.int64)
        self._trafo_ids = [f"T{int(i)}" for i in transformer_ids.tolist()] if t.enabled else []
        self.overload = ConditionTracker(
            self._trafo_rows.size,
            AlarmsSection.steps(t.delay, TRANSFORMER_DELAY_S, interval_s),
            AlarmsSection.steps(t.clear_delay, interval_s, interval_s),
        )
        self._trafo_open: dict[int, Alarm] = {}

    def step(self, k: int, result: PowerFlowResult) -> None:
        """Observe interval ``k``'s power flow (at its end)."""
        if not result.converged:
            return
        end_s = float((k + 1) * self.dt)
        if self._meters.size:
            true = result.vm_pu[self._bus]
            seen = np.isfinite(true)
            measured = true * self._gain
            self._track(self.low, measured < self._low, seen, measured, true, end_s, low=True)
            self._track(self.high, measured > self._high, seen, measured, true, end_s, low=False)
        if self._trafo_rows.size:
            loading = result.trafo_loading_percent[self._trafo_rows]
            seen = np.isfinite(loading)
            raised, cleared = self.overload.step(seen & (loading > self._limit), seen)
            for i in raised.tolist():
                self._trafo_open[i] = self.log.raise_alarm(
                    source="transformer",
                    device_id=self._trafo_ids[i],
                    premise_id=None,
                    kind="overload",
                    severity=TRANSFORMER_SEVERITY,
                    time_s=end_s,
                    value=float(loading[i]),
                    threshold=self._limit,
                    unit="%",
                    cause="condition",
                )
            for i in cleared.tolist():
                self.log.clear(self._trafo_open.pop(i), end_s)

    def _track(
        self,
        tracker: ConditionTracker,
        condition: NDArray[np.bool_],
        seen: NDArray[np.bool_],
        measured: NDArray[np.float64],
        true: NDArray[np.float64],
        end_s: float,
        *,
        low: bool,
    ) -> None:
        raised, cleared = tracker.step(condition & seen, seen)
        if raised.size == 0 and cleared.size == 0:
            return
        limit = self._low if low else self._high
        opened = self._low_open if low else self._high_open
        really = true[raised] < limit if low else true[raised] > limit
        for i, real in zip(raised.tolist(), really.tolist(), strict=True):
            opened[i] = self.log.raise_alarm(
                source="voltage",
                device_id=self._meter_ids[i],
                premise_id=self._premise_ids[i],
                kind="voltage_low" if low else "voltage_high",
                severity=VOLTAGE_SEVERITY,
                time_s=end_s,
                value=float(measured[i]),
                threshold=limit,
                unit="pu",
                cause="condition" if real else "false",
            )
        for i in cleared.tolist():
            self.log.clear(opened.pop(i), end_s)
