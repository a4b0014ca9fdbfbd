"""Theft invariants over random true power and random thieves (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.clock import TimeAxis
from twin.devices.theft import THEFT_KINDS, TheftFleet

AXIS = TimeAxis(pd.Timestamp("2025-10-25", tz="Europe/Berlin"), 3 * 3600, 24, "Europe/Berlin")
"""Three days of 3-h intervals over the end of summer time (a 25-h local day)."""


@given(
    seed=st.integers(0, 2**32 - 1),
    n_meters=st.integers(1, 30),
    thief_share=st.floats(0.0, 1.0),
    export_share=st.floats(0.0, 1.0),
)
@settings(max_examples=60, deadline=None)
def test_meters_see_between_zero_and_the_true_import_and_export_untouched(
    seed: int, n_meters: int, thief_share: float, export_share: float
) -> None:
    rng = np.random.default_rng(seed)
    n = round(thief_share * n_meters)
    kinds = list(rng.choice(THEFT_KINDS, n))
    illegal = np.array([k == "illegal_connection" for k in kinds], dtype=bool)
    meters = np.where(illegal, -1, rng.choice(n_meters, n, replace=False))
    start = rng.integers(-AXIS.interval_s, AXIS.duration_s, n)
    end = start + rng.integers(0, AXIS.duration_s, n)
    fleet = TheftFleet.create(meters, kinds, start, end, rng=rng, axis=AXIS)
    stolen_wh = np.zeros(n_meters)
    for k in range(AXIS.n_intervals):
        t = AXIS.at(k)
        true = rng.exponential(2.0, n_meters) * np.where(
            rng.random(n_meters) < export_share, -1.0, 1.0
        )
        out = fleet.metered_kw(t, true)
        assert np.all(fleet.illegal_kw(t) >= 0.0)
        imp = true >= 0
        assert np.all(out[imp] >= 0.0)
        assert np.all(out[imp] <= true[imp])
        np.testing.assert_array_equal(out[~imp], true[~imp])
        active = (start < t.start_s + t.dt_s) & (end > t.start_s)
        untouched = np.setdiff1d(np.arange(n_meters), meters[active])
        np.testing.assert_array_equal(out[untouched], true[untouched])
        stolen_wh += (true - out) * t.dt_s / 3.6
    rec = fleet.records()
    stolen = (rec["true_wh"] - rec["metered_wh"]).to_numpy()
    np.testing.assert_allclose(stolen[~illegal], stolen_wh[meters[~illegal]], atol=1e-6)
    assert np.all(rec["metered_wh"].to_numpy()[illegal] == 0.0)
