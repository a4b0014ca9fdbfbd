"""Medium-voltage customers: a model of their own where their class has one, else the profile.

On 1-MVLV-urban-all the loads outside every LV area are G0-A, G0-M, G4-M,
BL-H, G3-H and WB-H (SimBench profiles): the four G customers are customers
of the customer model, BL and WB keep observing their profile. What a
modelled customer's meter records is what the power flow saw at its load
row (the energy balance of an MV customer); an observer's is its profile.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import holidays
import numpy as np
import pandas as pd
import pytest
from demandlib import bdew

import twin
from tests.conftest import tiny_scenario_dict
from tests.devices.test_customers_fleet import german_holiday
from twin.engine import build_site
from twin.engine.components import Components
from twin.engine.mv_customers import create_mv_customers
from twin.engine.site import Site
from twin.grid import BackgroundInjections
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.scenario.loading import validate_scenario_dict

URBAN = "simbench:1-MVLV-urban-all-0-sw"
RURAL = "simbench:1-MVLV-rural-all-0-sw"


def _scenario(network: str, **extra: Any) -> Scenario:
    data = tiny_scenario_dict(
        **{
            "grid.network": network,
            "households.count": 40,
            "meters.accuracy_class": {"A": 0.3, "B": 0.4, "C": 0.3},
            **extra,
        }
    )
    return validate_scenario_dict(data)


class _Run:
    """A run, its site, and the power each MV customer's load row had in each power flow."""

    def __init__(self, run: twin.Run, site: Site, row_kw: pd.DataFrame, scenario: Scenario):
        self.run, self.site, self.row_kw, self.scenario = run, site, row_kw, scenario


@pytest.fixture(scope="module")
def urban(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Run]:
    """One day on 1-MVLV-urban-all, MV and LV solved jointly, the MV load rows captured."""
    scenario = _scenario(URBAN)
    seen: dict[int, np.ndarray] = {}
    solve = Components.solve

    def capture(self: Components, index: int, load_p: Any, load_q: Any, sgen_p: Any) -> Any:
        points = self.site.points
        seen[index] = np.asarray(load_p)[points.load_row[points.mv_customers]] * 1e3
        return solve(self, index, load_p, load_q, sgen_p)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Components, "solve", capture)
        run = twin.run(scenario, out=tmp_path_factory.mktemp("mv") / "run", progress=False)
    site = build_site(scenario)
    points = site.points
    axis = scenario.time.axis()
    ids = run.table("internal/meter_point")["meter_id"].to_numpy()
    mv_ids = ids[points.mv_customers]
    row_kw = pd.DataFrame(
        np.stack([seen[k] for k in range(axis.n_intervals)]),
        index=pd.DatetimeIndex(axis.interval_end_utc).tz_localize("UTC"),
        columns=mv_ids,
    )
    yield _Run(run, site, row_kw, scenario)


def _metered_kw(urban: _Run) -> pd.DataFrame:
    """Each MV meter's energy per interval, its accuracy error taken out, as mean kW."""
    run = urban.run
    readings = run.table("internal/meter_interval")
    readings = readings[readings["meter_id"].isin(urban.row_kw.columns)]
    assert (readings["quality"] == "ok").all()
    assert (readings["export_wh"] == 0).all()
    error = run.table("truth/meter").set_index("meter_id")["error_percent"]
    wh = readings["import_wh"] / (1.0 + readings["meter_id"].map(error) / 100.0)
    frame = readings.assign(wh=wh).pivot(index="interval_end", columns="meter_id", values="wh")
    return frame[urban.row_kw.columns] * 3.6 / urban.scenario.time.axis().interval_s


def _profile_kw(urban: _Run) -> pd.DataFrame:
    """Every MV customer's load profile power (its SimBench profile, scaled) [kW]."""
    points, axis = urban.site.points, urban.scenario.time.axis()
    background = BackgroundInjections(
        urban.site.grid,
        axis,
        observed_loads=points.load_row[points.mv_customers],
        holidays=urban.scenario.customers.holidays.around(axis.local_day),
    )
    p = np.stack([background.observed_load_kw(k)[0] for k in range(axis.n_intervals)])
    return pd.DataFrame(p, index=urban.row_kw.index, columns=urban.row_kw.columns)


def _classes(urban: _Run) -> pd.Series:
    points = urban.site.points
    return pd.Series(points.customer_class[points.mv_customers], index=urban.row_kw.columns)


@pytest.mark.slow
def test_an_mv_customers_meter_records_what_the_power_flow_sees_at_its_load(urban: _Run) -> None:
    classes = _classes(urban)
    assert sorted(classes) == ["BL", "G0", "G0", "G3", "G4", "WB"]
    metered, flow = _metered_kw(urban), urban.row_kw
    assert (flow > 0).all().all()
    dt_h = urban.scenario.time.axis().interval_s / 3600.0
    residual_wh = (metered - flow) * dt_h * 1e3
    # integer watt-hours carry their remainder: within 1 Wh per interval and over the day
    # (the first record may close a legal clock's few seconds early, see test_area_meters)
    assert residual_wh.iloc[1:].abs().max().max() <= 1.0 + 1e-6, residual_wh.abs().max()
    assert residual_wh.sum().abs().max() <= 1.0 + 1e-6


@pytest.mark.slow
def test_modelled_mv_customers_are_not_their_scaled_profile(urban: _Run) -> None:
    classes, flow, profile = _classes(urban), urban.row_kw, _profile_kw(urban)
    modelled = classes.index[classes.str.match(r"^[GL]\d$")]
    observers = classes.index[~classes.index.isin(modelled)]
    assert list(classes[observers]) == ["BL", "WB"]
    # BL and WB have no model of their own: they observe their profile, to the bit
    np.testing.assert_allclose(flow[observers], profile[observers], rtol=1e-12, atol=1e-9)
    ratio = flow[modelled] / profile[modelled]
    assert (ratio.std() / ratio.mean() > 0.05).all(), ratio.describe()
    # the two G0 customers are two customers, not one shape at two scales
    g0 = classes.index[classes == "G0"]
    a, b = (flow[m] / flow[m].mean() for m in g0)
    assert (a - b).abs().max() > 0.1
    premise = urban.run.table("truth/premise").set_index("meter_id")["annual_kwh"]
    points = urban.site.points
    given = pd.Series(points.annual_kwh[points.mv_customers], index=classes.index)
    # a modelled customer's level is drawn around its load's annual energy, an observer's is it
    assert (premise[modelled] != given[modelled]).all()
    assert np.allclose(premise[modelled] / given[modelled], 1.0, atol=0.5)
    np.testing.assert_allclose(premise[observers], given[observers])


@pytest.mark.slow
def test_mv_meters_stay_three_phase_transformer_operated_and_without_relay(urban: _Run) -> None:
    points = urban.run.table("internal/meter_point").set_index("meter_id")
    mv = points.loc[urban.row_kw.columns]
    assert (mv["phases"] == 3).all()
    assert (mv["ct_ratio"] > 0).all()


@pytest.fixture(scope="module")
def rural_site() -> Site:
    return build_site(_scenario(RURAL))


def _step(
    scenario: Scenario, site: Site, seed: int, members: Members | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Step the MV customers of ``site`` through the scenario: classes and p_kw (k, n)."""
    customers = create_mv_customers(scenario, site.grid, site.points, RandomTree(seed), members)
    assert customers is not None
    axis = scenario.time.axis()
    p = np.stack([customers.step(axis.at(k))[0] for k in range(axis.n_intervals)])
    return np.asarray(customers.fleet.classes, dtype=str), p


@pytest.mark.slow
def test_mv_classes_mean_weekday_shapes_follow_their_bdew_profiles(rural_site: Site) -> None:
    # Reference: demandlib 0.2.2, demandlib.bdew.ElecSlp(2025, holidays=German holidays), the
    # BDEW standard load profiles; mean weekday shape over the same four weeks, by quarter-hour,
    # of the network's MV customers of each class over ten draws of the run.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slp = bdew.ElecSlp(2025, holidays=holidays.country_holidays("DE", years=2025))
        profiles = slp.get_profiles()
    start = "2025-01-06"
    scenario = _scenario(RURAL, **{"time.start": f"{start}T00:00:00", "time.duration": "28d"})
    axis = scenario.time.axis()
    weekday = (axis.weekday < 5) & ~german_holiday(axis)
    slot = np.arange(axis.n_intervals) % 96
    wall = pd.date_range(start, periods=axis.n_intervals, freq="15min")
    shapes: dict[str, np.ndarray] = {}
    for seed in range(10):
        classes, p = _step(scenario, rural_site, seed)
        for i, c in enumerate(classes):
            shape = np.bincount(slot[weekday], p[weekday, i] / p[:, i].mean(), 96)
            shapes[c] = shapes.get(c, np.zeros(96)) + shape
    assert sorted(shapes) == ["G0", "G3", "L0", "L2"]
    for c, shape in shapes.items():
        ref = np.bincount(slot[weekday], profiles[c.lower()].loc[wall].to_numpy()[weekday], 96)
        assert np.corrcoef(shape, ref)[0, 1] >= 0.9, c  # measured: 0.992-0.999


@pytest.mark.slow
def test_two_mv_customers_of_one_class_differ(rural_site: Site) -> None:
    scenario = _scenario(RURAL, **{"time.duration": "14d"})
    classes, p = _step(scenario, rural_site, 3)
    for c in ("G0", "G3"):
        a, b = np.flatnonzero(classes == c)
        assert np.corrcoef(p[:, a], p[:, b])[0, 1] < 0.99, c


@pytest.mark.slow
def test_a_shard_gets_its_mv_customers_rows_of_the_whole_fleet(rural_site: Site) -> None:
    scenario = _scenario(RURAL)
    _, whole = _step(scenario, rural_site, 5)
    some = Members(np.asarray([1, 4, 5], dtype=np.int64), rural_site.points.n_mv_customers)
    _, part = _step(scenario, rural_site, 5, some)
    np.testing.assert_array_equal(part, whole[:, [1, 4, 5]])
    none = Members(np.zeros(0, dtype=np.int64), rural_site.points.n_mv_customers)
    points = rural_site.points
    assert create_mv_customers(scenario, rural_site.grid, points, RandomTree(5), none) is None


def test_members_within_a_subset_of_the_fleet() -> None:
    members = Members(np.asarray([0, 2, 3, 6], dtype=np.int64), 7)
    chosen = np.asarray([True, False, False, True, False, True, True])
    inside, keep = members.within(chosen)
    # chosen positions 0, 3, 5, 6 are numbered 0..3; members 0, 3 and 6 are among them
    np.testing.assert_array_equal(keep, [True, False, True, True])
    np.testing.assert_array_equal(inside.index, [0, 1, 3])
    assert inside.n_total == 4
    with pytest.raises(ValueError, match="expected 7"):
        members.within(np.ones(3, dtype=bool))
