"""PV, home storage and EV charging wired into runs: metering, balance, streams, policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import twin
from tests.conftest import REPO, tiny_scenario_dict
from twin.clock import TimeAxis
from twin.devices.behind_the_meter import DerFleets
from twin.devices.ev import END_OF_RUN, EvFleet, SessionTable
from twin.engine.components import Components
from twin.errors import ScenarioError
from twin.members import Members
from twin.scenario.loading import validate_scenario_dict

DER = {
    "time.start": "2025-06-16T00:00:00",
    "time.duration": "2d",
    "pv.share": 0.6,
    "pv.weather": "dwd_try2010_04",
    "storage.share": 0.5,
    "ev.share": 0.5,
    "ev.public_stations": [{"bus": 14, "connectors": 2, "power_kw": 50}],
    "outputs.der_telemetry_every": "1h",
}


def _run(path: Path, **changes: Any) -> twin.Run:
    scenario = validate_scenario_dict(tiny_scenario_dict(**changes))
    return twin.run(scenario, out=path, progress=False)


@pytest.fixture(scope="module")
def der_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[twin.Run, list[dict[str, Any]]]:
    """A 2-day summer run with every DER kind, recording each interval's components."""
    steps: list[dict[str, Any]] = []
    step, inject, ev_step = DerFleets.step, Components.grid_injections, EvFleet.step

    def recording_ev_step(self: EvFleet, *args: Any, **kwargs: Any) -> np.ndarray:
        p_kw = ev_step(self, *args, **kwargs)
        ev_kw.append(p_kw.copy())
        return p_kw

    ev_kw: list[np.ndarray] = []

    def recording_step(self: DerFleets, *args: Any) -> np.ndarray:
        net = step(self, *args)
        steps.append(
            {
                "charger_kw": ev_kw.pop(),
                "parts": (self.hh_kw, self.ev_kw, self.pv_kw, self.storage_kw),
                "net": net.copy(),
                "station_kw": self.station_kw.copy(),
                "soc": None if self.storage is None else self.storage.soc_kwh.copy(),
                "soc_bounds": None
                if self.storage is None
                else (self.storage.soc_min_kwh, self.storage.capacity_kwh),
            }
        )
        return net

    def recording_injections(self: Components, index: int, p: np.ndarray, q: np.ndarray) -> Any:
        out = inject(self, index, p, q)
        background = self.background.at(index)[0]
        steps[index]["grid_extra_mw"] = out[0][: background.size] - background
        steps[index]["grid_stations_mw"] = out[0][background.size :]
        steps[index]["metered_kw"] = p[self.segments.households].copy()
        steps[index]["consumers_kw"] = p[self.segments.consumers].copy()
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DerFleets, "step", recording_step)
        mp.setattr(Components, "grid_injections", recording_injections)
        mp.setattr(EvFleet, "step", recording_ev_step)
        run = _run(tmp_path_factory.mktemp("der") / "run", **DER)
    return run, steps


def test_net_metering_reaches_export_registers_and_interval_records(der_run: Any) -> None:
    run, _ = der_run
    intervals = run.table("internal/meter_interval")
    daily = run.table("internal/meter_register_daily")
    assert intervals["export_wh"].sum() > 0
    premise = run.table("truth/premise")
    with_pv = set(premise.loc[premise["has_pv"], "meter_id"])
    generators = set(premise.loc[premise["customer_kind"] == "generation", "meter_id"])
    exporters = set(intervals.loc[intervals["export_wh"] > 0, "meter_id"].astype(str))
    assert exporters and exporters <= with_pv | generators and exporters & with_pv
    for column, register in (("import_wh", "import_total_wh"), ("export_wh", "export_total_wh")):
        last = daily.sort_values("freeze_time").groupby("meter_id", observed=True).last()
        summed = intervals.groupby("meter_id", observed=True)[column].sum()
        pd.testing.assert_series_equal(
            summed.sort_index(),
            last[register].sort_index(),
            check_names=False,
            check_index_type=False,
        )


def test_energy_balance_per_interval(der_run: Any) -> None:
    _, steps = der_run
    assert len(steps) == 192
    for s in steps:
        np.testing.assert_allclose(s["metered_kw"], s["net"], rtol=0, atol=1e-9)
        grid_kw = s["grid_extra_mw"].sum() * 1e3 + s["grid_stations_mw"].sum() * 1e3
        # the households' net power, the other customers' and the public stations'
        assert np.array_equal(s["consumers_kw"][: s["net"].size], s["metered_kw"])
        expected = s["consumers_kw"].sum() + s["station_kw"].sum()
        assert grid_kw == pytest.approx(expected, abs=1e-9 * max(1.0, abs(expected)))
    assert any(s["station_kw"].sum() > 0 for s in steps)
    assert any((s["parts"][2] > 0).any() for s in steps)


class _FixedPv:
    """PV systems at premises 0 and 2 that give 3 kW and 2 kW."""

    premise = np.array([0, 2])

    def step(self, t: Any, vm_pu: Any) -> np.ndarray:
        return np.array([3.0, 2.0])


class _FixedBattery:
    """A battery at premise 0 that charges at 2 kW and keeps what it was shown."""

    premise = np.array([0])

    def __init__(self) -> None:
        self.seen_kw: list[np.ndarray] = []

    def step(self, t: Any, before_kw: np.ndarray) -> np.ndarray:
        self.seen_kw.append(before_kw.copy())
        return np.array([2.0])


def test_premise_net_power_by_hand() -> None:
    # Four premises in one 15-min interval, each component fixed:
    #   0: household 0.5 kW, PV 3 kW, battery charging 2 kW: 0.5 - 3 + 2 = -0.5 kW (export)
    #   1: household 1.2 kW, an EV at 11 kW:                  1.2 + 11    = 12.2 kW
    #   2: household 0.8 kW, PV 2 kW, relay open:             everything 0
    #   3: household 0.3 kW alone:                                           0.3 kW
    # plus a public 50-kW connector, a load of its own. The battery sees premise 0 before
    # it acts: 0.5 - 3 = -2.5 kW. Totals over 0.25 h: PV 3 kW x 0.25 h = 0.75 kWh (premise
    # 2's PV is cut by its relay), home EV 2.75 kWh, public 12.5 kWh, battery charge
    # 0.5 kWh; export peak 0.5 kW.
    axis = TimeAxis(pd.Timestamp("2025-06-16", tz="UTC"), 900, 4, "UTC")
    sessions = SessionTable.concat(
        [
            SessionTable(
                charger=np.array([0, 1]),
                arrive_s=np.array([0, 0]),
                depart_s=np.array([10_000, 10_000]),
                energy_kwh=np.array([30.0, 30.0]),
                battery_kwh=np.array([60.0, 60.0]),
                soc_start=np.array([0.3, 0.3]),
                ev_max_kw=np.array([150.0, 150.0]),
            )
        ]
    )
    none = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int8), np.zeros(0))
    ev = EvFleet(
        premise=np.array([1, 4]),  # the public connector is premise n + 0
        power_kw=np.array([11.0, 50.0]),
        is_public=np.array([False, True]),
        area=np.zeros(2, np.intp),
        sessions=sessions,
        faults=none,
        policy="uncontrolled",
        allocation="proportional",
        voltage_limits_pu=(0.85, 1.10),
        duration_s=axis.duration_s,
    )
    battery = _FixedBattery()
    der = DerFleets(
        members=Members.all(4),
        pv=_FixedPv(),  # type: ignore[arg-type]
        storage=battery,  # type: ignore[arg-type]
        ev=ev,
        premise_bus=np.array([1, 2, 3, 4]),
        station_bus=np.array([5]),
        station_rows=np.array([0]),
        station_here=np.array([True]),
        station_area=np.array([0], np.intp),
        area_of_premise=np.zeros(4, np.intp),
        area_rating_kva=np.array([250.0]),
        area_trafo_row=np.array([0]),
        cap_percent=100.0,
    )
    closed = np.array([True, True, False, True])
    net = der.step(axis.at(0), np.array([0.5, 1.2, 0.8, 0.3]), closed)
    np.testing.assert_allclose(net, [-0.5, 12.2, 0.0, 0.3], rtol=0, atol=1e-12)
    np.testing.assert_allclose(der.station_kw, [50.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.concatenate(battery.seen_kw), [-2.5], rtol=0, atol=1e-12)
    d = der.totals.summary()  # MWh, over the 15-min interval
    assert d["pv_mwh"] == pytest.approx(0.75e-3) and d["storage_charge_mwh"] == pytest.approx(
        0.5e-3
    )
    assert d["ev_mwh"] == pytest.approx((2.75 + 12.5) / 1e3)
    assert d["ev_public_mwh"] == pytest.approx(12.5e-3)
    assert d["peak_export_kw"] == pytest.approx(0.5)


def test_storage_soc_stays_within_bounds(der_run: Any) -> None:
    run, steps = der_run
    low, high = steps[0]["soc_bounds"]
    socs = np.stack([s["soc"] for s in steps])
    assert (socs >= low - 1e-9).all() and (socs <= high + 1e-9).all()
    assert socs.max() > socs.min()
    telemetry = run.table("external/der_telemetry")
    assert (
        len(telemetry)
        == 48 * (run.table("truth/premise")[["has_pv", "has_storage"]].any(axis=1)).sum()
    )
    soc = telemetry["storage_soc_kwh"].dropna()
    assert len(soc) and (soc >= 0).all()


def test_ev_sessions_match_the_charger_registers(der_run: Any) -> None:
    run, steps = der_run
    sessions = run.table("external/ev_session")
    assert len(sessions) > 0
    delivered = sessions["meter_stop_wh"] - sessions["meter_start_wh"]
    assert (delivered >= 0).all()
    # the run's end (midnight) cuts through sessions still plugged in overnight
    open_ = sessions["stop_reason"] == END_OF_RUN
    run_end = run.table("truth/power_flow")["interval_end"].max()
    assert open_.any() and (sessions.loc[open_, "stop_time"] == run_end).all()
    assert (sessions.loc[open_, "energy_not_delivered_wh"] == 0).all()
    # integer-Wh rounding of each column
    booked = sessions["energy_requested_wh"] - sessions["energy_not_delivered_wh"]
    assert (delivered - booked)[~open_].abs().max() <= 1
    assert (delivered <= booked + 1)[open_].all()
    for _, group in sessions.sort_values("start_time").groupby("charger_id"):
        starts = group["meter_start_wh"].to_numpy()
        stops = group["meter_stop_wh"].to_numpy()
        assert (starts[1:] == stops[:-1]).all()
    # per charger, the sessions add up to the energy the charger drew in the run
    chargers = run.table("external/ev_charger")
    drawn_wh = sum(s["charger_kw"] for s in steps) * 250.0  # kW x 0.25 h, in Wh
    per_charger = delivered.groupby(sessions["charger_id"]).sum()
    expected = pd.Series(np.round(drawn_wh), index=chargers["charger_id"])
    pd.testing.assert_series_equal(
        per_charger.reindex(expected.index, fill_value=0).astype(float),
        expected,
        check_names=False,
    )
    hours = 0.25
    ev_kwh = sum(s["parts"][1].sum() + s["station_kw"].sum() for s in steps) * hours
    assert delivered.sum() / 1e3 == pytest.approx(ev_kwh, abs=1e-3 * len(chargers))
    assert set(sessions["charger_id"]) <= set(chargers["charger_id"])
    public = chargers[chargers["is_public"]]
    assert len(public) == 2 and public["meter_id"].isna().all()
    status = run.table("external/charger_status")
    assert set(status["status"]) <= {
        "Charging",
        "SuspendedEV",
        "SuspendedEVSE",
        "Available",
        "Faulted",
    }
    premise = run.table("truth/premise")
    assert (
        premise["has_ev"].sum() == 15
        and (premise.loc[premise["has_ev"], "ev_charger_kw"] > 0).all()
    )
    assert premise["has_pv"].sum() == 18 and premise["has_storage"].sum() == 9
    der = run.manifest["summary"]["der"]
    assert der["pv_mwh"] > 0 and der["ev_sessions"] == (~open_).sum()  # finished sessions


def test_der_runs_are_reproducible_and_leave_the_households_alone(
    tmp_path: Path, der_run: Any
) -> None:
    run, _ = der_run
    again = _run(tmp_path / "again", **DER)
    for table in ("internal/meter_interval", "external/ev_session", "external/der_telemetry"):
        pd.testing.assert_frame_equal(run.table(table), again.table(table))
    no_thermal = {
        f"households.thermal.{k}": 0.0
        for k in ("heat_pump", "direct_electric", "vacant_frost_heater", "air_conditioning")
    }
    no_thermal["households.thermal.water_heater"] = 0.0
    times = {k: v for k, v in DER.items() if k.startswith("time")}
    plain = _run(tmp_path / "plain", **times, **no_thermal)
    for table in ("truth/occupancy", "truth/vacancy"):
        pd.testing.assert_frame_equal(run.table(table), plain.table(table))
    cols = ["premise_id", "annual_kwh", "occupancy_kind"]
    pd.testing.assert_frame_equal(
        run.table("truth/premise")[cols], plain.table("truth/premise")[cols]
    )
    assert "external/ev_session" not in plain.tables
    assert not plain.table("truth/premise")[["has_pv", "has_storage", "has_ev"]].any().any()
    assert "der" not in plain.manifest["summary"] or not plain.manifest["summary"]["der"]


def test_an_unknown_station_bus_names_its_yaml_path(tmp_path: Path) -> None:
    scenario = validate_scenario_dict(
        tiny_scenario_dict(**{"ev.public_stations": [{"bus": 99_999}]})
    )
    with pytest.raises(ScenarioError, match=r"ev\.public_stations\.0\.bus"):
        twin.run(scenario, out=tmp_path / "bad", progress=False)
    assert not (tmp_path / "bad").exists()


def _forward_overloads(run: twin.Run) -> pd.DataFrame:
    t = run.table("internal/transformer_interval")
    return t[(t["loading_percent"] > 100.0) & (t["p_kw"] > 0)]


@pytest.mark.slow
def test_ev_pv_2030_summer_overvoltage_winter_overload_managed_removes_it(tmp_path: Path) -> None:
    file = REPO / "scenarios" / "ev_pv_2030.yaml"
    summer = twin.run(
        twin.load_scenario(file, ["time.start=2025-06-18T00:00:00", "time.duration=2d"]),
        out=tmp_path / "summer",
        progress=False,
    )
    assert summer.summary.overvoltage_bus_intervals > 0
    assert summer.summary.der["pv_trips"] > 0
    winter = ["time.start=2026-01-12T00:00:00", "time.duration=2d"]
    free = twin.run(twin.load_scenario(file, winter), out=tmp_path / "free", progress=False)
    managed = twin.run(
        twin.load_scenario(file, [*winter, "ev.policy=managed"]),
        out=tmp_path / "managed",
        progress=False,
    )
    over = _forward_overloads(free)
    evening = over["interval_end"].dt.tz_convert("Europe/Berlin").dt.hour.between(16, 22)
    # The EVs' evening peak overloads most; the commuters who come home at lunchtime (some
    # twenty sessions start between 12:00 and 14:00 on the Tuesday) may add a shorter one.
    assert len(over) > 0 and evening.mean() >= 0.5
    assert evening[over["loading_percent"] > 110.0].all()
    assert evening[over["loading_percent"].idxmax()]
    assert len(_forward_overloads(managed)) == 0
    # the cap (85 %) holds but for the one-interval lag of the power-flow feedback
    loading = managed.table("internal/transformer_interval")["loading_percent"].to_numpy()
    p_kw = managed.table("internal/transformer_interval")["p_kw"].to_numpy()
    assert loading[p_kw > 0].max() <= 100.0
    assert managed.summary.der["ev_mwh"] == pytest.approx(free.summary.der["ev_mwh"], rel=0.05)


def test_der_sections_are_validated_with_their_yaml_paths() -> None:
    bad = tiny_scenario_dict(
        **{
            "pv.weather": "sunny",
            "ev.policy": "smart",
            "storage.share": 2,
            "ev.home_power_shares": [1.0],
        }
    )
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(bad)
    text = str(info.value)
    for path in ("pv.weather", "ev.policy", "storage.share", "ev"):
        assert path in text
    with pytest.raises(ScenarioError, match="der_telemetry_every"):
        validate_scenario_dict(tiny_scenario_dict(**{"outputs.der_telemetry_every": "10min"}))


def test_charge_point_status_changes_are_simpy_events_at_their_exact_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twin.engine.recording_der import DerRecorder

    fired: list[tuple[float, int, str]] = []
    original = DerRecorder._status_fired

    def spy(self: DerRecorder, change: tuple[int, int, str, str], event: Any) -> None:
        fired.append((event.env.now, change[1], change[2]))
        original(self, change, event)

    monkeypatch.setattr(DerRecorder, "_status_fired", spy)
    run = _run(tmp_path / "spy", **DER)
    status = run.table("external/charger_status")
    # every row was written by a SimPy event that fired at the change's own time
    assert len(fired) == len(status) > 0
    assert all(now == t for now, t, _ in fired)
    assert {"Charging", "SuspendedEV"} <= {s for _, _, s in fired}
    seconds = (status["time"] - status["time"].dt.floor("15min")).dt.total_seconds()
    assert (seconds > 0).any()  # plug-in, full and faults fall inside intervals
    assert status["time"].is_monotonic_increasing
