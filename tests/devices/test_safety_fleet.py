"""The safety fleet: hazards drawn for the whole fleet, failures at physical limits,
repairs that end hazards, and the no-action failure time kept after a repair."""

from __future__ import annotations

import numpy as np

from twin.devices.safety import HAZARD_KINDS, HazardRates, HazardSet, SafetyFleet, draw_hazards
from twin.devices.safety.params import INSULATION_CRITICAL_C
from twin.devices.safety.thermal import steady_state_c
from twin.members import Members

N_INTERVALS, DT = 96 * 5, 900.0


def _draw(members: Members) -> HazardSet:
    n = members.n_total
    return draw_hazards(
        rng=np.random.default_rng(11),
        seed=11,
        premise_kind=np.array(["commercial", "household"] * (n // 2), dtype=object),
        rated_a=np.full(n, 57.0),
        cable_index=np.full(n, 3, dtype=np.int64),
        rates=HazardRates(20.0, 10.0, 10.0, 10.0, 0.2),
        members=members,
        n_intervals=N_INTERVALS,
        dt_s=DT,
        moisture=np.ones(N_INTERVALS),
    )


def test_a_shard_gets_the_whole_fleets_hazards_of_its_premises() -> None:
    whole = _draw(Members.all(40))
    part_members = Members(np.arange(0, 40, 3, dtype=np.int64), 40)
    part = _draw(part_members)
    assert whole.n > 20
    mine = np.isin(part_members.index[part.premise], np.arange(0, 40, 3)) & True
    assert mine.all()
    keep = np.isin(whole.premise, part_members.index)
    np.testing.assert_array_equal(whole.number[keep], part.number)
    np.testing.assert_array_equal(whole.onset_s[keep], part.onset_s)
    np.testing.assert_array_equal(whole.path[keep], part.path)
    np.testing.assert_array_equal(whole.fail_k[keep], part.fail_k)
    np.testing.assert_array_equal(part_members.index[part.premise], whole.premise[keep])


def _one_overload(extra_a: float) -> SafetyFleet:
    hz = HazardSet(
        number=np.array([1]),
        premise=np.array([0]),
        kind=np.array([HAZARD_KINDS.index("overload")]),
        onset_s=np.array([10 * DT - 1.0]),
        k_on=np.array([9]),
        path=np.zeros((1, N_INTERVALS)),
        fail_k=np.array([-1]),
        fail_kind=np.array([0]),
        extra_a=np.array([extra_a]),
        rating_factor=np.array([1.0]),
    )
    return SafetyFleet(
        rated_a=np.array([57.0]),
        phases=np.array([3.0]),
        pvc=np.array([True]),
        tau_s=np.array([1200.0]),
        natural_ma=np.array([18.0]),
        hazards=hz,
        dt_s=DT,
    )


def test_an_overloaded_pvc_cable_ignites_at_its_critical_temperature() -> None:
    fleet = _one_overload(extra_a=80.0)
    p_kw = np.array([20.0])  # about 30 A on three phases
    temps = [fleet.step(k, p_kw, 25.0, 1.0).temp_c[0] for k in range(40)]
    assert temps[5] < 70.0 < temps[12]  # heats after the onset
    assert len(fleet.failures) == 1
    f = fleet.failures[0]
    assert f.value >= INSULATION_CRITICAL_C["pvc"] and f.unit == "degC"
    assert fleet.end_reason[0] == "failure" and fleet.would_fail_s[0] == f.time_s
    # the failure ends the hazard: the cable cools towards the load's steady state
    load_ss = steady_state_c(fleet.current_a(p_kw), 57.0, 25.0, 70.0)[0]
    assert temps[-1] < temps[int(f.time_s // DT) - 1] and temps[-1] > load_ss - 1e-9


def test_a_repair_prevents_the_fire_but_the_truth_keeps_when_it_would_have_come() -> None:
    fleet = _one_overload(extra_a=80.0)
    p_kw = np.array([20.0])
    for k in range(11):
        fleet.step(k, p_kw, 25.0, 1.0)
    assert fleet.repair(0, 11 * DT) == [0]
    for k in range(11, 60):
        fleet.step(k, p_kw, 25.0, 1.0)
    assert not fleet.failures and fleet.end_reason[0] == "repaired"
    assert fleet.would_fail_s[0] > 11 * DT  # the no-action cable would have burnt later
    assert fleet.state.temp_c[0] < 70.0


def test_a_mild_extra_load_warms_without_failing() -> None:
    fleet = _one_overload(extra_a=10.0)
    for k in range(N_INTERVALS):
        fleet.step(k, np.array([20.0]), 25.0, 1.0)
    assert not fleet.failures and np.isnan(fleet.would_fail_s[0])
