"""Streams of the DER fleets: the charging operator's tables and DER telemetry.

- ``external/ev_charger``: one row per charger (home or public connector);
- ``external/ev_session``: OCPP 1.6-like transactions (StartTransaction /
  StopTransaction), written when a session stops; a session still open at
  the run end is written then, with its energy so far and the stop reason
  ``EndOfRun`` (so that each charger's sessions add up to its energy);
- ``external/charger_status``: StatusNotification-like status changes with
  their OCPP 1.6 ChargePointErrorCode;
- ``external/der_telemetry``: PV output, battery power and stored energy of
  every premise with PV or a battery, every ``der_telemetry_every``.

Every identifier comes from a position in the whole fleet, never from a
counter of this process: ``charger_id`` from the charger's position in the
whole EV fleet (home chargers in premise order, then the public connectors
in scenario order), ``transaction_id`` from the session's row in the whole
fleet's session table. A shard writes exactly the rows of the whole run
that concern its premises and connectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import simpy
from numpy.typing import NDArray

from twin.clock import TimeAxis, utc_stamps
from twin.devices.behind_the_meter import DerFleets
from twin.devices.ev import END_OF_RUN, EvEvent, EvFleet
from twin.engine.alarm_charger import ChargerAlarms
from twin.engine.alarms import AlarmLog
from twin.scenario import Scenario
from twin.streams import RunWriter

if TYPE_CHECKING:
    from twin.engine.components import Components

__all__ = ["DerRecorder", "der_lines", "schedule_ev_events"]


class DerRecorder:
    """Writes the DER and EV tables of a run.

    Parameters
    ----------
    writer : RunWriter
        The run's writer.
    axis : TimeAxis
        The run's interval grid.
    der : DerFleets
        The fleets.
    meter_ids, premise_ids : sequence of str
        Identifiers of the meters and premises simulated here (one per
        premise of ``der``, in its local order).
    bus_ids : numpy.ndarray
        Source-network bus id of every prepared bus.
    telemetry_every : int
        Intervals between telemetry rows, 0 for none.
    """

    def __init__(
        self,
        writer: RunWriter,
        axis: TimeAxis,
        der: DerFleets,
        *,
        meter_ids: Sequence[str],
        premise_ids: Sequence[str],
        bus_ids: NDArray[np.int64],
        telemetry_every: int,
    ) -> None:
        self.writer, self.axis, self.der = writer, axis, der
        self._every = telemetry_every
        n = der.n
        self._meter = np.asarray(list(meter_ids), dtype=object)
        self._premise = np.asarray(list(premise_ids), dtype=object)
        if self._meter.size != n or self._premise.size != n:
            raise ValueError(
                f"meter_ids and premise_ids given {self._meter.size} and {self._premise.size} "
                f"ids; expected one per premise simulated here ({n})"
            )
        self._meter_dictionary = pa.array(list(meter_ids), type=pa.string())
        ev = der.ev
        self._charger_ids = np.zeros(0, dtype=object)
        if ev is not None:
            width = max(6, len(str(ev.n_total)))
            self._charger_ids = np.asarray(
                [f"C{i + 1:0{width}d}" for i in ev.charger_index.tolist()], dtype=object
            )
            home = ~ev.is_public
            # premise index of a public connector is n + j (a virtual premise)
            meter = np.full(ev.n, None, dtype=object)
            premise = np.full(ev.n, None, dtype=object)
            meter[home] = self._meter[ev.premise[home]]
            premise[home] = self._premise[ev.premise[home]]
            bus = np.empty(ev.n, dtype=np.int64)
            bus[home] = bus_ids[der.premise_bus[ev.premise[home]]]
            bus[~home] = bus_ids[der.station_bus[ev.premise[~home] - n]]
            self._charger_meter, self._charger_premise = meter, premise
            writer.table("external/ev_charger").append(
                {
                    "charger_id": self._charger_ids,
                    "is_public": ev.is_public,
                    "meter_id": meter,
                    "premise_id": premise,
                    "bus_id": bus,
                    "power_kw": ev.power_kw,
                }
            )
        watched = np.zeros(n, dtype=bool)
        if der.pv is not None:
            watched[der.pv.premise] = True
        if der.storage is not None:
            watched[der.storage.premise] = True
        self._watched = np.flatnonzero(watched)
        self._soc_of = np.full(n, -1, dtype=np.int64)
        if der.storage is not None:
            self._soc_of[der.storage.premise] = np.arange(der.storage.n)
        n_chargers = 0 if der.ev is None else der.ev.n
        # the OCPP 1.6 status each charge point shows now, updated by SimPy events
        self.charger_status = np.full(n_chargers, "Available", dtype=object)
        self._fired: list[tuple[int, int, str, str]] = []
        self.alarms: ChargerAlarms | None = None
        """Faulted charge points' alarms (set by the engine when the run raises them)."""

    def charger_alarms(self, log: AlarmLog) -> ChargerAlarms | None:
        """Raise the charge points' Faulted alarms into ``log`` (None without chargers)."""
        ev = self.der.ev
        if ev is None:
            return None
        self.alarms = ChargerAlarms(log, self._charger_ids, self._charger_premise, ev.is_public)
        return self.alarms

    def schedule_status_changes(self, env: simpy.Environment) -> None:
        """Each charger status change of the interval just stepped as a SimPy event.

        The EV step integrates the interval to the second (plug-in, start of
        charging, full, fault, repair); every resulting StatusNotification is
        then a SimPy timeout at its exact time, created before the interval
        process's own timeout so that at the interval end it fires first.
        When it fires the charge point's status changes and the row is kept
        for ``external/charger_status``.
        """
        if self.der.ev is None:
            return
        rows = self.der.ev.status_changes()
        now = int(env.now)
        for ch, t, status, code in zip(
            rows["charger_id"].tolist(),
            rows["time_s"].tolist(),
            rows["status"].tolist(),
            rows["error_code"].tolist(),
            strict=True,
        ):
            fired = env.timeout(max(int(t) - now, 0))
            fired.callbacks.append(partial(self._status_fired, (int(ch), int(t), status, code)))

    def _status_fired(self, change: tuple[int, int, str, str], _event: simpy.Event) -> None:
        self.charger_status[change[0]] = change[2]
        self._fired.append(change)
        if self.alarms is not None:
            self.alarms.status(change[0], float(change[1]), change[2], change[3])

    @classmethod
    def for_run(
        cls,
        writer: RunWriter,
        scenario: Scenario,
        parts: Components,
        premise_ids: list[str],
        meter_ids: list[str],
    ) -> DerRecorder:
        """The recorder of a run's DER fleets (``parts.der`` must exist).

        ``premise_ids`` and ``meter_ids`` are those of the premises simulated
        here (``parts.der.members``), in order.
        """
        assert parts.der is not None
        every = scenario.outputs.der_telemetry_every
        return cls(
            writer,
            parts.axis,
            parts.der,
            meter_ids=meter_ids,
            premise_ids=premise_ids,
            bus_ids=parts.site.grid.bus_id,
            telemetry_every=0 if every == "none" else int(every) // parts.axis.interval_s,
        )

    def _stamp(self, seconds: NDArray[np.int64]) -> pa.Array:
        return utc_stamps(self.axis, seconds)

    def interval(self, k: int) -> None:
        """After interval ``k``: finished sessions, status changes, telemetry."""
        der = self.der
        der.drain_pv_trips()
        if der.ev is not None:
            self._sessions(der.ev.finished_sessions())
            self._statuses()
        if self._every and (k + 1) % self._every == 0 and self._watched.size:
            self._telemetry((k + 1) * self.axis.interval_s)

    def _sessions(self, rows: dict[str, NDArray]) -> None:
        if not rows["transaction_id"].size:
            return
        t = self.der.totals
        stopped = rows["stop_reason"] != END_OF_RUN  # the summary counts finished sessions
        t.ev_sessions += int(np.count_nonzero(stopped))
        t.ev_not_delivered_wh += int(rows["energy_not_delivered_wh"].sum())
        t.ev_faults += int(np.count_nonzero(stopped & (rows["stop_reason"] != "EVDisconnected")))
        ch = rows["charger_id"]
        self.writer.table("external/ev_session").append(
            {
                "transaction_id": rows["transaction_id"],
                "charger_id": self._charger_ids[ch],
                "connector": rows["connector"],
                "meter_id": self._charger_meter[ch],
                "premise_id": self._charger_premise[ch],
                "start_time": self._stamp(rows["start_s"]),
                "stop_time": self._stamp(rows["stop_s"]),
                "meter_start_wh": rows["meter_start_wh"],
                "meter_stop_wh": rows["meter_stop_wh"],
                "soc_start": rows["soc_start"],
                "soc_end": rows["soc_end"],
                "stop_reason": rows["stop_reason"],
                "energy_requested_wh": rows["energy_requested_wh"],
                "energy_not_delivered_wh": rows["energy_not_delivered_wh"],
            }
        )

    def _statuses(self) -> None:
        """Write the status changes whose SimPy events have fired."""
        if not self._fired:
            return
        fired = sorted(self._fired, key=lambda c: (c[1], c[0]))
        self._fired.clear()
        charger = np.array([c[0] for c in fired], dtype=np.int64)
        self.writer.table("external/charger_status").append(
            {
                "charger_id": self._charger_ids[charger],
                "time": self._stamp(np.array([c[1] for c in fired], dtype=np.int64)),
                "status": [c[2] for c in fired],
                "error_code": [c[3] for c in fired],
            }
        )

    def _telemetry(self, end_s: int) -> None:
        who = self._watched
        der = self.der
        soc = np.full(who.size, np.nan, dtype=np.float32)
        if der.storage is not None:
            has = self._soc_of[who] >= 0
            soc[has] = der.storage.soc_kwh[self._soc_of[who][has]]
        table = self.writer.table("external/der_telemetry")
        table.append_batch(
            pa.RecordBatch.from_arrays(
                [
                    pa.DictionaryArray.from_arrays(
                        pa.array(who, pa.int32()), self._meter_dictionary
                    ),
                    self._stamp(np.full(who.size, end_s, dtype=np.int64)),
                    pa.array(der.pv_kw[who], pa.float32()),
                    pa.array(der.storage_kw[who], pa.float32()),
                    pa.array(soc, pa.float32(), from_pandas=True),
                ],
                schema=table.schema,
            )
        )


def schedule_ev_events(env: simpy.Environment, fleet: EvFleet) -> None:
    """Every plug-in and unplug of the run as a SimPy timeout that updates ``fleet.plugged``.

    The fleet integrates its energy to the second from its own schedule, so
    these events keep only its plugged state current between steps (what a
    charge point's StatusNotification would show); they are created at time
    0 and fire before the interval process at equal times.
    """
    for event in fleet.events():
        timeout = env.timeout(event.time_s)
        timeout.callbacks.append(partial(_apply_ev_event, fleet, event))


def _apply_ev_event(fleet: EvFleet, event: EvEvent, _fired: simpy.Event) -> None:
    fleet.apply(event)


def der_lines(d: dict[str, float]) -> list[str]:
    """Summary lines of the DER figures (none without DER)."""
    if not d:
        return []
    return [
        f"  PV                {d['pv_mwh']:,.3f} MWh, curtailed {d['pv_curtailed_mwh']:,.3f} MWh, "
        f"{int(d['pv_trips'])} trip(s); peak export {d['peak_export_kw']:,.1f} kW",
        f"  EV charging       {d['ev_mwh']:,.3f} MWh in {int(d['ev_sessions']):,} finished "
        f"session(s), {d['ev_not_delivered_mwh']:,.3f} MWh not delivered",
        f"  heating, cooling  heat pumps {d.get('heat_pump_mwh', 0.0):,.3f} MWh, direct electric "
        f"{d.get('direct_heating_mwh', 0.0):,.3f} MWh, air-conditioning "
        f"{d.get('air_conditioning_mwh', 0.0):,.3f} MWh, hot-water tanks "
        f"{d.get('water_heater_mwh', 0.0):,.3f} MWh",
    ]
