"""Layer 2 of EV charging: sessions, proration, policies, faults and records."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from twin.clock import TimeAxis
from twin.devices.ev import (
    CHARGER_STATUSES,
    END_OF_RUN,
    ERROR_CODES,
    EV_EVENT_KINDS,
    SESSION_COLUMNS,
    STOP_REASONS,
    EvFleet,
    EvParams,
    Policy,
    SessionTable,
)


def make_axis(days: float = 28, interval_s: int = 900, start: str = "2025-03-03") -> TimeAxis:
    tz = "Europe/Berlin"
    return TimeAxis(pd.Timestamp(start, tz=tz), interval_s, round(days * 86_400 / interval_s), tz)


def hand_made(
    sessions: list[tuple[int, int, int, float]],
    n: int = 1,
    power_kw: float = 11.0,
    days: float = 1,
    policy: Policy = "uncontrolled",
    faults: tuple[list[int], list[float], list[str], list[float]] = ([], [], [], []),
) -> tuple[EvFleet, TimeAxis]:
    """A fleet with given (charger, arrive_s, depart_s, energy_kwh) sessions."""
    ax = make_axis(days)
    arr = np.array(sessions, dtype=np.float64).reshape(-1, 4)
    table = SessionTable.concat(
        [
            SessionTable(
                charger=arr[:, 0].astype(np.int64),
                arrive_s=arr[:, 1].astype(np.int64),
                depart_s=arr[:, 2].astype(np.int64),
                energy_kwh=arr[:, 3],
                battery_kwh=np.full(len(arr), 60.0),
                soc_start=np.full(len(arr), 0.3),
                ev_max_kw=np.full(len(arr), 150.0),
            )
        ]
    )
    code = np.array([ERROR_CODES.index(c) for c in faults[2]], dtype=np.int8)
    fleet = EvFleet(
        premise=np.arange(n, dtype=np.int64),
        power_kw=np.full(n, power_kw),
        is_public=np.zeros(n, bool),
        area=np.zeros(n, np.intp),
        sessions=table,
        faults=(
            np.array(faults[0], np.int64),
            np.array(faults[1], float),
            code,
            np.array(faults[3], float),
        ),
        policy=policy,
        allocation="proportional",
        voltage_limits_pu=(0.85, 1.10),
        duration_s=ax.duration_s,
    )
    return fleet, ax


def test_plug_in_full_and_unplug_are_prorated_to_the_second() -> None:
    # Plug-in at minute 7 of the first interval, 5 kWh at 11 kW: full after 1636.4 s.
    fleet, ax = hand_made([(0, 420, 4000, 5.0)])
    p = np.array([fleet.step(ax.at(k))[0] for k in range(6)])
    assert p[0] == pytest.approx(11.0 * 480 / 900)
    assert p[1] == pytest.approx(11.0)
    assert p[2] == pytest.approx((5.0 - 11.0 * 1380 / 3600) / 0.25)
    assert p[3:].sum() == 0.0
    assert p.sum() * 0.25 == pytest.approx(5.0)  # energy = integral of power
    status = fleet.status_changes()
    assert list(status["status"]) == ["Charging", "SuspendedEV", "Available"]
    full_s = 420 + 5.0 / 11.0 * 3600
    assert list(status["time_s"]) == [420, int(np.ceil(full_s)), 4000]
    rec = fleet.finished_sessions()
    assert rec["stop_reason"][0] == "EVDisconnected"
    assert rec["meter_stop_wh"][0] - rec["meter_start_wh"][0] == 5000
    assert rec["energy_not_delivered_wh"][0] == 0
    assert rec["soc_end"][0] == pytest.approx(0.3 + 5.0 / 60.0)


def test_a_session_open_at_the_run_end_is_recorded_with_its_energy_so_far() -> None:
    # One day (86,400 s); plug-in at 80,000 s wanting 30 kWh at 11 kW, unplug planned at
    # 99,000 s: 6,400 s of charging by the run end, 11 kW x 6,400 s = 19,555.6 Wh.
    fleet, ax = hand_made([(0, 80_000, 99_000, 30.0)])
    p = np.array([fleet.step(ax.at(k))[0] for k in range(ax.n_intervals)])
    rec = fleet.finished_sessions()
    assert rec["stop_reason"].tolist() == [END_OF_RUN]
    assert rec["stop_s"].tolist() == [86_400] and rec["departure_s"].tolist() == [99_000]
    assert rec["meter_start_wh"][0] == 0 and rec["meter_stop_wh"][0] == 19_556
    assert rec["meter_stop_wh"][0] == round(p.sum() * 250.0)
    assert rec["soc_end"][0] == pytest.approx(0.3 + 11.0 * 6_400 / 3_600 / 60.0)
    assert rec["energy_requested_wh"][0] == 30_000 and rec["energy_not_delivered_wh"][0] == 0
    assert fleet.status_changes()["status"].tolist() == ["Charging"]  # still plugged in


def test_two_sessions_in_one_interval_share_the_register() -> None:
    fleet, ax = hand_made([(0, 0, 300, 40.0), (0, 600, 800, 40.0)], power_kw=50.0)
    p = fleet.step(ax.at(0))[0]
    assert p * 0.25 == pytest.approx(50.0 * 500 / 3600)
    rec = fleet.finished_sessions()
    assert list(rec["transaction_id"]) == [1, 2]
    assert rec["meter_start_wh"][1] == rec["meter_stop_wh"][0]
    assert rec["meter_stop_wh"][1] == round(50.0 * 500 / 3.6)
    expected = [40_000 - round(50 * 300 / 3.6), 40_000 - round(50 * 200 / 3.6)]
    assert list(rec["energy_not_delivered_wh"]) == expected


def test_voltage_fault_stops_the_session_and_clears_when_the_voltage_is_back() -> None:
    fleet, ax = hand_made([(0, 0, 20_000, 30.0), (1, 0, 20_000, 30.0)], n=2)
    fleet.step(ax.at(0), vm_pu_prev=np.array([1.0, 1.0]))
    p = fleet.step(ax.at(1), vm_pu_prev=np.array([1.12, 1.0]))
    assert p[0] == 0.0 and p[1] == pytest.approx(11.0)
    rec = fleet.finished_sessions()
    assert rec["charger_id"].tolist() == [0] and rec["stop_reason"][0] == "Other"
    assert rec["stop_s"][0] == 900
    fleet.step(ax.at(2), vm_pu_prev=np.array([1.0, 1.0]))
    s = fleet.status_changes()
    rows = list(zip(s["charger_id"], s["time_s"], s["status"], s["error_code"], strict=True))
    assert (0, 900, "Faulted", "OverVoltage") in rows
    assert (0, 1800, "Available", "NoError") in rows
    under = fleet.step(ax.at(3), vm_pu_prev=np.array([1.0, 0.8]))
    assert under[1] == 0.0
    assert fleet.finished_sessions()["stop_reason"][0] == "PowerLoss"


def test_random_fault_stops_at_its_second_refuses_arrivals_until_repaired() -> None:
    faults = ([0], [1000.0], ["GroundFailure"], [3600.0])
    fleet, ax = hand_made([(0, 0, 1500, 30.0), (0, 2000, 9000, 5.0)], faults=faults)
    p = np.array([fleet.step(ax.at(k))[0] for k in range(12)])
    assert p.sum() * 0.25 == pytest.approx(11.0 * 1000 / 3600)
    rec = fleet.finished_sessions()
    assert rec["stop_reason"].tolist() == ["EmergencyStop"] and rec["stop_s"][0] == 1000
    assert fleet.refused_sessions[0] == 1
    s = fleet.status_changes()
    assert s["status"].tolist() == ["Charging", "Faulted", "Available"]
    assert s["time_s"].tolist() == [0, 1000, 4600]
    assert s["error_code"][1] == "GroundFailure"


def test_default_fleet_statistics_follow_the_published_figures() -> None:
    ax = make_axis(days=91, start="2025-01-06")
    fleet = EvFleet.create(np.arange(1_500), rng=np.random.default_rng(3), axis=ax)
    s = fleet.sessions
    inside = (s.arrive_s >= 0) & (s.arrive_s < ax.duration_s)
    per_week = inside.sum() / 1_500 / (91 / 7)
    assert 2.5 <= per_week <= 3.5  # Electric Nation: ~3 charges a week
    assert ((s.depart_s - s.arrive_s)[inside] / 3600).mean() > 10  # plugged in > 10 h
    assert 8 <= np.median(s.energy_kwh) <= 15  # kWh a session
    local = (ax.start + pd.to_timedelta(s.arrive_s[inside], unit="s")).tz_convert(ax.timezone)
    weekday = local.dayofweek < 5
    counts = np.bincount(local.hour[weekday], minlength=24)
    assert 17 <= int(np.argmax(counts)) <= 20  # weekday arrivals peak 17-20 h
    assert set(np.unique(fleet.power_kw)) <= {3.7, 7.4, 11.0, 22.0}


def test_fleet_energy_equals_the_sessions_meter_readings(rng: np.random.Generator) -> None:
    ax = make_axis(days=14)
    fleet = EvFleet.create(
        np.arange(300), rng=rng, axis=ax, public_premises=[5, 6], public_power_kw=[50.0, 150.0]
    )
    energy_wh = np.zeros(fleet.n)
    records = []
    for k in range(ax.n_intervals):
        p = fleet.step(ax.at(k))
        assert np.all(p >= 0) and np.all(p <= fleet.power_kw + 1e-9)
        energy_wh += p * 250.0
        records.append(fleet.finished_sessions())
    rec = {c: np.concatenate([r[c] for r in records]) for c in SESSION_COLUMNS}
    assert set(rec["stop_reason"]) <= {*STOP_REASONS, END_OF_RUN}
    assert np.unique(rec["transaction_id"]).size == rec["transaction_id"].size
    for name, dtype in SESSION_COLUMNS.items():
        assert rec[name].dtype == np.dtype(dtype), name
    # Sessions still open at the run end are recorded then, with their energy so far.
    open_ = rec["stop_reason"] == END_OF_RUN
    assert 0 < open_.sum() < fleet.n
    assert np.all(rec["stop_s"][open_] == ax.duration_s)
    assert np.all(rec["departure_s"][open_] >= ax.duration_s)
    assert np.all(rec["energy_not_delivered_wh"][open_] == 0)
    assert np.unique(rec["charger_id"][open_]).size == open_.sum()  # one per connector
    # Each charger's sessions add up to the energy it drew (the integral of its power),
    # and follow each other on its register.
    delivered = rec["meter_stop_wh"] - rec["meter_start_wh"]
    per_charger = np.bincount(rec["charger_id"], weights=delivered, minlength=fleet.n)
    np.testing.assert_array_equal(per_charger, np.round(energy_wh))
    for ch in range(fleet.n):
        mine = rec["charger_id"] == ch
        assert np.all(rec["meter_start_wh"][mine][1:] == rec["meter_stop_wh"][mine][:-1])
    public = rec["charger_id"] >= 300
    assert 3 <= public.sum() / 2 / 14 <= 7  # public DC: a few sessions a day per connector
    assert set(fleet.status_changes()["status"]) <= set(CHARGER_STATUSES)


def test_events_are_sorted_and_apply_tracks_plugged() -> None:
    fleet, _ = hand_made([(0, 0, 5000, 5.0), (0, 6000, 9000, 5.0), (1, 7000, 99_000, 5.0)], n=2)
    events = fleet.events()
    assert [(e.time_s, e.charger, e.kind) for e in events] == [
        (5000, 0, "unplug"),
        (6000, 0, "plug_in"),
        (7000, 1, "plug_in"),
        (9000, 0, "unplug"),
    ]
    assert fleet.plugged.tolist() == [True, False]
    for e in events[:3]:
        fleet.apply(e)
    assert fleet.plugged.tolist() == [True, True]
    assert {e.kind for e in events} <= set(EV_EVENT_KINDS)
    with pytest.raises(ValueError, match="charger"):
        fleet.apply(type(events[0])(0, 7, "plug_in", 0))


@pytest.mark.parametrize("allocation", ["proportional", "earliest_departure"])
def test_managed_policy_keeps_each_area_within_its_headroom(allocation: str) -> None:
    ax = make_axis(days=7)
    area_of_premise = np.arange(400) // 100
    fleet = EvFleet.create(
        np.arange(400),
        rng=np.random.default_rng(11),
        axis=ax,
        params=EvParams(policy="managed", allocation=allocation),  # type: ignore[arg-type]
        home_power_kw=11.0,
        area_of_premise=area_of_premise,
    )
    free = EvFleet.create(
        np.arange(400), rng=np.random.default_rng(11), axis=ax, home_power_kw=11.0
    )
    headroom_rng = np.random.default_rng(5)
    peak_free = 0.0
    undelivered = []
    for k in range(ax.n_intervals):
        headroom = headroom_rng.uniform(-5.0, 40.0, 4)
        p = fleet.step(ax.at(k), headroom)
        by_area = np.bincount(fleet.area, weights=p, minlength=4)
        assert np.all(by_area <= np.maximum(headroom, 0.0) + 1e-9)
        peak_free = max(peak_free, free.step(ax.at(k)).max())
        undelivered.append(fleet.finished_sessions()["energy_not_delivered_wh"])
    assert peak_free > 0
    assert np.concatenate(undelivered).sum() > 0  # some EVs left before they were full


def test_delayed_policy_starts_home_charging_inside_the_window() -> None:
    ax = make_axis(days=14)
    fleet = EvFleet.create(
        np.arange(300),
        rng=np.random.default_rng(2),
        axis=ax,
        params=EvParams(policy="delayed", tou_window_h=(22.0, 6.0)),
        home_power_kw=11.0,
    )
    power = np.array([fleet.step(ax.at(k)).sum() for k in range(ax.n_intervals)])
    hour = ax.local_hour
    assert power.sum() > 0
    assert power[(hour >= 8) & (hour < 21.75)].sum() == 0.0
    assert set(fleet.status_changes()["status"]) >= {"SuspendedEVSE", "Charging"}


def test_step_time_for_10k_home_chargers() -> None:
    ax = make_axis(days=3)
    fleet = EvFleet.create(np.arange(10_000), rng=np.random.default_rng(1), axis=ax)
    steps = [ax.at(k) for k in range(ax.n_intervals)]
    start = time.perf_counter()
    for t in steps:
        fleet.step(t)
    per_step = (time.perf_counter() - start) / len(steps)
    assert per_step < 2e-3  # measured ~0.2-0.3 ms with 10k EVs on the dev machine


def test_invalid_parameters_are_listed_together() -> None:
    with pytest.raises(ValueError, match=r"policy given .*'smart'.*voltage_limits_pu given"):
        EvParams(
            policy="smart",  # type: ignore[arg-type]
            voltage_limits_pu=(1.1, 0.9),
        )
    with pytest.raises(ValueError, match=r"home_power_choices_kw.*fault_rates_per_year"):
        EvParams(home_power_shares=(1.0,), fault_rates_per_year={"Lightning": 1.0})


def test_fault_rates_keep_their_order_and_cannot_be_changed() -> None:
    params = EvParams(fault_rates_per_year={"GroundFailure": 0.1, "HighTemperature": 0.2})
    assert list(params.fault_rates_per_year) == ["GroundFailure", "HighTemperature"]
    assert params.fault_rates_per_year == EvParams().fault_rates_per_year
    with pytest.raises(TypeError):
        params.fault_rates_per_year["InternalError"] = 1.0  # type: ignore[index]


def test_a_fleet_needs_a_charger(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="home_premises and public_premises"):
        EvFleet.create([], rng=rng, axis=make_axis(1))
