"""Water and gas meters of a run: the fleets, their wM-Bus reading, their tables.

Created from the scenario's ``water`` and ``gas`` sections (None when both
are absent: nothing is drawn or written). Per interval the engine calls
:meth:`UtilityMeters.step` after the household fleet has stepped (the fleets
read its occupancy) and :meth:`UtilityMeters.close_interval` at the interval
end, where each reading time's telegrams are heard by the premises'
management cores and the head-end's rows are written:
``internal/water_interval``, ``internal/gas_interval`` and, at the start,
``truth/water_leak``. Meter ids are the premise's number with ``W`` or ``G``
(``P000017`` has ``W000017`` and ``G000017``).

Draws come from the generators "water" and "gas" and the per-meter streams
"wmbus-water" and "wmbus-gas", keyed by full-fleet household position, so a
shard's meters behave as in the whole run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from twin.clock import IntervalTime, TimeAxis, utc_stamps
from twin.devices.gas import GasFleet
from twin.devices.heating import ThermalFleet
from twin.devices.households import HouseholdFleet
from twin.devices.water import WaterFleet
from twin.devices.weather import load_weather
from twin.members import Members
from twin.meters.wmbus import QUALITY, ReadingRows, WmbusMeters
from twin.random_streams import ItemStreams, RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["MeterKind", "UtilityMeters", "create_utility_meters"]


@dataclass
class MeterKind:
    """One kind of volume meter: its fleet, registers, ids and table."""

    table: str
    fleet: WaterFleet | GasFleet
    meters: WmbusMeters
    reading_k: int
    ids: pa.Array
    premises: pa.Array

    def litres(self, t: IntervalTime, households: HouseholdFleet) -> NDArray[np.float64]:
        if isinstance(self.fleet, WaterFleet):
            return self.fleet.step(t, households)
        kwh = self.fleet.step(t, households)
        return kwh / self.fleet.kwh_per_m3 * 1e3


class UtilityMeters:
    """The run's water and gas meters (either may be absent)."""

    TABLES = ("internal/water_interval", "internal/gas_interval", "truth/water_leak")

    def __init__(self, axis: TimeAxis, kinds: list[MeterKind], writer: RunWriter):
        self.axis, self._kinds, self._writer = axis, kinds, writer
        self._quality = pa.array(list(QUALITY), type=pa.string())
        for kind in kinds:
            writer.table(kind.table)

    @property
    def water(self) -> WaterFleet | None:
        """The water fleet, if any."""
        kind = self.water_kind
        return None if kind is None else cast(WaterFleet, kind.fleet)

    @property
    def water_kind(self) -> MeterKind | None:
        """The water meters (fleet, wM-Bus registers, reading interval), if any."""
        for kind in self._kinds:
            if isinstance(kind.fleet, WaterFleet):
                return kind
        return None

    @property
    def gas(self) -> GasFleet | None:
        """The gas fleet, if any."""
        for kind in self._kinds:
            if isinstance(kind.fleet, GasFleet):
                return kind.fleet
        return None

    def step(self, t: IntervalTime, households: HouseholdFleet) -> None:
        """Advance the fleets over interval ``t`` and count their volumes."""
        for kind in self._kinds:
            kind.meters.add(kind.litres(t, households))

    def close_interval(self, k: int, running: NDArray[np.bool_]) -> None:
        """At the end of interval ``k``: read the meters whose reading time it is.

        ``running`` is bool per household member: its electricity meter's
        management core runs.
        """
        end_s = (k + 1) * self.axis.interval_s
        for kind in self._kinds:
            if (k + 1) % kind.reading_k == 0:
                rows = kind.meters.read(end_s, running[kind.fleet.home])
                self._write(kind, rows)

    def finish(self) -> None:
        """The readings never heard, as ``missing``."""
        for kind in self._kinds:
            self._write(kind, kind.meters.finish())

    def write_leaks(self) -> None:
        """``truth/water_leak``: every leak of the local water meters."""
        for kind in self._kinds:
            if isinstance(kind.fleet, WaterFleet):
                leaks = kind.fleet.leaks
                w = self._writer.table("truth/water_leak")
                cols = [
                    kind.ids.take(pa.array(leaks.meter)).cast(pa.string()),
                    kind.premises.take(pa.array(leaks.meter)).cast(pa.string()),
                    utc_stamps(self.axis, leaks.start_s),
                    utc_stamps(self.axis, leaks.end_s),
                    pa.array(leaks.flow_l_per_h, pa.float64()),
                ]
                w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))

    def _write(self, kind: MeterKind, rows: ReadingRows) -> None:
        if rows.n == 0:
            return
        missing = rows.quality == QUALITY.index("missing")
        mask = missing if missing.any() else None
        reading_s = kind.reading_k * self.axis.interval_s
        meter = pa.array(rows.meter.astype(np.int32))
        if kind.table == "internal/water_interval":
            volume = pa.array(rows.litres, pa.int64(), mask=mask)
        else:
            volume = pa.array(rows.litres / 1e3, pa.float64(), mask=mask)
        w = self._writer.table(kind.table)
        cols = [
            pa.DictionaryArray.from_arrays(meter, kind.ids),
            pa.DictionaryArray.from_arrays(meter, kind.premises),
            utc_stamps(self.axis, (rows.reading + 1) * reading_s),
            volume,
            pa.DictionaryArray.from_arrays(pa.array(rows.quality, pa.int8()), self._quality),
            utc_stamps(self.axis, rows.received_s),
        ]
        w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))


def create_utility_meters(
    scenario: Scenario,
    *,
    axis: TimeAxis,
    rng: RandomTree,
    writer: RunWriter,
    members: Members,
    premise_ids: Sequence[str],
    thermal: ThermalFleet | None,
) -> UtilityMeters | None:
    """The water and gas meters of ``scenario`` at the household members, or None.

    Parameters
    ----------
    members : Members
        The household premises simulated here (of the whole household fleet).
    premise_ids : sequence of str
        Premise id of each household member.
    thermal : ThermalFleet, optional
        The run's thermal fleet (member homes' heating kinds and buildings).
    """
    water, gas = scenario.water, scenario.gas
    if water is None and gas is None:
        return None
    n = members.n_total
    ids = np.asarray(premise_ids, dtype=object)
    kinds: list[MeterKind] = []
    if water is not None:
        leaks = water.leaks
        wf = WaterFleet.create(
            n,
            rng=rng.generator("water"),
            axis=axis,
            share=water.share,
            litres_per_person_day=water.litres_per_person_day,
            leak_rate_per_meter_year=leaks.rate_per_meter_year,
            leak_flow_l_per_h=leaks.flow_l_per_h,
            leak_duration_days=leaks.duration_days,
            members=members,
        )
        streams = ItemStreams(scenario.seed, "wmbus-water", wf.meter_index)
        meters = WmbusMeters(streams, loss=water.wmbus_loss, log_depth=water.log_depth)
        kinds.append(
            _kind("internal/water_interval", wf, meters, water.reading_interval, axis, ids, "W")
        )
    if gas is not None:
        thermal_params = scenario.households.thermal.params()
        gf = GasFleet.create(
            n,
            rng=rng.generator("gas"),
            axis=axis,
            weather=load_weather(scenario.pv.weather),
            params=gas.params(),
            thermal=thermal_params,
            members=members,
            heating_kind=None if thermal is None else thermal.heating_kind,
            frost_heater=None if thermal is None else thermal.frost_heater,
            has_water_heater=None if thermal is None else thermal.has_water_heater,
            buildings=None if thermal is None else thermal.buildings,
        )
        streams = ItemStreams(scenario.seed, "wmbus-gas", gf.meter_index)
        meters = WmbusMeters(streams, loss=gas.wmbus_loss, log_depth=gas.log_depth)
        kinds.append(
            _kind("internal/gas_interval", gf, meters, gas.reading_interval, axis, ids, "G")
        )
    return UtilityMeters(axis, kinds, writer)


def _kind(
    table: str,
    fleet: WaterFleet | GasFleet,
    meters: WmbusMeters,
    reading_s: int,
    axis: TimeAxis,
    premise_ids: NDArray[np.object_],
    prefix: str,
) -> MeterKind:
    premises = [str(p) for p in premise_ids[fleet.home]]
    return MeterKind(
        table=table,
        fleet=fleet,
        meters=meters,
        reading_k=reading_s // axis.interval_s,
        ids=pa.array([prefix + p[1:] for p in premises], pa.string()),
        premises=pa.array(premises, pa.string()),
    )
