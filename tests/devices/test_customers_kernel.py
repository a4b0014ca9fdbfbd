"""Layer 1 of the non-household customers: noise algebra, base stations, factory shifts."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import lfilter

from twin.devices.customers import (
    CUSTOMER_CLASSES,
    EARTH_MACRO,
    base_station_cooling_kw,
    base_station_it_kw,
    closed_day_start_probability,
    customer_kind_of,
    earth_power_w,
    mean_one_lognormal,
    normal_quantile_table,
    ou_interval_lag1_correlation,
    ou_interval_mean_sd,
    shift_window_level,
    traffic_fraction,
)


def test_customer_kinds_of_every_class() -> None:
    kinds = [customer_kind_of(c) for c in CUSTOMER_CLASSES]
    assert kinds == ["commercial"] * 7 + ["agricultural"] * 3 + ["base_station", "factory"]
    with pytest.raises(ValueError, match=r"customer_class given an invalid value 'H0'; expected"):
        customer_kind_of("H0")


def test_normal_table_is_a_standard_normal() -> None:
    table = normal_quantile_table(4096)
    assert np.all(np.diff(table) > 0)
    assert table.mean() == pytest.approx(0.0, abs=1e-12)
    assert np.mean(table**2) == pytest.approx(1.0, abs=1e-12)
    assert np.mean(table**4) == pytest.approx(3.0, abs=0.01)  # normal kurtosis
    # Bin means of N(0, 1): the first of two bins is -sqrt(2/pi).
    two = normal_quantile_table(2)
    assert two[0] == pytest.approx(-1.0)  # rescaled to unit variance
    with pytest.raises(ValueError, match="at least 2"):
        normal_quantile_table(1)


@pytest.mark.parametrize("sigma", [0.0, 0.1, 0.5])
def test_mean_one_lognormal_has_mean_one(sigma: float) -> None:
    z = normal_quantile_table(1 << 14)
    factors = mean_one_lognormal(z, sigma)
    assert factors.mean() == pytest.approx(1.0, abs=2e-3)
    assert np.all(factors > 0)
    assert mean_one_lognormal(0.0, 0.2) == pytest.approx(math.exp(-0.02))  # scalar input


def test_ou_interval_statistics_closed_form() -> None:
    # g(x) = 2 (x - 1 + e^-x) / x^2: g(1) = 2/e, g(4) = (3 + e^-4) / 8.
    assert ou_interval_mean_sd(0.2, 900.0, 900) == pytest.approx(0.2)
    expected = 0.2 * math.sqrt(((3 + math.exp(-4)) / 8) / (2 / math.e))
    assert ou_interval_mean_sd(0.2, 900.0, 3600) == pytest.approx(expected)
    # Shorter intervals see more of the process; the limit is its own sd.
    short = [float(ou_interval_mean_sd(0.2, 900.0, dt)) for dt in (1.0, 300.0, 900.0, 7200.0)]
    assert short == sorted(short, reverse=True)
    assert short[0] == pytest.approx(0.2 / math.sqrt(2 / math.e), rel=1e-3)
    # Lag-1 correlation of interval means: (1 - e^-x)^2 / (2 (x - 1 + e^-x)).
    x = 1.0
    rho = (1 - math.exp(-x)) ** 2 / (2 * (x - 1 + math.exp(-x)))
    assert ou_interval_lag1_correlation(900.0, 900) == pytest.approx(rho)
    assert ou_interval_lag1_correlation(1e6, 900) == pytest.approx(1.0, abs=1e-3)
    assert ou_interval_lag1_correlation(60.0, 86_400) < 0.01
    with pytest.raises(ValueError, match="dt_s"):
        ou_interval_mean_sd(0.2, 900.0, 0)
    with pytest.raises(ValueError, match="tau_s"):
        ou_interval_lag1_correlation(0.0, 900)


def test_ou_interval_statistics_match_a_simulated_process() -> None:
    rng = np.random.default_rng(4)
    tau, h = 900.0, 10.0  # an OU process sampled every 10 s, 50 days
    a = math.exp(-h / tau)
    x = lfilter([math.sqrt(1 - a * a)], [1.0, -a], rng.standard_normal(432_000))[1_000:]

    def means(dt: int) -> np.ndarray:
        per = int(dt / h)
        return x[: x.size - x.size % per].reshape(-1, per).mean(axis=1)

    sd_15 = means(900).std()
    for dt in (300, 900, 3600):
        m = means(dt)
        assert m.std() == pytest.approx(float(ou_interval_mean_sd(sd_15, tau, dt)), rel=0.05)
        lag1 = np.corrcoef(m[:-1], m[1:])[0, 1]
        assert lag1 == pytest.approx(float(ou_interval_lag1_correlation(tau, dt)), abs=0.03)


def test_closed_day_chain_keeps_its_share() -> None:
    share, stay = 0.03, 0.5
    start = float(closed_day_start_probability(share, stay))
    assert start / (start + 1 - stay) == pytest.approx(share)  # stationary share of the chain
    assert closed_day_start_probability(0.0, 0.9) == 0.0
    with pytest.raises(ValueError, match="expected both in"):
        closed_day_start_probability(1.0, 0.5)


def test_traffic_profile_is_a_daily_cycle() -> None:
    hours = np.arange(0, 24, 0.25)
    traffic = traffic_fraction(hours)
    assert traffic.max() == pytest.approx(1.0)
    assert 3.5 <= hours[np.argmin(traffic)] <= 5.5  # night minimum
    assert 20 <= hours[np.argmax(traffic)] <= 22  # evening busy hour
    assert traffic_fraction(24.0) == pytest.approx(traffic_fraction(0.0))
    assert traffic_fraction(np.array([-1.0])) == pytest.approx(traffic_fraction(23.0))


def test_earth_macro_station_reference_numbers() -> None:
    # Auer et al. (2011), Table 2: macro, 6 chains, P0 130 W, Dp 4.7, Pmax 20 W, Psleep 75 W.
    assert EARTH_MACRO["p0_w"] == 130.0
    power = earth_power_w(np.array([0.0, 1e-9, 0.5, 1.0]))
    assert power == pytest.approx([450.0, 780.0, 6 * (130 + 47), 1344.0])
    # The site model: mean IT power, 20 % following traffic.
    it = base_station_it_kw(np.array([0.0, 0.5, 1.0]), 2.0, 0.2, 0.5)
    assert it == pytest.approx([1.6, 2.0, 2.4])
    with pytest.raises(ValueError, match="traffic_mean"):
        base_station_it_kw(0.5, 2.0, 0.2, 0.0)


def test_base_station_cooling_follows_outdoor_air() -> None:
    temp = np.array([-10.0, 15.0, 30.0, 60.0])
    cool = base_station_cooling_kw(
        2.0, temp, set_point_c=15.0, per_k=0.035, fan_share=0.05, max_share=1.0
    )
    assert cool == pytest.approx([0.1, 0.1, 2.0 * (0.05 + 0.035 * 15), 2.0])
    assert np.all(np.diff(cool) >= 0)


def test_factory_shift_window() -> None:
    kw = {"shift_h": 8.0, "ramp_h": 0.5, "break_h": 0.5, "break_level": 0.6, "handover_level": 0.85}
    tau = np.array([-1.0, 0.0, 1.0, 4.0, 7.0, 8.0, 9.0, 12.0])
    one = shift_window_level(tau, 1, **kw)
    assert one == pytest.approx([0.0, 0.5 * 0.85, 1.0, 0.6, 1.0, 0.5 * 0.85, 0.0, 0.0])
    two = shift_window_level(tau, 2, **kw)
    assert two[5] == pytest.approx(0.85)  # shift change at 8 h
    assert two[7] == pytest.approx(0.6)  # break of the second shift
    assert shift_window_level(tau, 0, **kw) == pytest.approx(np.zeros(tau.size))
    # Continuous operation: today's window ending at 24 h meets tomorrow's starting at 0 h.
    near = np.linspace(23.8, 24.2, 9)
    joined = shift_window_level(near, 3, **kw) + shift_window_level(near - 24.0, 3, **kw)
    assert joined == pytest.approx(np.full(near.size, 0.85))
    with pytest.raises(ValueError, match="shift_h"):
        shift_window_level(tau, 1, **{**kw, "ramp_h": 0.0})


PACKAGE = Path(__file__).resolve().parents[2] / "twin" / "devices" / "customers"


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_customer_modules_stay_in_their_layer(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    bad = [
        n
        for n in names
        if n.startswith(("twin.grid", "twin.streams", "twin.engine", "twin.scenario"))
    ]
    assert not bad, f"{path.name} imports {bad}"
    text = path.read_text(encoding="utf-8")
    assert "np.random." not in text.replace("np.random.Generator", "")  # only the given rng
    assert len(text.splitlines()) <= 400
