"""Line loading, streamed: per-line histograms give duration curves in bounded memory.

``internal/line_interval`` can hold as many rows as the bus voltages, so each
record batch is reduced to a histogram of loading per line (0.5 % bins) plus
the maximum per line and the maximum over all lines per interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.streams import interval_index
from twin.studies.grid_loading.transformers import DURATION_POINTS

__all__ = ["LINE_BIN_EDGES_PERCENT", "LineLoading", "accumulate_line_loading"]

LINE_BIN_EDGES_PERCENT = np.append(np.arange(0.0, 300.0 + 1e-9, 0.5), np.inf)
"""Histogram edges of line loading [%]: 0.5 % bins to 300 %, then one open bin."""


@dataclass
class LineLoading:
    """What the line-loading pass keeps.

    Attributes
    ----------
    line_ids : numpy.ndarray
        int64 line ids, one per histogram row.
    histogram : numpy.ndarray
        Intervals per line and loading bin of :data:`LINE_BIN_EDGES_PERCENT`.
    max_percent, sum_percent : numpy.ndarray
        Maximum and sum of each line's loading [%].
    interval_max_percent : numpy.ndarray
        Highest loading over all lines in each interval [%] (NaN without data).
    """

    line_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    histogram: np.ndarray = field(
        default_factory=lambda: np.zeros((0, len(LINE_BIN_EDGES_PERCENT) - 1), dtype=np.int64)
    )
    max_percent: np.ndarray = field(default_factory=lambda: np.empty(0))
    sum_percent: np.ndarray = field(default_factory=lambda: np.empty(0))
    interval_max_percent: np.ndarray = field(default_factory=lambda: np.empty(0))

    def _grow(self, new_ids: np.ndarray) -> None:
        n = len(new_ids)
        self.line_ids = np.concatenate([self.line_ids, new_ids])
        bins = self.histogram.shape[1]
        self.histogram = np.vstack([self.histogram, np.zeros((n, bins), dtype=np.int64)])
        self.max_percent = np.concatenate([self.max_percent, np.full(n, -np.inf)])
        self.sum_percent = np.concatenate([self.sum_percent, np.zeros(n)])

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Histogram row of each id in ``ids``, adding rows for unseen ids."""
        unseen = np.setdiff1d(np.unique(ids), self.line_ids)
        if unseen.size:
            self._grow(unseen)
        order = np.argsort(self.line_ids)
        return order[np.searchsorted(self.line_ids, ids, sorter=order)]

    def summary(self, *, interval_s: int, limit_percent: float = 100.0) -> pd.DataFrame:
        """Per line: intervals, peak, mean and p95 loading [%], hours above the limit [h].

        The p95 and the hours above ``limit_percent`` come from the
        histogram, so they are exact to the 0.5 % bin.
        """
        counts = self.histogram.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts > 0, self.sum_percent / counts, np.nan)
        above = LINE_BIN_EDGES_PERCENT[:-1] >= limit_percent
        return pd.DataFrame(
            {
                "line_id": self.line_ids,
                "intervals": counts,
                "peak_loading_percent": np.where(counts > 0, self.max_percent, np.nan),
                "mean_loading_percent": mean,
                "p95_loading_percent": self.quantile_curve(np.array([0.05]))[:, 0],
                f"hours_above_{limit_percent:.0f}": self.histogram[:, above].sum(axis=1)
                * interval_s
                / 3_600.0,
            }
        ).sort_values("line_id", ignore_index=True)

    def quantile_curve(self, shares: np.ndarray = DURATION_POINTS) -> np.ndarray:
        """Loading exceeded during each share of time, per line [%] (bin lower edges)."""
        counts = self.histogram.sum(axis=1)
        out = np.full((len(self.line_ids), len(shares)), np.nan)
        # cumulative intervals from the highest bin down
        cum = np.cumsum(self.histogram[:, ::-1], axis=1)
        lower = LINE_BIN_EDGES_PERCENT[:-1][::-1]
        peak = np.where(counts > 0, self.max_percent, np.nan)
        for j, share in enumerate(shares):
            if share <= 0.0:
                out[:, j] = peak
                continue
            need = np.maximum(np.ceil(share * counts), 1)
            first = (cum >= need[:, None]).argmax(axis=1)
            out[:, j] = np.where(counts > 0, np.fmin(lower[first], peak), np.nan)
        return out


def accumulate_line_loading(
    frames: Iterable[pd.DataFrame], *, start_us: int, interval_us: int, n_intervals: int
) -> LineLoading:
    """Reduce ``internal/line_interval`` batches to a :class:`LineLoading`.

    Parameters
    ----------
    frames : iterable of pandas.DataFrame
        Batches with ``line_id``, ``interval_end`` (UTC) and
        ``loading_percent`` [%] (NaN when not converged).
    start_us : int
        Run start [µs since the Unix epoch].
    interval_us : int
        Interval length [µs].
    n_intervals : int
        Intervals in the run (length of ``interval_max_percent``).
    """
    acc = LineLoading()
    interval_max = np.full(n_intervals, -np.inf)
    for frame in frames:
        loading = frame["loading_percent"].to_numpy(dtype=np.float64)
        ok = np.isfinite(loading)
        if not ok.any():
            continue
        loading = loading[ok]
        rows = acc.rows_of(frame["line_id"].to_numpy(dtype=np.int64)[ok])
        ends = frame["interval_end"][ok]
        index = interval_index(ends, start_us=start_us, interval_us=interval_us)
        index = np.clip(index, 0, max(n_intervals - 1, 0))
        bins = np.searchsorted(LINE_BIN_EDGES_PERCENT, loading, side="right") - 1
        bins = np.clip(bins, 0, acc.histogram.shape[1] - 1)
        n_lines, n_bins = acc.histogram.shape
        flat = np.bincount(rows * n_bins + bins, minlength=n_lines * n_bins)
        acc.histogram += flat.reshape(n_lines, n_bins)
        acc.sum_percent += np.bincount(rows, weights=loading, minlength=n_lines)
        np.maximum.at(acc.max_percent, rows, loading)
        if n_intervals:
            np.maximum.at(interval_max, index, loading)
    acc.interval_max_percent = np.where(np.isfinite(interval_max), interval_max, np.nan)
    return acc
