"""Alarms on measured grid quantities: meter voltages and transformer loading.

Once per interval, after the power flow, :class:`GridAlarms` compares what
the platform measures with its thresholds (``alarms.voltage``,
``alarms.transformer``) through :class:`~twin.engine.alarms.ConditionTracker`:

- ``voltage``: the interval-mean voltage each meter measures on its
  phases, outside EN 50160's supply-voltage range (Un +- 10 %, 10-min
  means; the interval mean stands for them); the lowest phase reading for
  ``voltage_low``, the highest for ``voltage_high``. A meter reads its bus
  voltage through the gain error of each voltage channel
  (:mod:`twin.meters.power_quality`: IEC 61557-12 class 0.5, the same
  draws as ``internal/meter_power_quality``), so a voltage just inside the
  limits may be read outside: the alarm's truth cause is ``condition``
  when the true bus voltage is outside the limit crossed, ``false`` when
  only the measurement error put it there. A meter whose bus is
  de-energised, not solved here, or whose power flow failed is not watched
  that interval; meters that do not watch the voltage never alarm.
- ``transformer``: the loading of each LV-area transformer solved here
  (``internal/transformer_interval``'s ``loading_percent``), above
  ``loading_percent``; measured at the substation without error, so the
  cause is always ``condition``.

Both are vectorised over the devices; an interval without a change costs a
few numpy operations. The voltage errors are drawn for the whole fleet
(generator "meter-voltage") and restricted to the members, so a shard's
meters read what they read in the whole run.

References
----------
EN 50160:2010, *Voltage characteristics of electricity supplied by public
electricity networks*, 4.2.2. IEC 61557-12:2018 (performance class 0.5 of
the voltage measurement).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.engine.alarms import Alarm, AlarmLog, ConditionTracker
from twin.grid import PowerFlowResult
from twin.members import Members
from twin.meters.power_quality import draw_voltage_error
from twin.scenario.alarm_models import TRANSFORMER_DELAY_S, AlarmsSection

__all__ = ["GridAlarms", "voltage_channel_gains"]

TRANSFORMER_SEVERITY: Final = "major"
"""Severity of a transformer overload (assumed: it ages the transformer, not yet a trip)."""
VOLTAGE_SEVERITY: Final = "minor"
"""Severity of a voltage outside EN 50160 at a meter (assumed: a quality complaint)."""


def voltage_channel_gains(
    rng: np.random.Generator, members: Members, phases: NDArray[np.integer]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lowest and highest gain ``1 + e`` of each member meter's voltage channels in use.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator "meter-voltage" (drawn for the whole fleet, restricted to the members).
    members : Members
        The meters simulated here.
    phases : numpy.ndarray
        Phases of each member meter (1: only L1 is read).
    """
    every = draw_voltage_error(rng, members.n_total)
    gain = 1.0 + np.asarray(members.take(every), dtype=np.float64)
    used = np.arange(3)[None, :] < np.asarray(phases)[:, None]
    low = np.where(used, gain, np.inf).min(axis=1)
    high = np.where(used, gain, -np.inf).max(axis=1)
    return low, high


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
    solved_bus : numpy.ndarray, optional
        bool per bus of the network: solved here (None: all); a meter on a bus not
        solved here (a medium-voltage meter while LV areas are solved alone) is not watched.
    voltage_gains : tuple of numpy.ndarray
        Lowest and highest gain of each local meter's voltage channels in use [-]
        (:func:`voltage_channel_gains`).
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
        solved_bus: NDArray[np.bool_] | None = None,
        voltage_gains: tuple[NDArray[np.float64], NDArray[np.float64]],
        transformer_rows: NDArray[np.int64],
        transformer_ids: NDArray[np.int64],
    ):
        self.log, self.dt = log, interval_s
        v, t = section.voltage, section.transformer
        self._low, self._high = v.low_pu, v.high_pu
        watched = np.asarray(watches, dtype=bool) & v.enabled
        if solved_bus is not None:
            watched &= solved_bus[meter_bus]
        self._meters = np.flatnonzero(watched).astype(np.int64)
        self._bus = meter_bus[self._meters]
        self._gain_low = voltage_gains[0][self._meters]
        self._gain_high = voltage_gains[1][self._meters]
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
            lowest, highest = true * self._gain_low, true * self._gain_high
            self._track(self.low, lowest < self._low, seen, lowest, true, end_s, low=True)
            self._track(self.high, highest > self._high, seen, highest, true, end_s, low=False)
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
