"""Demand response at the devices: the set-point rule, comfort limits, rebound from the
devices' own state, batteries, the OpenADR shapes and the transformer forecast."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.devices.heating.test_thermal_fleet import WEATHER, make_axis
from twin.comms.downlink import attempt_latencies_s, attempt_latency_s
from twin.comms.technology import TECHNOLOGIES
from twin.devices.dr_control import (
    STORAGE_DISCHARGE,
    STORAGE_FREE,
    STORAGE_PRECHARGE,
    DrControl,
)
from twin.devices.heating import ThermalFleet, ThermalParams
from twin.devices.storage import StorageFleet
from twin.engine.demand_response import PRECHARGE_S, _Actions
from twin.engine.dr_events import DrEvent, TransformerHistory
from twin.engine.dr_openadr import iso_duration, openadr_event
from twin.scenario.dr_models import WET_APPLIANCE_MAX_DELAY_S, DrProgramme

HP_PARAMS = ThermalParams(
    heat_pump=1.0,
    direct_electric=0.0,
    air_conditioning=0.0,
    water_heater=1.0,
    comfort_c=(20.0, 20.0),
    setback_k=(0.0, 0.0),
)


def _programme(comfort_c: float = 2.0) -> DrProgramme:
    return DrProgramme(name="p", kind="direct_load_control", enrollment=1.0, comfort_c=comfort_c)


def _event(start_s: int, end_s: int, level: int = 3) -> DrEvent:
    return DrEvent(0, 1, 0, start_s, end_s, level, None)


ALL = np.ones(5, dtype=bool)


def test_nothing_delivered_means_no_set_point() -> None:
    assert _Actions().control(3, 0.0, 900.0) is None


@given(
    delivered=st.floats(0, 20_000),
    level=st.integers(0, 3),
    a=st.integers(0, 40).map(lambda k: 900.0 * k),
)
def test_the_rule_scales_with_the_level_and_acts_from_max_of_delivery_and_start(
    delivered: float, level: int, a: float
) -> None:
    start, end = 7_200.0, 18_000.0
    acted = max(delivered, start)
    actions = _Actions()
    actions.add(1, delivered, acted, _event(int(start), int(end), level), _programme(), ALL)
    b = a + 900.0
    out = actions.control(3, a, b)
    overlap = max(0.0, min(b, end) - max(a, acted)) / 900.0
    if out is None:
        assert overlap == 0.0 or level == 0
        return
    assert out.ev_share[0] == out.ev_share[2] == 1.0  # other premises untouched
    np.testing.assert_allclose(out.ev_share[1], 1.0 - level / 3.0 * overlap)
    # wet-appliance starts are held where the event acts with some depth, up to the limit
    held = overlap > 0 and level > 0
    assert out.wet_max_delay_s[1] == (WET_APPLIANCE_MAX_DELAY_S if held else 0.0)
    assert out.wet_max_delay_s[0] == out.wet_max_delay_s[2] == 0.0
    if overlap > 0:
        assert out.heat_pump_setback_k[1] == pytest.approx(2.0 * level / 3.0)
        if level > 0:
            assert out.storage_mode[1] == STORAGE_DISCHARGE
    else:
        assert out.heat_pump_setback_k[1] == 0.0
        pre = delivered < b and start - PRECHARGE_S < b and start > a and level > 0
        assert out.storage_mode[1] == (STORAGE_PRECHARGE if pre else STORAGE_FREE)


def test_only_the_programmes_devices_respond() -> None:
    actions = _Actions()
    ev_only = np.array([True, False, False, False, False])
    actions.add(0, 0.0, 0.0, _event(0, 3_600), _programme(), ev_only)
    out = actions.control(1, 0.0, 900.0)
    assert out is not None
    assert out.ev_share[0] == 0.0 and out.storage_mode[0] == STORAGE_FREE
    assert out.heat_pump_setback_k[0] == 0.0 and out.water_heater_setback_k[0] == 0.0
    assert out.wet_max_delay_s[0] == 0.0


def _thermal_pair(n: int) -> tuple[ThermalFleet, ThermalFleet]:
    """Two fleets from the same draws: one receives set-backs, the other never does."""
    axis = make_axis("2025-01-13", 2)
    return tuple(  # type: ignore[return-value]
        ThermalFleet.create(
            n, rng=np.random.default_rng(4), axis=axis, weather=WEATHER, params=HP_PARAMS
        )
        for _ in range(2)
    )


def test_heat_pumps_hold_the_comfort_limit_in_an_event_and_rebound_after() -> None:
    n, setback = 12, 2.0
    axis = make_axis("2025-01-13", 2)
    real, shadow = _thermal_pair(n)
    present, vacant = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    event = range(96 + 17 * 4, 96 + 20 * 4)  # 17:00-20:00 on the second day
    p_real = np.zeros((axis.n_intervals, n))
    p_shadow = np.zeros((axis.n_intervals, n))
    indoor = np.zeros((axis.n_intervals, n))
    for k in range(axis.n_intervals):
        back = np.full(n, setback) if k in event else None
        p_real[k] = real.step(axis.at(k), present=present, vacant=vacant, setback_k=back)
        p_shadow[k] = shadow.step(axis.at(k), present=present, vacant=vacant)
        indoor[k] = real.indoor_c
    during = slice(event.start, event.stop)
    after = slice(event.stop, event.stop + 16)
    np.testing.assert_array_equal(p_real[: event.start], p_shadow[: event.start])
    # comfort: never below the set point minus the set-back (20 degC set point)
    assert indoor[during].min() >= 20.0 - setback - 1e-6
    shed = (p_shadow[during] - p_real[during]).sum()
    rebound = (p_real[after] - p_shadow[after]).sum()
    assert shed > 0 and rebound > 0
    assert indoor[after][-1].min() >= 20.0 - 1e-6  # recovered to the set point


def test_water_heaters_heat_only_below_the_floor_in_an_event_and_recover_after() -> None:
    n, setback = 12, 10.0
    axis = make_axis("2025-01-13", 2)
    real, shadow = _thermal_pair(n)
    present, vacant = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    event = range(96 + 6 * 4, 96 + 9 * 4)  # the morning draw-offs
    set_c = real._tank["set_c"]
    sums = np.zeros(3)
    for k in range(axis.n_intervals):
        tank_before = real.tank_c.copy()
        back = np.full(n, setback) if k in event else None
        real.step(axis.at(k), present=present, vacant=vacant, tank_setback_k=back)
        shadow.step(axis.at(k), present=present, vacant=vacant)
        p_tank, p_shadow = real.by_kind_kw["water_heater"], shadow.by_kind_kw["water_heater"]
        if k in event:
            floor = set_c - setback
            assert (p_tank[tank_before[real._tank["premise"]] >= floor] == 0).all()
            sums[0] += (p_shadow - p_tank).sum()
        elif event.stop <= k < event.stop + 24:
            sums[1] += (p_tank - p_shadow).sum()
    assert sums[0] > 0 and sums[1] > 0


def test_batteries_precharge_and_cover_the_load() -> None:
    axis = make_axis("2025-01-13", 1)
    fleet = StorageFleet.create(3, rng=np.random.default_rng(1), axis=axis,
                                capacity_kwh=[10, 10, 10], p_max_kw=[3, 3, 3])  # fmt: skip
    fleet.soc_kwh = np.array([5.0, 5.0, 5.0])
    load = np.array([2.0, 2.0, -1.0])
    mode = np.array([STORAGE_PRECHARGE, STORAGE_DISCHARGE, STORAGE_DISCHARGE], dtype=np.int8)
    p = fleet.step(axis.at(0), load, mode)
    assert p[0] == pytest.approx(3.0)  # charges at full power
    assert p[1] == pytest.approx(-2.0)  # covers the load
    assert p[2] == pytest.approx(0.0)  # nothing to cover under export


@given(
    u=st.floats(0, 1, exclude_max=True),
    z=st.floats(0, 1, exclude_max=True),
    up=st.booleans(),
    loss=st.floats(0, 0.99),
)
def test_vectorised_attempts_match_one_attempt_at_a_time(
    u: float, z: float, up: bool, loss: float
) -> None:
    tech = TECHNOLOGIES["hplc"]
    one = attempt_latency_s(tech, loss, u, z, up=up)
    latency, arrives = attempt_latencies_s(
        tech, loss, np.array([u]), np.array([z]), up=np.array([up])
    )
    assert bool(arrives[0]) == (one is not None)
    if one is not None:
        assert latency[0] == pytest.approx(one, rel=1e-12)


def test_neutral_control_is_inactive() -> None:
    assert not DrControl.neutral(4).active


@pytest.mark.parametrize(
    ("seconds", "text"), [(7200, "PT2H"), (86_400, "P1D"), (5400, "PT1H30M"), (0, "PT0S")]
)
def test_iso_durations(seconds: int, text: str) -> None:
    assert iso_duration(seconds) == text


def test_the_openadr_shape_of_a_price_event() -> None:
    start = pd.Timestamp("2025-01-14T16:00", tz="UTC")
    text = openadr_event(
        event_id="E3", programme="cpp", called_at=start - pd.Timedelta(days=1), start=start,
        duration_s=10_800, notice_s=86_400, signal="ELECTRICITY_PRICE", level=2,
        price_per_kwh=0.6, currency="EUR", area="all",
    )  # fmt: skip
    event = json.loads(text)
    assert event["eventDescriptor"]["eventID"] == "E3"
    assert event["activePeriod"] == {
        "dtstart": "2025-01-14T16:00:00Z", "duration": "PT3H", "notification": "P1D"
    }  # fmt: skip
    signal = event["eiEventSignals"]["eiEventSignal"][0]
    assert signal["signalType"] == "price" and signal["intervals"][0]["signalPayload"] == 0.6
    assert signal["itemBase"]["itemUnits"] == "EUR"
    assert event["eiTarget"] == {"groupID": ["all"]}


def test_the_forecast_uses_only_hours_recorded_before_the_call() -> None:
    history = TransformerHistory(np.array([4, 7]), 3 * 86_400)
    for k in range(1, 2 * 96 + 1):  # two days of 15-min rows
        hour = ((k - 1) * 900 // 3600) % 24
        day = (k - 1) // 96
        history.record(k * 900, np.array([10.0, 20.0]), np.array([hour + 100 * day, 1.0]))
    # at the start of day 2, for 18:00 on day 2: day 1 (and day 0) were recorded
    got = history.forecast(2 * 86_400 + 18 * 3600, 2 * 86_400, 7)
    assert got is not None
    np.testing.assert_allclose(got[0], [(18 + 118) / 2, 1.0])
    np.testing.assert_allclose(got[1], [10.0, 20.0])
    # one day of history: the most recent
    got = history.forecast(2 * 86_400 + 18 * 3600, 2 * 86_400, 1)
    assert got is not None and got[0][0] == pytest.approx(118)
    # nothing recorded before: no forecast
    assert history.forecast(18 * 3600, 0, 7) is None
