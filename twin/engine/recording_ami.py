"""Turn the metering infrastructure's arrays into rows of the AMI tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

from twin.clock import TimeAxis, utc_stamps
from twin.comms import QUALITY_CODES, IntervalBatch, RegisterBatch
from twin.meters import EVENT_CODES, FREEZE_COLUMNS, EventRows
from twin.streams import RunWriter

__all__ = ["AmiRecorder"]

_N_REG = 10  # import total + 4 tariffs, export total + 4 tariffs


class AmiRecorder:
    """Writes meter, event, firmware, comms and app tables.

    Parameters
    ----------
    writer : RunWriter
        The run directory being written.
    axis : TimeAxis
        The run's time axis.
    meter_ids : sequence of str
        Identifier of each meter simulated here, by local position (in a shard,
        the members' ids); every meter column is written from this list, and
        the tables carry no run-wide counter, so a shard's rows are the whole
        run's rows of its meters.
    tariffs : int
        Highest tariff in use; tariff columns above it are null.
    """

    TABLES: tuple[str, ...] = (
        "internal/meter_interval",
        "internal/meter_register_daily",
        "internal/meter_register_monthly",
        "internal/meter_event",
        "internal/firmware_update",
        "internal/comm_stats",
        "external/app_daily",
        "truth/meter",
        "truth/meter_energy_daily",
    )

    def __init__(
        self, writer: RunWriter, axis: TimeAxis, *, meter_ids: Sequence[str], tariffs: int
    ):
        self.writer = writer
        self.axis = axis
        self._meters = pa.array(list(meter_ids), type=pa.string())
        self._quality = pa.array(list(QUALITY_CODES), type=pa.string())
        self._tariffs = tariffs
        self.event_listeners: list[Callable[[EventRows, np.ndarray], None]] = []
        """Called with every batch of legal events received (and their ``received_at``)."""
        for table in self.TABLES:
            writer.table(table)

    def _ids(self, meter: np.ndarray) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(meter, pa.int32()), self._meters)

    def stamp(self, seconds: np.ndarray | float, n: int | None = None) -> pa.Array:
        """UTC timestamps of run seconds (NaN -> null)."""
        return utc_stamps(self.axis, seconds, n)

    def _append(self, table: str, columns: list[pa.Array]) -> None:
        w = self.writer.table(table)
        w.append_batch(pa.RecordBatch.from_arrays(columns, schema=w.schema))

    def meter_intervals(self, batch: IntervalBatch) -> None:
        """Readings the head-end settled (missing rows have null energy)."""
        missing = batch.quality == QUALITY_CODES.index("missing")
        mask = missing if missing.any() else None
        self._append(
            "internal/meter_interval",
            [
                self._ids(batch.meter),
                self.stamp(batch.interval_end_s),
                pa.array(batch.import_wh, pa.int64(), mask=mask),
                pa.array(batch.export_wh, pa.int64(), mask=mask),
                pa.DictionaryArray.from_arrays(pa.array(batch.quality, pa.int8()), self._quality),
                self.stamp(batch.received_at_s),
                pa.array(batch.seq_no, pa.int64()),
                self.stamp(batch.meter_time_s),
            ],
        )

    def _register_columns(self, batch: RegisterBatch) -> list[pa.Array]:
        """Meter id, freeze time and the register columns of a freeze batch."""
        n = batch.meter.shape[0]
        regs = []
        for i in range(_N_REG):
            tariff = i % 5
            null = tariff > self._tariffs
            regs.append(pa.array(batch.freeze[:, i], pa.int64(), mask=np.full(n, null)))
        return [self._ids(batch.meter), self.stamp(batch.freeze_time_s, n), *regs]

    def registers(self, batch: RegisterBatch) -> None:
        """Verified daily (and monthly) freezes."""
        common = self._register_columns(batch)
        received = self.stamp(batch.received_at_s)
        self._append("internal/meter_register_daily", [*common, received])
        if batch.kind == "monthly":
            md_time = batch.freeze[:, len(FREEZE_COLUMNS) - 1].astype(np.float64)
            md_time[md_time <= 0] = np.nan
            self._append(
                "internal/meter_register_monthly",
                [
                    *common,
                    pa.array(batch.freeze[:, len(FREEZE_COLUMNS) - 2].astype(np.float64)),
                    self.stamp(md_time),
                    received,
                ],
            )

    def events(self, rows: EventRows, received_at_s: np.ndarray) -> None:
        """Legal event records received."""
        names = [EVENT_CODES[int(c)] for c in rows.code]
        self._append(
            "internal/meter_event",
            [
                self._ids(rows.meter),
                pa.array(rows.seq_no, pa.int64()),
                self.stamp(rows.time_s.astype(np.float64)),
                pa.array(["metrology"] * rows.count, pa.string()),
                pa.array(rows.code, pa.int32()),
                pa.array([x[0] for x in names], pa.string()),
                pa.array([x[1] for x in names], pa.string()),
                pa.array(rows.detail, pa.string()),
                self.stamp(received_at_s),
            ],
        )
        for listener in self.event_listeners:
            listener(rows, received_at_s)

    def firmware(
        self,
        meter: np.ndarray,
        attempt_id: np.ndarray,
        core: str,
        from_version: list[str],
        to_version: str,
        result: list[str],
        started_s: np.ndarray,
        finished_s: np.ndarray,
    ) -> None:
        """Firmware update attempts."""
        n = meter.shape[0]
        self._append(
            "internal/firmware_update",
            [
                self._ids(meter),
                pa.array(attempt_id, pa.int64()),
                pa.array([core] * n, pa.string()),
                pa.array(from_version, pa.string()),
                pa.array([to_version] * n, pa.string()),
                pa.array(result, pa.string()),
                self.stamp(started_s),
                self.stamp(finished_s),
            ],
        )

    def comm_stats(
        self, day: np.datetime64, transformer_ids: np.ndarray, s: dict[str, np.ndarray]
    ) -> None:
        """One day's per-concentrator figures."""
        n = transformer_ids.shape[0]
        attempts = s["attempts"]
        rate = np.where(attempts > 0, s["successes"] / np.maximum(attempts, 1), np.nan)
        self._append(
            "internal/comm_stats",
            [
                pa.array(transformer_ids, pa.int64()),
                pa.array(np.full(n, day, dtype="datetime64[D]"), pa.date32()),
                pa.array(attempts, pa.int64()),
                pa.array(s["successes"], pa.int64()),
                pa.array(rate, pa.float64(), from_pandas=True),
                pa.array(s["latency_p50_s"], pa.float64(), from_pandas=True),
                pa.array(s["latency_p95_s"], pa.float64(), from_pandas=True),
                pa.array(s["latency_p99_s"], pa.float64(), from_pandas=True),
                pa.array(s["backlog"], pa.int64()),
            ],
        )

    def app_power(self, meter: np.ndarray, t_s: float, p_kw: np.ndarray) -> None:
        """Near-real-time power from running management cores."""
        self.writer.table("external/app_power")
        self._append(
            "external/app_power",
            [self._ids(meter), self.stamp(t_s, meter.shape[0]), pa.array(p_kw, pa.float32())],
        )

    def app_daily(
        self,
        meter: np.ndarray,
        day: np.datetime64,
        energy_wh: np.ndarray,
        idle_h: np.ndarray,
        peak_w: np.ndarray,
    ) -> None:
        """Edge-analytics daily summary."""
        n = meter.shape[0]
        self._append(
            "external/app_daily",
            [
                self._ids(meter),
                pa.array(np.full(n, day, dtype="datetime64[D]"), pa.date32()),
                pa.array(energy_wh, pa.int64()),
                pa.array(idle_h, pa.float32()),
                pa.array(peak_w, pa.float32()),
            ],
        )

    def true_energy(self, day: np.datetime64, imp: np.ndarray, exp: np.ndarray) -> None:
        """True energy per meter for one local day (truth)."""
        n = imp.shape[0]
        self._append(
            "truth/meter_energy_daily",
            [
                self._ids(np.arange(n)),
                pa.array(np.full(n, day, dtype="datetime64[D]"), pa.date32()),
                pa.array(imp, pa.float64()),
                pa.array(exp, pa.float64()),
            ],
        )

    def flush_daily(self) -> None:
        """Write the day's rows of the per-day tables as a row group, so that memory stays
        flat however long the run (they would otherwise wait for ``row_group_rows``)."""
        for table in self.TABLES:
            self.writer.table(table).flush()

    def meters(self, columns: dict[str, np.ndarray | list[str]]) -> None:
        """The truth/meter table (written once)."""
        w = self.writer.table("truth/meter")
        data = {"meter_id": self._meters, **columns}
        w.append_batch(pa.RecordBatch.from_pydict(data, schema=w.schema))
