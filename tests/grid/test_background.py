"""Background injections against direct lookups of the SimBench profiles."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd
import pytest
import simbench

from tests.grid.conftest import SEMIURB4
from twin.clock import TimeAxis
from twin.grid import BackgroundInjections, load_network, profile_rows
from twin.grid.catalog import NetworkSource
from twin.grid.network import build_grid_model

ZONE = "Europe/Berlin"
ROWS = 35_136  # SimBench: 366 days (2016) x 96 quarter hours


def _axis(start: str, interval_s: int, n: int) -> TimeAxis:
    return TimeAxis(
        start=pd.Timestamp(start, tz=ZONE), interval_s=interval_s, n_intervals=n, timezone=ZONE
    )


@pytest.mark.parametrize(
    ("doy", "second", "dt", "rows", "weights"),
    [
        (1, 0, 900, [0], [1.0]),  # first quarter hour of the year
        (2, 10 * 3600, 3600, [136, 137, 138, 139], [0.25] * 4),  # 1 h averages 4 rows
        (1, 20 * 60, 300, [1], [1.0]),  # 5 min falls in one row
        (1, 10 * 60, 600, [0, 1], [0.5, 0.5]),  # 10 min straddles two rows
        (366, 86_400 - 900, 900, [ROWS - 1], [1.0]),  # leap day 366, last row
        (366, 86_400 - 1800, 3600, [ROWS - 2, ROWS - 1, 0, 1], [0.25] * 4),  # wraps
        (365, 23 * 3600, 86_400 // 24, [364 * 96 + 92 + i for i in range(4)], [0.25] * 4),
    ],
)
def test_profile_rows(
    doy: int, second: int, dt: int, rows: list[int], weights: list[float]
) -> None:
    got_rows, got_weights = profile_rows(doy, second, dt, n_rows=ROWS)
    np.testing.assert_array_equal(got_rows, rows)
    np.testing.assert_allclose(got_weights, weights)


def test_profile_rows_refuses_empty_interval() -> None:
    with pytest.raises(ValueError, match="dt_s given 0"):
        profile_rows(1, 0, 0, n_rows=ROWS)


@pytest.fixture
def reference(semiurb4_raw: pp.pandapowerNet) -> dict[str, pd.DataFrame]:
    """Absolute profiles computed by simbench itself (small network: 41 loads)."""
    return {
        key: simbench.get_absolute_profiles_from_relative_profiles(semiurb4_raw, element, column)
        for key, element, column in [
            ("load_p", "load", "p_mw"),
            ("load_q", "load", "q_mvar"),
            ("sgen_p", "sgen", "p_mw"),
        ]
    }


def _expected_row(stamp: pd.Timestamp) -> int:
    return int((stamp.dayofyear - 1) * 96 + (stamp.hour * 60 + stamp.minute) // 15)


@pytest.mark.parametrize("interval_s", [900, 3600])
def test_background_matches_simbench_profiles(
    reference: dict[str, pd.DataFrame], interval_s: int
) -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    axis = _axis("2025-03-03T00:00", interval_s, 2 * 86_400 // interval_s)
    background = BackgroundInjections(grid, axis)
    assert background.has_profiles
    local = pd.date_range(axis.start, periods=axis.n_intervals, freq=f"{interval_s}s")
    n_rows = interval_s // 900
    for index in [0, 5, 37, axis.n_intervals - 1]:
        first = _expected_row(local[index])
        rows = [first + k for k in range(n_rows)]
        load_p, load_q, sgen_p = background.at(index)
        expect_p = reference["load_p"].iloc[rows].mean().to_numpy()
        expect_q = reference["load_q"].iloc[rows].mean().to_numpy()
        expect_s = reference["sgen_p"].iloc[rows].mean().to_numpy()
        res = grid.residential
        assert (load_p[res] == 0).all() and (load_q[res] == 0).all()
        np.testing.assert_allclose(load_p[~res], expect_p[~res], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(load_q[~res], expect_q[~res], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(sgen_p, expect_s, rtol=1e-6, atol=1e-12)


def test_background_uses_local_time_across_dst(reference: dict[str, pd.DataFrame]) -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    # 2025-03-30: clocks jump from 02:00 to 03:00 CEST in Europe/Berlin
    axis = _axis("2025-03-30T00:00", 900, 24)
    background = BackgroundInjections(grid, axis)
    index = 8  # starts 02:00 UTC+1 = 01:00 UTC = 03:00 CEST
    row = (89 - 1) * 96 + 12
    _, _, sgen_p = background.at(index)
    np.testing.assert_allclose(sgen_p, reference["sgen_p"].iloc[row].to_numpy(), rtol=1e-6)


def test_background_without_profiles_is_nominal(tiny_network: pp.pandapowerNet) -> None:
    grid = build_grid_model(tiny_network, NetworkSource("tiny", "file"))
    background = BackgroundInjections(grid, _axis("2025-01-01T00:00", 900, 4))
    assert not background.has_profiles
    load_p, _, sgen_p = background.at(3)
    nominal = grid.net.load["p_mw"].to_numpy()
    np.testing.assert_array_equal(load_p, np.where(grid.residential, 0.0, nominal))
    assert load_p[0] == pytest.approx(0.2)  # the MV load
    np.testing.assert_array_equal(sgen_p, grid.net.sgen["p_mw"].to_numpy())
    load_p[:] = -1.0  # fresh arrays: the caller may change them
    assert background.at(3)[0][0] == pytest.approx(0.2)
    with pytest.raises(IndexError, match="interval index 4 is out of range"):
        background.at(4)
