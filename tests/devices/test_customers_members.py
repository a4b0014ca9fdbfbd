"""Customer fleets restricted to members, invariants on random fleets, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.clock import TimeAxis
from twin.devices.customers import CUSTOMER_CLASSES, CustomerFleet, CustomerParams
from twin.members import Members

N = 240
CLASSES = [CUSTOMER_CLASSES[i % len(CUSTOMER_CLASSES)] for i in range(N)]
ANNUAL = np.linspace(2_000.0, 400_000.0, N)


def make_axis(start: str = "2025-03-24", days: int = 10, interval_s: int = 900) -> TimeAxis:
    """Across the spring DST change (30 March 2025) in Berlin."""
    n = days * 86_400 // interval_s
    return TimeAxis(pd.Timestamp(start, tz="Europe/Berlin"), interval_s, n, "Europe/Berlin")


def make_fleet(axis: TimeAxis, members: Members | None = None) -> CustomerFleet:
    params = CustomerParams(closed_day_probability={"G4": 0.2, "G1": 0.1, "factory": 0.1})
    return CustomerFleet.create(
        CLASSES,
        ANNUAL,
        rng=np.random.default_rng(21),
        axis=axis,
        temp_air_c=np.linspace(0.0, 35.0, axis.n_intervals),
        params=params,
        members=members,
    )


def test_a_shard_gets_exactly_its_rows_of_the_full_fleet() -> None:
    axis = make_axis()
    members = Members(np.arange(5, N, 7, dtype=np.int64), N)
    full, part = make_fleet(axis), make_fleet(axis, members)
    rows = members.index
    assert part.n == members.n and full.n == N
    for name in (
        "classes",
        "kinds",
        "annual_kwh",
        "peak_kw",
        "phases",
        "phase_share",
        "shift_min",
        "n_shifts",
        "saturday_shift",
        "open_now",
        "closed_today",
    ):
        assert np.array_equal(getattr(full, name)[rows], getattr(part, name)), name
    closed_seen = False
    for k in range(axis.n_intervals):
        t = axis.at(k)
        p_full, q_full = full.step(t)
        p_part, q_part = part.step(t)
        assert np.array_equal(p_full[rows], p_part)
        assert np.array_equal(q_full[rows], q_part)
        assert np.array_equal(full.open_now[rows], part.open_now)
        closed_seen |= bool(part.closed_today.any())
    assert closed_seen


def test_an_empty_shard_steps() -> None:
    axis = make_axis(days=1)
    fleet = make_fleet(axis, Members(np.zeros(0, dtype=np.int64), N))
    p, q = fleet.step(axis.at(0))
    assert p.shape == q.shape == (0,) and fleet.phase_share.shape == (0, 3)


def test_steps_must_come_in_order() -> None:
    axis = make_axis(days=1)
    fleet = make_fleet(axis)
    fleet.step(axis.at(0))
    with pytest.raises(ValueError, match="interval index given 2; expected 1"):
        fleet.step(axis.at(2))


@settings(max_examples=25, deadline=None)
@given(
    classes=st.lists(st.sampled_from(CUSTOMER_CLASSES), min_size=1, max_size=12),
    log_kwh=st.floats(2.0, 6.5),
    interval_s=st.sampled_from([60, 300, 600, 900, 1800, 3600, 7200]),
    start_day=st.integers(0, 2 * 365),
    start_minute=st.sampled_from([0, 5, 15, 30]),
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Shanghai", "America/New_York"]),
    n_intervals=st.integers(1, 120),
    temp=st.floats(-30.0, 50.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_power_is_finite_and_non_negative(
    classes: list[str],
    log_kwh: float,
    interval_s: int,
    start_day: int,
    start_minute: int,
    timezone: str,
    n_intervals: int,
    temp: float,
    seed: int,
) -> None:
    start = pd.Timestamp("2024-12-20", tz=timezone) + pd.Timedelta(
        days=start_day, minutes=start_minute
    )
    axis = TimeAxis(start, interval_s, n_intervals, timezone)
    fleet = CustomerFleet.create(
        classes,
        np.full(len(classes), 10.0**log_kwh),
        rng=np.random.default_rng(seed),
        axis=axis,
        temp_air_c=np.full(n_intervals, temp),
    )
    np.testing.assert_allclose(fleet.phase_share.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(fleet.phase_share >= 0)
    assert set(np.unique(fleet.phases)) <= {1, 3}
    assert np.all(np.isfinite(fleet.peak_kw) & (fleet.peak_kw > 0))
    for k in range(n_intervals):
        p, q = fleet.step(axis.at(k))
        assert np.all(np.isfinite(p) & (p >= 0))
        assert np.all(np.isfinite(q) & (q >= 0))
        assert fleet.open_now.dtype == bool and fleet.open_now.shape == (len(classes),)


def test_bad_input_names_the_value() -> None:
    axis = make_axis(days=1)
    temp = np.zeros(axis.n_intervals)
    rng = np.random.default_rng(0)

    def create(classes: list[str], annual: list[float], **kw: object) -> CustomerFleet:
        kw.setdefault("axis", axis)
        kw.setdefault("temp_air_c", temp)
        return CustomerFleet.create(classes, np.asarray(annual), rng=rng, **kw)  # type: ignore[arg-type]

    with pytest.raises(
        ValueError, match=r"classes given an invalid value 'H0'; expected one of \{'G0'"
    ):
        create(["G0", "H0"], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"annual_kwh given -5\.0 at position 1; expected finite"):
        create(["G0", "G1"], [1.0, -5.0])
    with pytest.raises(ValueError, match=r"annual_kwh given nan"):
        create(["G0"], [float("nan")])
    with pytest.raises(ValueError, match=r"annual_kwh given shape \(1,\); expected \(2,\)"):
        create(["G0", "G1"], [1.0])
    with pytest.raises(ValueError, match=r"temp_air_c given shape \(3,\); expected \(96,\)"):
        create(["G0"], [1.0], temp_air_c=np.zeros(3))
    with pytest.raises(ValueError, match="temp_air_c given non-finite"):
        create(["G0"], [1.0], temp_air_c=np.full(96, np.inf))
    odd = TimeAxis(axis.start, 420, 10, axis.timezone)
    with pytest.raises(ValueError, match=r"axis.interval_s given 420; expected a divisor of a day"):
        create(["G0"], [1.0], axis=odd, temp_air_c=np.zeros(10))
    with pytest.raises(ValueError, match="members given for a fleet of 5; expected 1"):
        create(["G0"], [1.0], members=Members.all(5))


def test_bad_params_name_every_problem() -> None:
    with pytest.raises(ValueError) as err:
        CustomerParams(
            country="XX",
            power_factor_factory=0.0,
            closed_day_probability={"G9": 0.1},
            factory_shift_shares=(0.0, 0.0, 0.0),
        )
    message = str(err.value)
    assert message.startswith("invalid CustomerParams: ")
    for part in (
        "country/subdivision given 'XX'/None",
        "power_factor_factory given 0.0",
        "closed_day_probability given unknown classes ['G9']",
        "factory_shift_shares given (0.0, 0.0, 0.0)",
    ):
        assert part in message
    with pytest.raises(ValueError, match="country/subdivision given 'DE'/'ZZ'"):
        CustomerParams(subdivision="ZZ")
    p = CustomerParams(subdivision="BY")
    assert p.power_factor("factory") == 0.9 and p.variation("base_station").shift_max_min == 0
    with pytest.raises(ValueError, match="kind given an invalid value 'shop'"):
        p.variation("shop")
