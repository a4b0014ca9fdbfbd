"""Prepaid water: credit spent from the water register, the water meter's valve in the loop.

The account is kept by the management core of the premise's electricity
meter, the one that reads the water meter over wireless M-Bus
(:mod:`twin.meters.wmbus`): it debits the litres of the register as last
heard (a reading lost over the radio is paid when the next one is heard),
at ``tariffs.water``. At zero credit, outside friendly periods, it closes
the valve; a top-up opens it. Both commands reach the valve only when the
water meter next transmits and listens for a moment (EN 13757-4 modes
T2/C2, OMS "frequent access" after its own telegram), so a command waits
for the meter's next reading time and repeats at the following ones while
lost (the meter's ``wmbus_loss``) or while the core is down
(:class:`~twin.scenario.prepaid_models.ValveSection`). A closed valve stops
every flow through the meter, leaks included.

A close command that arrives after a top-up restored the credit, or in a
friendly-credit period, is withdrawn (state ``cancelled``): the valve stays
open, and a new one follows outside the friendly period if the credit is
still exhausted.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.water import WaterFleet
from twin.engine.ami import Ami
from twin.engine.prepaid import PrepaidAccounts
from twin.engine.prepaid_population import PrepaidPopulation
from twin.engine.recording_prepaid import Command
from twin.engine.utilities import MeterKind
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["WaterPrepaid"]


class WaterPrepaid(PrepaidAccounts):
    """The prepaid water accounts of the water meters simulated here.

    Parameters
    ----------
    scenario, axis, ami, population, writer
        As :class:`~twin.engine.prepaid.PrepaidAccounts` (``population`` of
        utility ``water``: ``device`` is the water meter's local position).
    water : MeterKind
        The run's water meters (fleet, wM-Bus registers, reading interval).
    """

    ID_PREFIX = ("TW", "VC")

    def __init__(
        self,
        scenario: Scenario,
        axis: TimeAxis,
        ami: Ami,
        population: PrepaidPopulation,
        writer: RunWriter,
        water: MeterKind,
    ):
        assert scenario.water is not None and scenario.prepaid is not None
        assert scenario.prepaid.water is not None
        self._water = water
        self._device = population.device
        self._reading_s = water.reading_k * axis.interval_s
        self._loss = scenario.water.wmbus_loss
        self._valve = scenario.prepaid.water.valve
        super().__init__(scenario, axis, ami, population, writer)

    def _registers(self) -> NDArray[np.int64]:
        return self._water.meters.heard_l[self._device][None, :].astype(np.int64)

    def _readable(self, end_s: int) -> NDArray[np.bool_]:
        return np.ones(self.n, dtype=bool)

    def _disconnect(self, slots: NDArray[np.int64], t_s: float) -> None:
        self.disconnected[slots] = True
        for s in slots.tolist():
            if not self.in_flight[s]:
                self._send(s, "credit_exhausted")

    def _travel(
        self, env: simpy.Environment, s: int, cmd: Command
    ) -> Generator[simpy.Event, Any, None]:
        """The command waits for the meter's telegrams until heard, then the valve acts."""
        horizon = float(self.axis.duration_s)
        meter = self.meter[[s]]
        for attempt in range(self._valve.attempts):
            telegram = (np.floor(env.now / self._reading_s) + 1.0) * self._reading_s
            if telegram >= horizon:  # still waiting at the run end
                self.in_flight[s] = False
                return
            yield env.timeout(float(telegram) - env.now)
            cmd.attempts = attempt + 1
            u = float(self.streams.random(np.array([s]))[0])
            if u < self._loss or not self.ami.management.running(float(env.now))[meter][0]:
                continue
            cmd.delivered_s = float(env.now)
            self._act(s, cmd)
            return
        cmd.state = "lost"
        self.in_flight[s] = False
        if env.now + self._valve.reissue_after < horizon:
            yield env.timeout(self._valve.reissue_after)
            if self.in_flight[s] or self.acct[s] < 0:
                return
            if cmd.reason == "credit_exhausted" and self.disconnected[s]:
                if self._exhausted(s):
                    self._send(s, "credit_exhausted")
                else:
                    self.disconnected[s] = False
            elif cmd.reason == "credit_restored" and self.disconnected[s] and self.balance[s] > 0:
                self._send(s, "credit_restored")

    def _exhausted(self, s: int) -> bool:
        floor = -int(self._emergency[s]) if self.emergency_on[s] else 0
        return bool(self.balance[s] <= floor)

    def _act(self, s: int, cmd: Command) -> None:
        t = float(cmd.delivered_s)
        self.in_flight[s] = False
        valve = self._water.fleet
        assert isinstance(valve, WaterFleet)
        device = int(self._device[s])
        if cmd.reason == "credit_exhausted":
            friendly = bool(self.friendly[int(t // self.axis.interval_s)])
            if friendly or self.acct[s] < 0 or not self._exhausted(s):
                # topped up meanwhile, or it arrives in a friendly period: withdrawn (the
                # next interval outside one sends a new command if still exhausted)
                cmd.state = "cancelled"
                self.disconnected[s] = False
                return
            valve.valve_open[device] = False
            cmd.executed_s, cmd.state = t, "executed"
            self._intr_start[s] = t
            self._cut_alarms(np.array([s]), t)
            return
        valve.valve_open[device] = True
        cmd.executed_s, cmd.state = t, "executed"
        self.disconnected[s] = False
        if self.alarms is not None:
            self.alarms.restored(s, t)
        if not np.isnan(self._intr_start[s]):
            self._end_interruption(s, t)

    def finish(self) -> None:
        """The tables, with the water accounts (no billing stage lists them)."""
        super().finish()
        self.recorder.accounts(self.population.accounts)
