"""The meters' power-quality profile: phase voltages, phase currents and power factor.

With ``outputs.meter_power_quality: all`` every meter writes one row per
interval to ``internal/meter_power_quality`` (:mod:`twin.meters.power_quality`):
the voltage of each of its phases from the power flow at its bus, the
current of each phase from its measured power, and its power factor;
single-phase meters leave L2 and L3 empty. The voltage channels' gain
errors are drawn for the whole fleet from the generator "meter-voltage"
and restricted to the members, so a sharded run writes the unsharded rows.

Where this process does not solve a meter's bus (a medium-voltage meter
while the LV areas are solved one by one, :mod:`twin.grid.islands`), the
meter sees the voltage its areas are solved under: its MV terminal's when
the bus is one, else the fixed MV voltage (``grid.mv_voltage_pu``). An
interval whose power flow did not converge has no readings (nulls).
Rows are gathered over :attr:`PowerQualityRecorder.BATCH_INTERVALS`
intervals into one record batch.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from twin.clock import TimeAxis, utc_stamps
from twin.engine.components import Components
from twin.engine.run_tables import meter_connections
from twin.grid import PowerFlowResult
from twin.grid.islands import IslandedSolver
from twin.meters.power_quality import (
    draw_voltage_error,
    phase_share,
    power_factor_of,
    power_quality_readings,
)
from twin.random_streams import RandomTree
from twin.streams import RunWriter

__all__ = ["PowerQualityRecorder"]

TABLE: Final = "internal/meter_power_quality"


class PowerQualityRecorder:
    """Writes one power-quality row per meter and interval.

    Parameters
    ----------
    writer : RunWriter
        The run directory being written.
    parts : Components
        The run's (or shard's) components.
    seed : int
        The run's seed (the voltage errors' generator).
    """

    BATCH_INTERVALS: Final = 96
    """Intervals gathered into one record batch (a batch per interval costs more than the rows)."""

    def __init__(self, writer: RunWriter, parts: Components, seed: int):
        self.axis: TimeAxis = parts.axis
        self._parts = parts
        self._table = writer.table(TABLE)
        n = parts.members.n
        c = meter_connections(parts)
        self._u_n = c.voltage_ln_v
        self._share = phase_share(c.phases, c.share)
        self._pf_rated = c.power_factor
        self._gain = 1.0 + parts.ami.error
        every = draw_voltage_error(
            RandomTree(seed).generator("meter-voltage"), parts.members.n_total
        )
        self._v_error = np.asarray(parts.members.take(every), dtype=np.float64)
        self._bus = parts.ami.meter_bus
        self._single = np.repeat((c.phases == 1)[:, None], 3, axis=1)
        self._single[:, 0] = False
        self._names = pa.array(parts.member_ids.meters, pa.string())
        self._n = n
        solved = parts.solved_mask("bus", len(parts.site.grid.net.bus))
        self._unsolved = (
            np.zeros(0, dtype=np.int64)
            if solved is None
            else np.flatnonzero(~solved[self._bus]).astype(np.int64)
        )
        self._pending: list[tuple[int, NDArray[np.float32], NDArray[np.float32]]] = []

    @classmethod
    def for_run(
        cls, writer: RunWriter, parts: Components, seed: int, which: str
    ) -> PowerQualityRecorder | None:
        """The recorder of ``outputs.meter_power_quality`` ``which``; None for ``none``."""
        if which == "none" or parts.members.n == 0:
            return None
        return cls(writer, parts, seed)

    def _vm_pu(self, k: int, result: PowerFlowResult) -> NDArray[np.float64]:
        """Voltage at each meter's bus in interval ``k`` [pu] (NaN: not converged)."""
        if not result.converged:
            return np.full(self._n, np.nan)
        vm = np.asarray(result.vm_pu[self._bus], dtype=np.float64)
        if self._unsolved.size:
            solver = self._parts.solver
            held = solver.vm_pu if isinstance(solver, IslandedSolver) else 1.0
            bus = self._bus[self._unsolved]
            value = np.full(bus.size, held)
            terminals = self._parts.terminals
            if terminals is not None and terminals.bus.size:
                pos = np.minimum(np.searchsorted(terminals.bus, bus), terminals.bus.size - 1)
                value = np.where(terminals.bus[pos] == bus, terminals.vm_pu[k, pos], value)
            vm[self._unsolved] = value
        return vm

    def interval(
        self,
        k: int,
        seen_kw: NDArray[np.float64],
        p_kw: NDArray[np.float64],
        q_kvar: NDArray[np.float64],
        result: PowerFlowResult,
    ) -> None:
        """Append interval ``k``.

        Parameters
        ----------
        seen_kw : numpy.ndarray
            Power the meters see (short of what thieves take) [kW].
        p_kw, q_kvar : numpy.ndarray
            True power behind each meter [kW], [kvar] (the power factor).
        result : PowerFlowResult
            The interval's power flow.
        """
        pf = power_factor_of(p_kw, q_kvar, self._pf_rated)
        volts, amps = power_quality_readings(
            self._vm_pu(k, result),
            self._u_n,
            self._v_error,
            seen_kw * self._gain,
            self._share,
            pf,
        )
        values = np.concatenate([volts, amps], axis=1).astype(np.float32)
        self._pending.append(((k + 1) * self.axis.interval_s, values, pf.astype(np.float32)))
        if len(self._pending) >= self.BATCH_INTERVALS:
            self.flush()

    def flush(self) -> None:
        """Write the gathered intervals; call at the end of the run."""
        if not self._pending:
            return
        n, k = self._n, len(self._pending)
        ends = np.repeat(np.asarray([e for e, _, _ in self._pending], dtype=np.float64), n)
        values = np.concatenate([v for _, v, _ in self._pending])
        pf = np.concatenate([p for _, _, p in self._pending])
        self._pending = []
        blank = np.tile(self._single, (k, 1))
        ids = pa.DictionaryArray.from_arrays(
            pa.array(np.tile(np.arange(n, dtype=np.int32), k), pa.int32()), self._names
        )
        columns = [
            pa.array(values[:, j], pa.float32(), mask=blank[:, j % 3] | np.isnan(values[:, j]))
            for j in range(6)
        ]
        self._table.append_batch(
            pa.RecordBatch.from_arrays(
                [ids, utc_stamps(self.axis, ends), *columns, pa.array(pf, pa.float32())],
                schema=self._table.schema,
            )
        )
