"""The three-phase meters' per-phase profile: phase energy, phase and neutral currents.

Non-household customers with a three-phase connection and generators above
4.6 kW measure each phase (``internal/meter_phase_interval``, OBIS
1-0:21/41/61.8.0 and 1-0:31/51/71/91.7.0). The phase energies split the
interval's measured import (accuracy error included) over the phases and
sum to it; the currents are the interval means. Where a thief bypasses
the meter's phase elements but the return current still flows through its
neutral (the theft's ``neutral_mismatch`` side signal), the neutral reads
the phasor sum of the true load's currents while the phases read the
metered ones, so the neutral no longer matches what the phases imply.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from twin.clock import TimeAxis, utc_stamps
from twin.engine.components import Components
from twin.engine.run_tables import meter_connections
from twin.meters.phases import neutral_current_a, phase_currents_a, split_phase_wh
from twin.streams import RunWriter

__all__ = ["PhaseRecorder"]

TABLE = "internal/meter_phase_interval"


class PhaseRecorder:
    """Writes one row per three-phase meter and interval.

    Parameters
    ----------
    writer : RunWriter
        The run directory being written.
    axis : TimeAxis
        The run's time axis.
    meter_ids : list of str
        Identifier of each local meter.
    meters : numpy.ndarray
        Local positions of the three-phase meters.
    share : numpy.ndarray
        Their share of the power per phase, ``(m, 3)``.
    power_factor : numpy.ndarray
        Their power factor, ``(m,)``.
    error : numpy.ndarray
        Their accuracy error [-] (measured = true x (1 + error)), ``(m,)``.
    true_neutral : numpy.ndarray
        bool ``(m,)``: the neutral reads the true load (a bypass with the return through the meter).
    voltage_ln_v : numpy.ndarray
        Their nominal line-to-neutral voltage [V], ``(m,)``.
    """

    def __init__(
        self,
        writer: RunWriter,
        axis: TimeAxis,
        *,
        meter_ids: list[str],
        meters: NDArray[np.int64],
        share: NDArray[np.float64],
        power_factor: NDArray[np.float64],
        error: NDArray[np.float64],
        true_neutral: NDArray[np.bool_],
        voltage_ln_v: NDArray[np.float64],
    ):
        self.axis = axis
        self._table = writer.table(TABLE)
        self._meters = meters
        self._names = pa.array([meter_ids[i] for i in meters.tolist()], pa.string())
        self._pending: list[tuple[int, NDArray[np.int64], NDArray[np.float64]]] = []
        self._share, self._pf = share, power_factor
        self._gain = 1.0 + error
        self._true_neutral = np.flatnonzero(true_neutral)
        self._u = voltage_ln_v
        self.on_neutral: Callable[[int, NDArray[np.float64]], None] | None = None
        """Called each interval with its end [s] and, per three-phase meter (``meters``
        order), how far the measured neutral current is from what the phases imply [A]."""

    @classmethod
    def for_run(cls, writer: RunWriter, parts: Components) -> PhaseRecorder | None:
        """The recorder of the run's three-phase meters; None when it has none."""
        c = meter_connections(parts)
        n = parts.members.n
        meters = np.flatnonzero(c.phases == 3).astype(np.int64)
        if meters.size == 0:
            return None
        neutral = np.zeros(n, dtype=bool)
        if parts.thefts is not None:
            neutral[parts.thefts.neutral_mismatch_meters()] = True
        return cls(
            writer,
            parts.axis,
            meter_ids=parts.member_ids.meters,
            meters=meters,
            share=c.share[meters],
            power_factor=c.power_factor[meters],
            error=parts.ami.error[meters],
            true_neutral=neutral[meters],
            voltage_ln_v=c.voltage_ln_v[meters],
        )

    @property
    def meters(self) -> NDArray[np.int64]:
        """Local positions of the three-phase meters."""
        return self._meters

    def interval(
        self, end_s: int, seen_kw: NDArray[np.float64], true_kw: NDArray[np.float64]
    ) -> None:
        """Append one interval: ``seen_kw`` what the meters see, ``true_kw`` the true load [kW]."""
        m = self._meters
        measured_kw = np.maximum(seen_kw[m], 0.0) * self._gain
        import_wh = np.rint(measured_kw * self.axis.interval_s / 3.6).astype(np.int64)
        phase_wh = split_phase_wh(import_wh, self._share)
        currents = phase_currents_a(seen_kw[m] * self._gain, self._share, self._pf, self._u)
        neutral = neutral_current_a(currents)
        mismatch = np.zeros(m.size)
        if self._true_neutral.size:
            j = self._true_neutral
            true_i = phase_currents_a(true_kw[m[j]], self._share[j], self._pf[j], self._u[j])
            measured = neutral_current_a(true_i * self._gain[j, None])
            mismatch[j] = np.abs(measured - neutral[j])
            neutral[j] = measured
        if self.on_neutral is not None:
            self.on_neutral(end_s, mismatch)
        self._pending.append((end_s, phase_wh, np.column_stack([currents, neutral])))
        if len(self._pending) >= self.BATCH_INTERVALS:
            self.flush()

    BATCH_INTERVALS = 96
    """Intervals gathered into one record batch (a batch per interval costs more than the rows)."""

    def flush(self) -> None:
        """Write the gathered intervals; call at the end of the run."""
        if not self._pending:
            return
        m = self._meters.size
        k = len(self._pending)
        ends = np.repeat(np.asarray([e for e, _, _ in self._pending], dtype=np.float64), m)
        energy = np.concatenate([wh for _, wh, _ in self._pending])
        amps = np.concatenate([a for _, _, a in self._pending]).astype(np.float32)
        self._pending = []
        ids = pa.DictionaryArray.from_arrays(
            pa.array(np.tile(np.arange(m, dtype=np.int32), k), pa.int32()), self._names
        )
        self._table.append_batch(
            pa.RecordBatch.from_arrays(
                [
                    ids,
                    utc_stamps(self.axis, ends),
                    *(pa.array(energy[:, j], pa.int64()) for j in range(3)),
                    *(pa.array(amps[:, j], pa.float32()) for j in range(4)),
                ],
                schema=self._table.schema,
            )
        )
