"""Every alarm source of a run but safety, wired to the run's alarm log.

:func:`attach_alarm_sources` creates the sources the scenario's ``alarms``
section switches on (:mod:`twin.scenario.alarm_models`) for what this run
(or shard) simulates and hooks them where their quantities arise: the
lighting cabinet readings, the prepaid accounts, the charge points' status
notifications, the head-end's received events and firmware results; the
grid quantities (meter voltages, transformer loading) are stepped by the
interval process through :meth:`AlarmSources.step`. At the end of the run
:meth:`AlarmSources.finish` lets the operator desk acknowledge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from twin.engine.alarm_desk import OperatorDesk
from twin.engine.alarm_grid import GridAlarms, voltage_channel_gains
from twin.engine.alarm_lighting import LightingAlarms
from twin.engine.alarm_meter import MeterAlarms
from twin.engine.alarm_prepaid import PrepaidAlarms
from twin.engine.alarms import AlarmLog
from twin.engine.components import Components
from twin.engine.faults import FirmwareRecorder
from twin.engine.recording_der import DerRecorder
from twin.engine.recording_phases import PhaseRecorder
from twin.engine.run_tables import meter_connections
from twin.grid import PowerFlowResult
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.scenario.alarm_models import NEUTRAL_DELAY_S, AlarmsSection

__all__ = ["AlarmSources", "attach_alarm_sources"]

VOLTAGE_ERROR_STREAM = "meter-voltage"
"""Generator of the meters' voltage-channel gain errors (shared with the power-quality
profile, :mod:`twin.engine.recording_power_quality`, so both read the same voltages)."""


@dataclass
class AlarmSources:
    """The alarm sources of a run that the interval process steps, and the desk."""

    log: AlarmLog
    grid: GridAlarms | None
    meter: MeterAlarms | None
    desk: OperatorDesk
    interval_s: int

    def step(self, k: int, result: PowerFlowResult) -> None:
        """Interval ``k`` has been solved and metered."""
        if self.grid is not None:
            self.grid.step(k, result)
        if self.meter is not None:
            self.meter.tick(float((k + 1) * self.interval_s))

    def finish(self) -> None:
        """End of the run (before the log is written): the desk acknowledges."""
        if self.meter is not None:
            self.meter.tick(float("inf"))
        self.desk.acknowledge(self.log)


def attach_alarm_sources(
    scenario: Scenario,
    parts: Components,
    *,
    transformer_rows: NDArray[np.int64],
    der_recorder: DerRecorder | None,
    firmware: FirmwareRecorder | None,
    phases: PhaseRecorder | None = None,
) -> AlarmSources | None:
    """Create and hook the alarm sources; None when the run keeps no alarm log.

    Parameters
    ----------
    transformer_rows : numpy.ndarray
        Rows of ``net.trafo`` of the LV areas solved here (their loading is watched).
    der_recorder : DerRecorder, optional
        The charge points' recorder (their status notifications).
    firmware : FirmwareRecorder, optional
        The firmware campaigns' tally (failed management updates).
    phases : PhaseRecorder, optional
        The three-phase meters' recorder (their neutral mismatch).
    """
    log = parts.alarms
    if log is None:
        return None
    section, axis = scenario.alarms, parts.axis
    ids = parts.member_ids
    grid = None
    if section.voltage.enabled or section.transformer.enabled:
        ami = parts.ami
        gains = voltage_channel_gains(
            RandomTree(scenario.seed).generator(VOLTAGE_ERROR_STREAM),
            parts.members,
            meter_connections(parts).phases,
        )
        trafo_ids = parts.site.grid.net.trafo.index.to_numpy()[transformer_rows]
        grid = GridAlarms(
            section,
            axis.interval_s,
            log,
            meter_ids=ids.meters,
            premise_ids=ids.premises,
            meter_bus=ami.meter_bus,
            solved_bus=parts.solved_mask("bus", len(parts.site.grid.net.bus)),
            watches=ami.watches_voltage,
            voltage_gains=gains,
            transformer_rows=np.asarray(transformer_rows, dtype=np.int64),
            transformer_ids=np.asarray(trafo_ids, dtype=np.int64),
        )
    lighting = parts.lighting
    if section.lighting.enabled and lighting is not None:
        watcher = LightingAlarms(lighting.fleet, lighting.circuit_ids.to_pylist(), log)
        lighting.on_reading = watcher.reading
    p = section.prepaid
    if p.enabled and (p.low_credit or p.disconnection):
        for accounts in (parts.prepaid, parts.prepaid_water):
            if accounts is None:
                continue
            accounts.alarms = PrepaidAlarms(
                log,
                meter_id=list(accounts.meter_id),
                premise_id=list(accounts.premise_id),
                currency=accounts.recorder.currency,
                scale=10.0**accounts.decimals,
                low_credit=p.low_credit,
                disconnection=p.disconnection,
            )
    if section.ev_charger.enabled and der_recorder is not None:
        der_recorder.charger_alarms(log)
    meter = None
    if section.meter.enabled:
        meter = MeterAlarms(
            log,
            meter_ids=ids.meters,
            premise_ids=ids.premises,
            long_interruption_s=float(section.meter.long_interruption),
            clock_limit_s=float(scenario.meters.clock.limit_s),
        )
        parts.ami.recorder.event_listeners.append(meter.events)
        if firmware is not None:
            firmware.on_failed = meter.firmware_failed
        if phases is not None:
            steps = AlarmsSection.steps(
                section.meter.neutral_delay, NEUTRAL_DELAY_S, axis.interval_s
            )
            meter.watch_neutral(phases.meters, steps)
            phases.on_neutral = meter.neutral
    return AlarmSources(log, grid, meter, OperatorDesk(section.desk, axis), axis.interval_s)
