"""The interval process: one SimPy process that advances every fleet once per interval.

Per interval, in order: the mean power behind every meter (households with
their DER, the other customers, the generators), the disconnectors; at the
interval end the grid solves with the true power (and any illegal loads),
the metrology cores integrate what the meters see (short of what thieves
take), the DER and the meters see the voltages, the area check meters
measure the transformers' LV side, the management cores and the head-end
move the data, the safety sensors report on the premises' load, and the
recorders append. Household
happenings (moves, holidays) are SimPy events scheduled before the process,
so that an event at ``T`` shapes the interval starting at ``T``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import simpy
from tqdm import tqdm

from twin.devices.households import HouseholdEvent, HouseholdFleet
from twin.engine.alarm_sources import AlarmSources
from twin.engine.components import Components
from twin.engine.recording import OccupancySpells, Recorder
from twin.engine.recording_der import DerRecorder
from twin.engine.recording_phases import PhaseRecorder
from twin.engine.recording_power_quality import PowerQualityRecorder
from twin.engine.stage_clock import StageClock
from twin.engine.summary import RunSummary, exact_total_kw
from twin.grid.area_balance import AreaBalance

__all__ = ["IntervalLoop"]


class IntervalLoop:
    """The interval process and the state it keeps."""

    def __init__(
        self, parts: Components, recorder: Recorder, summary: RunSummary, progress: tqdm | None
    ):
        self.parts = parts
        self.recorder = recorder
        self.summary = summary
        self.progress = progress
        self.on_progress: Callable[[int], None] | None = None
        self._trafo_ids = parts.site.grid.net.trafo.index.to_numpy()
        self.spells = OccupancySpells(parts.households.n, parts.axis.interval_s)
        self.der_recorder: DerRecorder | None = None
        self.phases: PhaseRecorder | None = None
        self.clock = StageClock()
        self.power_quality: PowerQualityRecorder | None = None
        self.alarm_sources: AlarmSources | None = None
        self._solved_loads = parts.solved_rows("load")
        self._solved_buses = parts.solved_rows("bus")
        self.metering = True
        balance = AreaBalance(parts.site.grid)
        solved = parts.solved_mask("trafo", len(self._trafo_ids))
        if solved is not None:  # a shard sums its own areas only
            balance = balance.restricted(np.flatnonzero(solved[balance.transformers]))
        self.balance = balance
        areas = balance.transformers
        self._area_ids = self._trafo_ids[areas]
        meters = parts.area_meters
        self._metered_areas = (
            np.zeros(0, dtype=np.int64)
            if meters is None
            else np.searchsorted(areas, meters.transformers).astype(np.int64)
        )

    @property
    def area_transformer_rows(self) -> np.ndarray:
        """Rows of ``net.trafo`` of the LV areas solved here."""
        return np.asarray(self.balance.transformers, dtype=np.int64)

    def schedule_events(self, env: simpy.Environment, events: list[HouseholdEvent]) -> None:
        """Register every household happening as a SimPy timeout with a callback.

        All are created at time 0, before the interval process schedules its
        own timeouts, so at equal times they fire first: an event at ``T``
        shapes the interval that starts at ``T``.
        """
        fleet = self.parts.households
        for event in events:
            if event.time_s <= 0:
                fleet.apply(event)
                continue
            timeout = env.timeout(event.time_s)
            timeout.callbacks.append(partial(_apply_event, fleet, event))

    def process(self, env: simpy.Environment):  # type: ignore[no-untyped-def]
        """SimPy process: one pass per metering interval."""
        axis, clock = self.parts.axis, self.clock
        clock.mark()
        for k in range(axis.n_intervals):
            p_kw, q_kvar = self.parts.step_meters(axis.at(k))
            clock.lap("devices")
            if self.parts.der is not None:
                if self.der_recorder is not None:
                    self.der_recorder.schedule_status_changes(env)
                elif self.parts.der.ev is not None:  # nothing records them: keep memory flat
                    self.parts.der.ev.status_changes()
                    self.parts.der.ev.finished_sessions()
            if self.metering:
                self.recorder.occupancy(*self.spells.observe(k, self.parts.households.present))
            clock.lap("device records")
            yield env.timeout(axis.interval_s)
            clock.lap("discrete events")
            self._close_interval(k, p_kw, q_kvar)

    def _close_interval(self, k: int, p_kw: np.ndarray, q_kvar: np.ndarray) -> None:
        parts, axis, clock = self.parts, self.parts.axis, self.clock
        end_s = (k + 1) * axis.interval_s
        load_p, load_q, sgen_p = parts.grid_injections(k, p_kw, q_kvar)
        clock.lap("grid injections")
        tic = time.perf_counter()
        result = parts.solve(k, load_p, load_q, sgen_p)
        solve_ms = (time.perf_counter() - tic) * 1e3
        clock.lap("power flow")
        seen = p_kw if parts.thefts is None else parts.thefts.metered_kw(k, p_kw)
        if self.metering:
            parts.ami.meter(k, seen)
            clock.lap("metrology")
            if parts.prepaid is not None:
                parts.prepaid.step(k)
                clock.lap("prepaid")
            if self.phases is not None:
                self.phases.interval(end_s, seen, p_kw)
            if self.power_quality is not None:
                self.power_quality.interval(k, seen, p_kw, q_kvar, result)
            clock.lap("phase and power-quality records")
        self.recorder.grid(end_s, result, solve_ms, self._load_kw(load_p))
        totals = None
        if self.metering and self._area_ids.size:
            totals = self.balance.totals(result, load_p, sgen_p)
            self.recorder.areas(end_s, self._area_ids, totals)
        self.summary.account(result, axis, k, self._trafo_ids, self._solved_buses)
        clock.lap("grid and truth records")
        if parts.der is not None:
            flow: dict[str, Any] = {
                "converged": result.converged,
                "vm_pu": result.vm_pu,
                "trafo_p_mw": result.trafo_p_mw,
                "trafo_loading_percent": result.trafo_loading_percent,
            }
            parts.der.after_flow(**flow)
            if parts.demand_response is not None:
                parts.demand_response.after_flow(**flow)
            if self.der_recorder is not None:
                self.der_recorder.interval(k)
            clock.lap("DER after the flow")
        if parts.demand_response is not None:
            parts.demand_response.close_interval(
                k, p_kw[parts.segments.households], parts.wet_shift_kw
            )

        if self.metering:
            parts.ami.after_flow(k, seen, result)
            clock.lap("management cores, comms, head-end")
            if parts.utilities is not None:
                running = parts.ami.management.running(float(end_s))
                parts.utilities.close_interval(k, running[parts.segments.households])
            if parts.prepaid_water is not None:  # after the water meters were heard
                parts.prepaid_water.step(k)
            if parts.area_meters is not None and totals is not None:
                lv_p_kw = totals.lv_p_kw[self._metered_areas]
                parts.area_meters.close_interval(k, lv_p_kw, result)
            clock.lap("water, gas and area meters")
            if parts.safety is not None:  # the premises' cables carry this interval's load
                parts.safety.close_interval(k, p_kw)
                clock.lap("safety sensors")
            if self.alarm_sources is not None:
                self.alarm_sources.step(k, result)
                clock.lap("alarms")
        if self.on_progress is not None and ((k + 1) % 96 == 0 or k == axis.n_intervals - 1):
            self.on_progress(k + 1)
        if self.progress is not None:
            self.progress.update(1)
            if k % 96 == 0 or k == axis.n_intervals - 1:
                stamp = pd.Timestamp(axis.interval_end_utc[k]).tz_localize("UTC")
                self.progress.set_postfix_str(
                    stamp.tz_convert(axis.timezone).strftime("%Y-%m-%d %H:%M"), refresh=False
                )
        clock.lap("progress")

    def _load_kw(self, load_p_mw: np.ndarray) -> float:
        rows = self._solved_loads
        return exact_total_kw(load_p_mw if rows is None else load_p_mw[rows])


def _apply_event(fleet: HouseholdFleet, event: HouseholdEvent, _fired: simpy.Event) -> None:
    fleet.apply(event)
