"""Run seconds to UTC timestamps: the fast paths give what pandas gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.clock import TimeAxis, utc_stamps

AXIS = TimeAxis(pd.Timestamp("2025-03-30", tz="Europe/Berlin"), 900, 96, "Europe/Berlin")


def _expected(seconds: np.ndarray) -> pd.Series:
    start = AXIS.start_utc_ns // 1000
    us = pd.array([None if not np.isfinite(s) else start + round(s * 1e6) for s in seconds])
    return pd.to_datetime(pd.Series(us, dtype="Int64"), unit="us", utc=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=50))
def test_integer_seconds_convert_exactly(values: list[int]) -> None:
    seconds = np.array(values, dtype=np.int64)
    got = utc_stamps(AXIS, seconds).to_pandas()
    pd.testing.assert_series_equal(got, _expected(seconds.astype(float)), check_names=False)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(st.integers(0, 10**8), st.floats(0, 1e8), st.just(float("nan"))),
    st.integers(0, 30),
)
def test_a_repeated_scalar_is_the_same_stamp_n_times(value: float, n: int) -> None:
    got = utc_stamps(AXIS, value, n).to_pandas()
    pd.testing.assert_series_equal(
        got, _expected(np.full(n, float(value))), check_names=False, check_dtype=False
    )
