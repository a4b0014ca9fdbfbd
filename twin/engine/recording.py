"""Turn the engine's arrays into rows of the declared tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from twin.clock import TimeAxis, utc_stamps
from twin.engine.recording_daily import DailyTable
from twin.grid import PowerFlowResult
from twin.grid.area_balance import AreaTotals
from twin.streams import RunWriter, schema_for

__all__ = ["OccupancySpells", "Recorder"]


class OccupancySpells:
    """Turns per-interval presence into home/away spells (run-length encoding).

    Parameters
    ----------
    n : int
        Number of premises.
    dt_s : int
        Interval length [s].
    """

    def __init__(self, n: int, dt_s: int):
        self.dt_s = dt_s
        self._present: np.ndarray | None = None
        self._since_s = np.zeros(n, dtype=np.int64)

    def observe(
        self, index: int, present: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Presence during interval ``index``; returns the spells that ended at its start.

        Returns
        -------
        premise, start_s, end_s, present : numpy.ndarray
            Finished spells (fleet index, start and end [s since run start], state).
        """
        start_s = index * self.dt_s
        if self._present is None:
            self._present = present.copy()
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty, np.empty(0, dtype=bool)
        changed = np.flatnonzero(present != self._present)
        ended = (
            changed,
            self._since_s[changed].copy(),
            np.full(changed.size, start_s, dtype=np.int64),
            self._present[changed].copy(),
        )
        self._since_s[changed] = start_s
        self._present[changed] = present[changed]
        return ended

    def close(self, end_s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The spells still open at the end of the run."""
        if self._present is None:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty, np.empty(0, dtype=bool)
        n = self._present.size
        return (
            np.arange(n, dtype=np.int64),
            self._since_s.copy(),
            np.full(n, end_s, dtype=np.int64),
            self._present.copy(),
        )


class Recorder:
    """Writes the run's tables through a :class:`~twin.streams.RunWriter`.

    Parameters
    ----------
    writer : RunWriter
        The run directory being written.
    axis : TimeAxis
        The run's time axis (for UTC stamps).
    meter_ids : sequence of str
        Identifier of each meter, by fleet index.
    bus_ids : numpy.ndarray
        pandapower bus index of each solver bus row.
    bus_mask : numpy.ndarray
        Which bus rows go to ``internal/bus_voltage``.
    transformer_ids : numpy.ndarray
        pandapower trafo index of each solver trafo row.
    line_ids : numpy.ndarray or None
        pandapower line index of each line row; None writes no line loading.
    premise_ids : sequence of str
        Identifier of each premise, by fleet index.
    transformer_mask, line_mask : numpy.ndarray, optional
        Which trafo / line rows are written (default all): a run that solves
        only some LV areas writes only theirs.
    solved_buses : numpy.ndarray, optional
        Positions of the bus rows the run solves (default all): the others are NaN
        and the power flow's extremes need not look at them.
    bus_daily, line_daily : bool, optional
        Write the buses' (lines') daily extremes to ``internal/bus_voltage_daily``
        (``internal/line_daily``) instead of every interval to ``internal/bus_voltage``
        (``internal/line_interval``): ``outputs.*: daily_extremes``.
    """

    def __init__(
        self,
        writer: RunWriter,
        axis: TimeAxis,
        *,
        meter_ids: Sequence[str],
        bus_ids: np.ndarray,
        bus_mask: np.ndarray,
        transformer_ids: np.ndarray,
        line_ids: np.ndarray | None,
        premise_ids: Sequence[str],
        transformer_mask: np.ndarray | None = None,
        line_mask: np.ndarray | None = None,
        bus_daily: bool = False,
        line_daily: bool = False,
        solved_buses: np.ndarray | None = None,
    ):
        self.writer = writer
        self.axis = axis
        self._meter_dictionary = pa.array(list(meter_ids), type=pa.string())
        self._bus_rows = np.flatnonzero(np.asarray(bus_mask, dtype=bool))  # gathers: O(own)
        self._bus_ids = pa.array(np.asarray(bus_ids, dtype=np.int64)[self._bus_rows])
        self._solved_buses: np.ndarray | slice = (
            slice(None) if solved_buses is None else np.asarray(solved_buses, dtype=np.intp)
        )
        n_trafo = len(transformer_ids)
        self._trafo_mask = (
            np.ones(n_trafo, bool)
            if transformer_mask is None
            else np.asarray(transformer_mask, bool)
        )
        self._trafo_ids = pa.array(np.asarray(transformer_ids, dtype=np.int64)[self._trafo_mask])
        self._trafo = writer.table("internal/transformer_interval")
        self._bus = None
        self._bus_daily = None
        if self._bus_rows.size and bus_daily:
            table = writer.table("internal/bus_voltage_daily")
            self._bus_daily = DailyTable(table, axis, self._bus_ids, "vm")
        elif self._bus_rows.size:
            self._bus = writer.table("internal/bus_voltage")
        self._power_flow = writer.table("truth/power_flow")
        self._line_rows: np.ndarray | slice = (
            slice(None) if line_mask is None else np.flatnonzero(np.asarray(line_mask, dtype=bool))
        )
        self._line_ids = (
            None if line_ids is None else pa.array(np.asarray(line_ids, np.int64)[self._line_rows])
        )
        self._lines = None
        self._lines_daily = None
        if self._line_ids is not None and line_daily:
            table = writer.table("internal/line_daily")
            self._lines_daily = DailyTable(table, axis, self._line_ids, "loading")
        elif self._line_ids is not None:
            self._lines = writer.table("internal/line_interval")
        self._premise_dictionary = pa.array(list(premise_ids), type=pa.string())
        self._occupancy = writer.table("truth/occupancy")
        self.on_transformers: Callable[[int, np.ndarray, np.ndarray], None] | None = None
        """Called with each interval's end [s], p_kw and loading_percent of the recorded
        transformers (what internal/transformer_interval receives), for the platform's
        forecasts."""

    @property
    def transformer_ids(self) -> np.ndarray:
        """``net.trafo`` indices of the recorded transformers, in row order."""
        return np.asarray(self._trafo_ids.to_numpy(), dtype=np.int64)

    def _stamp(self, seconds: np.ndarray | int, n: int | None = None) -> pa.Array:
        return utc_stamps(self.axis, seconds, n)

    def grid(self, end_s: int, result: PowerFlowResult, solve_ms: float, load_p_kw: float) -> None:
        """Append one interval's transformer, bus and power-flow rows."""
        n_trafo = len(self._trafo_ids)
        rows = self._trafo_mask
        self._trafo.append_batch(
            pa.RecordBatch.from_arrays(
                [
                    self._trafo_ids,
                    self._stamp(end_s, n_trafo),
                    pa.array(result.trafo_p_mw[rows] * 1000.0, pa.float64()),
                    pa.array(result.trafo_q_mvar[rows] * 1000.0, pa.float64()),
                    pa.array(result.trafo_loading_percent[rows], pa.float64()),
                ],
                schema=self._trafo.schema,
            )
        )
        if self.on_transformers is not None:
            self.on_transformers(
                end_s, result.trafo_p_mw[rows] * 1000.0, result.trafo_loading_percent[rows]
            )
        if self._bus is not None:
            vm = result.vm_pu[self._bus_rows].astype(np.float32)
            self._bus.append_batch(
                pa.RecordBatch.from_arrays(
                    [self._bus_ids, self._stamp(end_s, len(vm)), pa.array(vm, pa.float32())],
                    schema=self._bus.schema,
                )
            )
        if self._bus_daily is not None:
            self._bus_daily.add(end_s, result.vm_pu[self._bus_rows].astype(np.float32))
        if self._lines_daily is not None:
            self._lines_daily.add(
                end_s, result.line_loading_percent[self._line_rows].astype(np.float32)
            )
        if self._lines is not None and self._line_ids is not None:
            loading = result.line_loading_percent[self._line_rows].astype(np.float32)
            self._lines.append_batch(
                pa.RecordBatch.from_arrays(
                    [self._line_ids, self._stamp(end_s, len(loading)), pa.array(loading)],
                    schema=self._lines.schema,
                )
            )
        vm_all = result.vm_pu[self._solved_buses]
        finite = vm_all[np.isfinite(vm_all)]
        self._power_flow.append(
            {
                "interval_end": self._stamp(end_s, 1),
                "converged": [bool(result.converged)],
                "solve_ms": [float(solve_ms)],
                "load_p_kw": [float(load_p_kw)],
                "vm_min_pu": [float(finite.min()) if finite.size else None],
                "vm_max_pu": [float(finite.max()) if finite.size else None],
            }
        )

    def areas(self, end_s: int, transformer_ids: np.ndarray, totals: AreaTotals) -> None:
        """Append one interval's balance of the areas of ``totals`` (one per entry of
        ``transformer_ids``) to ``truth/area_power_flow``."""
        n = len(transformer_ids)
        if n == 0:
            return
        table = self.writer.table("truth/area_power_flow")
        table.append_batch(
            pa.RecordBatch.from_arrays(
                [
                    pa.array(transformer_ids, pa.int64()),
                    self._stamp(end_s, n),
                    pa.array(totals.load_kw, pa.float64()),
                    pa.array(totals.generation_kw, pa.float64()),
                    pa.array(totals.line_loss_kw, pa.float64()),
                    pa.array(totals.trafo_loss_kw, pa.float64()),
                    pa.array(totals.lv_p_kw, pa.float64()),
                ],
                schema=table.schema,
            )
        )

    def occupancy(
        self, premise: np.ndarray, start_s: np.ndarray, end_s: np.ndarray, present: np.ndarray
    ) -> None:
        """Append finished home/away spells to ``truth/occupancy``."""
        if premise.size == 0:
            return
        columns = [
            pa.DictionaryArray.from_arrays(pa.array(premise, pa.int32()), self._premise_dictionary),
            self._stamp(start_s),
            self._stamp(end_s),
            pa.array(present, pa.bool_()),
        ]
        self._occupancy.append_batch(
            pa.RecordBatch.from_arrays(columns, schema=self._occupancy.schema)
        )

    def frame(self, table: str, frame: pd.DataFrame) -> None:
        """Append a whole DataFrame (small tables written once: premises, vacancy)."""
        schema = schema_for(table)
        self.writer.table(table).append_batch(
            pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False)
        )
