"""Area check meters: a legal meter at the LV side of every distribution transformer.

The "total meter" of a transformer area measures the energy the transformer
delivers into its LV network, from which a utility computes the area's line
loss against the customers' meters. Each is a full dual-core meter
(:class:`~twin.engine.ami.Ami`) with its own random streams; its readings
travel the same comms to the head-end and land in
``internal/area_meter_interval`` and ``internal/area_meter_register_daily``.
Its power is known only after the power flow: the LV-side active power of
the transformer(s) feeding the area, import into the area positive; 0 in an
interval whose power flow did not converge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.comms import QUALITY_CODES, IntervalBatch, RegisterBatch
from twin.engine.ami import Ami
from twin.engine.recording_ami import AmiRecorder
from twin.engine.sharding.plan import ShardPlan
from twin.engine.site import Site, member_ids
from twin.grid import PowerFlowResult
from twin.members import Members
from twin.meters.time_switch import tariff_count
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["AreaMeterRecorder", "AreaMeters", "create_area_meters", "lv_transformers"]


def lv_transformers(site: Site) -> NDArray[np.int64]:
    """``net.trafo`` rows that feed an LV area, ascending."""
    area = np.asarray(site.grid.bus_transformer, dtype=np.int64)
    return np.unique(area[area >= 0]).astype(np.int64)


class AreaMeterRecorder(AmiRecorder):
    """Writes the area check meters' readings and registers to the area tables.

    Their events and truth rows share ``internal/meter_event`` and
    ``truth/meter`` with the customer meters; they have no app data, and
    the comms figures are the customer meters' recorder's.
    """

    TABLES = (
        "internal/area_meter_interval",
        "internal/area_meter_register_daily",
        "internal/meter_event",
        "truth/meter",
    )

    def __init__(
        self,
        writer: RunWriter,
        axis: TimeAxis,
        *,
        meter_ids: list[str],
        transformer_ids: NDArray[np.int64],
        tariffs: int,
    ):
        super().__init__(writer, axis, meter_ids=meter_ids, tariffs=tariffs)
        self._transformer_ids = np.asarray(transformer_ids, dtype=np.int64)

    def meter_intervals(self, batch: IntervalBatch) -> None:
        """Readings the head-end settled (missing rows have null energy)."""
        missing = batch.quality == QUALITY_CODES.index("missing")
        mask = missing if missing.any() else None
        self._append(
            "internal/area_meter_interval",
            [
                pa.array(self._transformer_ids[batch.meter], pa.int64()),
                self._ids(batch.meter),
                self.stamp(batch.interval_end_s),
                pa.array(batch.import_wh, pa.int64(), mask=mask),
                pa.array(batch.export_wh, pa.int64(), mask=mask),
                pa.DictionaryArray.from_arrays(pa.array(batch.quality, pa.int8()), self._quality),
                self.stamp(batch.received_at_s),
            ],
        )

    def registers(self, batch: RegisterBatch) -> None:
        """Verified daily freezes (a monthly freeze is also the day's)."""
        self._append(
            "internal/area_meter_register_daily",
            [
                pa.array(self._transformer_ids[batch.meter], pa.int64()),
                *self._register_columns(batch),
                self.stamp(batch.received_at_s),
            ],
        )

    def comm_stats(self, *_: object) -> None:
        """Per-concentrator figures come from the customer meters' recorder."""

    def app_power(self, *_: object) -> None:
        """Area meters have no customer app."""

    def app_daily(self, *_: object) -> None:
        """Area meters have no customer app."""

    def true_energy(self, *_: object) -> None:
        """The areas' truth is ``truth/area_power_flow``."""


@dataclass
class AreaMeters:
    """The area check meters simulated here and what they need from the power flow.

    Attributes
    ----------
    transformers : numpy.ndarray
        int64 ``net.trafo`` row of each local area meter.
    ami : Ami
        Their meters, comms and head-end.
    """

    transformers: NDArray[np.int64]
    ami: Ami

    def close_interval(self, k: int, lv_p_kw: NDArray[np.float64], result: PowerFlowResult) -> None:
        """Meter interval ``k`` and move the data on.

        Parameters
        ----------
        k : int
            Interval number.
        lv_p_kw : numpy.ndarray
            Mean power into each local area at its transformers' LV side [kW]
            (import positive; :attr:`twin.grid.area_balance.AreaTotals.lv_p_kw`).
        result : PowerFlowResult
            The interval's power flow (voltages for the supply watch).
        """
        p_kw = (
            np.nan_to_num(np.asarray(lv_p_kw, dtype=np.float64))
            if result.converged
            else (np.zeros(self.transformers.size))
        )
        self.ami.meter(k, p_kw)
        self.ami.after_flow(k, p_kw, result)


def create_area_meters(
    scenario: Scenario, site: Site, rng: RandomTree, writer: RunWriter, shard: ShardPlan | None
) -> AreaMeters | None:
    """One area check meter per LV transformer simulated here; None when there is none."""
    every = lv_transformers(site)
    if every.size == 0:
        return None
    members = (
        Members.all(every.size)
        if shard is None
        else Members(
            np.flatnonzero(np.isin(every, np.asarray(shard.transformers))).astype(np.int64),
            every.size,
        )
    )
    axis = scenario.time.axis()
    local = np.asarray(members.take(every), dtype=np.int64)
    trafo_ids = site.grid.net.trafo.index.to_numpy(dtype=np.int64)
    lv_bus = site.grid.net.trafo["lv_bus"].to_numpy(dtype=np.int64)
    recorder = AreaMeterRecorder(
        writer,
        axis,
        meter_ids=member_ids("A", members),
        transformer_ids=trafo_ids[local],
        tariffs=tariff_count(scenario.meters.tariff_windows()),
    )
    ami = Ami(
        scenario,
        axis,
        transformer=every,
        meter_bus=lv_bus[every],
        rng=rng.child("area-meters"),
        recorder=recorder,
        members=members,
    )
    return AreaMeters(transformers=local, ami=ami)
