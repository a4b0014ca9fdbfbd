"""Presence-detected common-area lighting: the mean level between standby and full."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from twin.devices.lighting import motion_level


def test_reference_levels() -> None:
    # nobody active: standby; 6 households x 0.5/h x 2 min = 0.1 passages held on average
    level = motion_level(np.array([0.0, 6.0]), 0.5, 120.0, 0.2)
    np.testing.assert_allclose(level, [0.2, 0.2 + 0.8 * (1.0 - np.exp(-0.1))])


@given(
    active=st.lists(st.integers(0, 200), min_size=1, max_size=20),
    rate=st.floats(0.0, 60.0),
    hold=st.floats(1.0, 3600.0),
    standby=st.floats(0.0, 1.0),
)
def test_level_stays_between_standby_and_full_and_rises_with_activity(
    active: list[int], rate: float, hold: float, standby: float
) -> None:
    a = np.sort(np.asarray(active, dtype=np.float64))
    level = motion_level(a, rate, hold, standby)
    assert (level >= standby - 1e-12).all() and (level <= 1.0 + 1e-12).all()
    assert (np.diff(level) >= -1e-12).all()
