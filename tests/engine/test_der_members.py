"""A shard's DER fleets (some LV transformer areas) behave exactly as in the whole run.

The whole fleet and a subset made of the premises of two of cigre_lv's three
LV transformer areas are built from the same scenario and seed, then driven
through the same intervals with the same household power, relay state and
(fake) power-flow results. The subset's powers, stored energy, truth columns
and every row it records (with charger and transaction ids) must equal the
whole run's rows of its premises and connectors, bit for bit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import simpy

from tests.conftest import tiny_scenario_dict
from twin.devices.behind_the_meter import DerFleets
from twin.devices.der_totals import DerTotals
from twin.engine.der import create_der
from twin.engine.recording_der import DerRecorder, schedule_ev_events
from twin.engine.site import connect_public_stations, format_ids
from twin.grid import GridModel, PowerFlowResult, load_network, place_premises
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.scenario.loading import validate_scenario_dict
from twin.streams.schemas import schema_for

N_PREMISES = 60
SHARD_TRAFOS = (0, 2)  # cigre_lv: transformers 0, 1 and 2; the shard holds 0 and 2
# bus 22 lies in transformer 1's area (not in the shard), bus 0 is the MV bus
STATIONS = [
    {"bus": 22, "connectors": 2, "power_kw": 50},
    {"bus": 10, "connectors": 2, "power_kw": 50},
    {"bus": 0, "connectors": 1, "power_kw": 150},
    {"bus": 30, "connectors": 2, "power_kw": 100},
]
FAILED_AREA = {11: 1, 15: 2, 16: 1}
"""Intervals in which one LV area's power flow fails (interval 7: the whole flow fails)."""
TABLES = (
    "external/ev_charger",
    "external/ev_session",
    "external/charger_status",
    "external/der_telemetry",
)


def _scenario(**changes: Any) -> Scenario:
    base = {
        "time.start": "2025-06-16T00:00:00",
        "time.duration": "3d",
        "time.interval": "30min",
        "grid.network": "cigre_lv",
        "households.count": N_PREMISES,
        "pv.share": 0.7,
        "pv.weather": "dwd_try2010_04",
        "storage.share": 0.6,
        "ev.share": 0.6,
        "ev.sessions_per_week": 7,
        "ev.public_stations": STATIONS,
        "ev.fault_rates_per_year": {"HighTemperature": 40.0, "GroundFailure": 30.0},
        "ev.repair_mean_h": 6.0,
        "households.thermal.heat_pump": 0.3,
        "households.thermal.direct_electric": 0.1,
        "households.thermal.air_conditioning": 0.3,
        "households.thermal.water_heater": 0.4,
    }
    return validate_scenario_dict(tiny_scenario_dict(**{**base, **changes}))


class _Table:
    def __init__(self, name: str, store: list[pa.RecordBatch]):
        self.schema = schema_for(name)
        self._store = store

    def append(self, columns: dict[str, Any]) -> None:
        self.append_batch(pa.RecordBatch.from_pydict(columns, schema=self.schema))

    def append_batch(self, batch: pa.RecordBatch) -> None:
        assert batch.schema.equals(self.schema)
        self._store.append(batch)


class _Writer:
    """Keeps the appended record batches in memory (the RunWriter interface the recorder uses)."""

    def __init__(self) -> None:
        self.batches: dict[str, list[pa.RecordBatch]] = defaultdict(list)

    def table(self, name: str) -> _Table:
        return _Table(name, self.batches[name])

    def frame(self, name: str) -> pd.DataFrame:
        table = pa.Table.from_batches(self.batches[name], schema=schema_for(name))
        frame = table.to_pandas()
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                # dictionary-encoded ids: the dictionary holds this process's meters
                frame[column] = frame[column].astype(object)
        return frame


class _Built:
    def __init__(
        self,
        scenario: Scenario,
        grid: GridModel,
        members: Members | None,
        simulated_bus: np.ndarray | None,
    ):
        self.grid = grid.copy()
        placement = place_premises(self.grid, N_PREMISES)
        self.placement = placement
        der = create_der(
            scenario,
            axis=scenario.time.axis(),
            grid=self.grid,
            stations=connect_public_stations(scenario, self.grid),
            premise_bus=np.asarray(placement.bus, dtype=np.int64),
            premise_transformer=np.asarray(placement.transformer, dtype=np.int64),
            rng=RandomTree(scenario.seed),
            members=members,
            simulated_bus=simulated_bus,
        )
        assert der is not None
        self.der = der
        local = der.members.index
        self.meter_ids = [format_ids("M", N_PREMISES)[i] for i in local]
        self.writer = _Writer()
        self.recorder = DerRecorder(
            self.writer,  # type: ignore[arg-type]
            scenario.time.axis(),
            der,
            meter_ids=self.meter_ids,
            premise_ids=[format_ids("P", N_PREMISES)[i] for i in local],
            bus_ids=self.grid.bus_id,
            telemetry_every=2,
        )


def _inputs(k: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Household power [kW], relay state, presence and vacancy of every premise of the whole
    fleet in interval k."""
    g = np.random.default_rng(1000 + k)
    hh = 0.2 + g.lognormal(-0.7, 0.8, n)
    closed = g.random(n) > 0.03
    present = g.random(n) < 0.6
    vacant = np.arange(n) % 7 == 0
    return hh, closed, present & ~vacant, vacant


def _fake_flow(k: int, full: DerFleets, grid: GridModel, transformer: np.ndarray) -> Any:
    """A power-flow result shaped by the whole run's powers of interval k."""
    g = np.random.default_rng(5000 + k)
    net = grid.net
    n_bus, n_trafo = len(net.bus), len(net.trafo)
    if k == 7:
        return PowerFlowResult(
            converged=False,
            vm_pu=np.full(n_bus, np.nan),
            trafo_p_mw=np.full(n_trafo, np.nan),
            trafo_q_mvar=np.full(n_trafo, np.nan),
            trafo_loading_percent=np.full(n_trafo, np.nan),
            line_loading_percent=np.zeros(len(net.line)),
            line_pl_mw=np.zeros(len(net.line)),
            trafo_pl_mw=np.full(n_trafo, np.nan),
            trafo_p_lv_mw=np.full(n_trafo, np.nan),
        )
    area_kw = np.bincount(transformer, weights=full.net_kw, minlength=n_trafo)
    station_trafo = grid.bus_transformer[full.station_bus]
    inside = station_trafo >= 0
    area_kw += np.bincount(
        station_trafo[inside], weights=full.station_kw[inside], minlength=n_trafo
    )
    rating_kva = net.trafo["sn_mva"].to_numpy() * 1e3
    vm = 1.02 + 0.045 * g.standard_normal(n_bus)
    vm -= 0.0002 * np.where(grid.bus_transformer >= 0, area_kw[grid.bus_transformer], 0.0)
    vm[g.random(n_bus) < 0.02] = np.nan
    p_mw, loading = area_kw / 1e3, np.abs(area_kw) / rating_kva * 100.0 * 1.03
    failed = FAILED_AREA.get(k)  # an LV area solved alone that did not converge
    if failed is not None:
        vm[grid.bus_transformer == failed] = np.nan
        p_mw[failed] = loading[failed] = np.nan
    return PowerFlowResult(
        converged=failed is None,
        vm_pu=vm,
        trafo_p_mw=p_mw,
        trafo_q_mvar=np.zeros(n_trafo),
        trafo_loading_percent=loading,
        line_loading_percent=np.zeros(len(net.line)),
        line_pl_mw=np.zeros(len(net.line)),
        trafo_pl_mw=0.01 * p_mw,
        trafo_p_lv_mw=0.99 * p_mw,
    )


def _shard_view(
    result: PowerFlowResult, bus: np.ndarray, trafos: tuple[int, ...] = SHARD_TRAFOS
) -> PowerFlowResult:
    """What a shard's own power flow (its LV areas solved alone) reports: NaN elsewhere."""
    trafo = np.isin(np.arange(result.trafo_p_mw.size), trafos)
    p_mw = np.where(trafo, result.trafo_p_mw, np.nan)
    return PowerFlowResult(
        converged=bool(np.isfinite(p_mw[trafo]).all()),
        vm_pu=np.where(bus, result.vm_pu, np.nan),
        trafo_p_mw=p_mw,
        trafo_q_mvar=np.where(trafo, result.trafo_q_mvar, np.nan),
        trafo_loading_percent=np.where(trafo, result.trafo_loading_percent, np.nan),
        line_loading_percent=result.line_loading_percent,
        line_pl_mw=result.line_pl_mw,
        trafo_pl_mw=np.where(trafo, result.trafo_pl_mw, np.nan),
        trafo_p_lv_mw=np.where(trafo, result.trafo_p_lv_mw, np.nan),
    )


def _drive(
    built: _Built,
    axis: Any,
    flow: Callable[[int], PowerFlowResult],
) -> list[dict[str, np.ndarray]]:
    """Run the fleets through every interval as the engine's interval loop does."""
    der, recorder = built.der, built.recorder
    index = der.members.index
    env = simpy.Environment()
    if der.ev is not None:
        schedule_ev_events(env, der.ev)
    out: list[dict[str, np.ndarray]] = []

    def process():  # type: ignore[no-untyped-def]
        for k in range(axis.n_intervals):
            hh, closed, present, vacant = _inputs(k, N_PREMISES)
            net = der.step(axis.at(k), hh[index], closed[index], present[index], vacant[index])
            recorder.schedule_status_changes(env)
            out.append(
                {
                    "net": net.copy(),
                    "hh": der.hh_kw.copy(),
                    "thermal": der.thermal_kw.copy(),
                    "pv": der.pv_kw.copy(),
                    "ev": der.ev_kw.copy(),
                    "storage": der.storage_kw.copy(),
                    "station": der.station_kw.copy(),
                    "soc": np.zeros(0) if der.storage is None else der.storage.soc_kwh.copy(),
                }
            )
            yield env.timeout(axis.interval_s)
            result = flow(k)
            der.after_flow(
                converged=result.converged,
                vm_pu=result.vm_pu,
                trafo_p_mw=result.trafo_p_mw,
                trafo_loading_percent=result.trafo_loading_percent,
            )
            recorder.interval(k)

    env.process(process())
    env.run()
    der.finish()
    return out


def _whole_and_shard(
    scenario: Scenario,
    members: Members,
    simulated_bus: np.ndarray | None,
    trafos: tuple[int, ...] = SHARD_TRAFOS,
) -> tuple[_Built, list[dict[str, np.ndarray]], _Built, list[dict[str, np.ndarray]]]:
    grid = load_network("cigre_lv")
    axis = scenario.time.axis()
    whole = _Built(scenario, grid, None, None)
    transformer = np.asarray(whole.placement.transformer, dtype=np.int64)
    results: list[PowerFlowResult] = []

    def whole_flow(k: int) -> PowerFlowResult:
        results.append(_fake_flow(k, whole.der, whole.grid, transformer))
        return results[-1]

    whole_steps = _drive(whole, axis, whole_flow)
    shard = _Built(scenario, grid, members, simulated_bus)
    if simulated_bus is None:
        shard_steps = _drive(shard, axis, lambda k: results[k])
    else:
        shard_steps = _drive(shard, axis, lambda k: _shard_view(results[k], simulated_bus, trafos))
    return whole, whole_steps, shard, shard_steps


def _shard_members(scenario: Scenario) -> tuple[Members, np.ndarray]:
    grid = load_network("cigre_lv")
    placement = place_premises(grid, N_PREMISES)
    inside = np.isin(placement.transformer, SHARD_TRAFOS)
    members = Members(np.flatnonzero(inside), N_PREMISES)
    simulated_bus = np.isin(grid.bus_transformer, SHARD_TRAFOS)
    simulated_bus[grid.bus_transformer < 0] = True  # this shard also holds the MV bus
    return members, simulated_bus


def _rows_of(frame: pd.DataFrame, column: str, keep: set[str]) -> pd.DataFrame:
    return frame[frame[column].isin(keep)].reset_index(drop=True)


@pytest.mark.parametrize(
    ("policy", "allocation"),
    [
        ("uncontrolled", "proportional"),
        ("delayed", "proportional"),
        ("managed", "proportional"),
        ("managed", "earliest_departure"),
    ],
)
def test_a_shard_of_transformer_areas_equals_the_whole_run_for_its_premises(
    policy: str, allocation: str
) -> None:
    scenario = _scenario(
        **{"ev.policy": policy, "ev.allocation": allocation, "ev.managed_cap_percent": 15}
    )
    members, simulated_bus = _shard_members(scenario)
    assert 0 < members.n < N_PREMISES and np.any(np.diff(members.index) > 1)
    whole, whole_steps, shard, shard_steps = _whole_and_shard(scenario, members, simulated_bus)
    idx = members.index
    w, s = whole.der, shard.der
    assert s.n == members.n and w.n == N_PREMISES

    # the network keeps every station's load row in every shard
    assert len(shard.grid.net.load) == len(whole.grid.net.load)
    np.testing.assert_array_equal(s.station_rows, w.station_rows)
    here = s.station_here
    assert here.tolist() == [False, False, True, True, True, True, True]

    # device parameters and truth columns
    for name, column in w.premise_columns().items():
        np.testing.assert_array_equal(s.premise_columns()[name], column[idx], err_msg=name)
    assert s.pv is not None and w.pv is not None
    assert s.storage is not None and w.storage is not None
    assert s.ev is not None and w.ev is not None
    np.testing.assert_array_equal(idx[s.pv.premise], w.pv.premise[np.isin(w.pv.premise, idx)])
    keep_battery = np.isin(w.storage.premise, idx)
    np.testing.assert_array_equal(idx[s.storage.premise], w.storage.premise[keep_battery])

    # every interval's powers and stored energy
    for k, (a, b) in enumerate(zip(whole_steps, shard_steps, strict=True)):
        for key in ("net", "hh", "thermal", "pv", "ev", "storage"):
            np.testing.assert_array_equal(b[key], a[key][idx], err_msg=f"{key} at {k}")
        np.testing.assert_array_equal(b["station"], np.where(here, a["station"], 0.0))
        np.testing.assert_array_equal(b["soc"], a["soc"][keep_battery], err_msg=f"soc at {k}")

    # every recorded row with its ids
    chargers = set(shard.writer.frame("external/ev_charger")["charger_id"])
    meters = set(shard.meter_ids)
    for table in TABLES:
        mine = whole.writer.frame(table)
        key, keep = (
            ("meter_id", meters) if table.endswith("telemetry") else ("charger_id", chargers)
        )
        expected = _rows_of(mine, key, keep)
        got = shard.writer.frame(table)
        assert len(got) > 0, table
        assert len(expected) < len(mine), table  # the whole run has rows the shard has not
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=table)

    # the run exercised what it should
    sessions = shard.writer.frame("external/ev_session")
    status = shard.writer.frame("external/charger_status")
    assert set(sessions["stop_reason"]) > {"EVDisconnected"}  # faults cut sessions
    assert {"Faulted", "Charging", "Available"} <= set(status["status"])
    charger = shard.writer.frame("external/ev_charger")
    public = set(charger.loc[charger["is_public"], "charger_id"])
    assert len(public) == 5 and sessions["charger_id"].isin(public).any()
    assert w.totals.pv_trips > 0
    if policy == "managed":
        # areas keep the whole grid's numbers; the shard caps only its own (0 and 2)
        assert np.isfinite(w._headroom[:3]).all()
        np.testing.assert_array_equal(s._headroom[[0, 2]], w._headroom[[0, 2]])
        assert np.isnan(s._headroom[1])


def test_two_complementary_shards_make_up_the_whole_run() -> None:
    scenario = _scenario(**{"ev.policy": "managed", "ev.managed_cap_percent": 15})
    members, simulated_bus = _shard_members(scenario)
    rest = Members(np.setdiff1d(np.arange(N_PREMISES), members.index), N_PREMISES)
    whole, whole_steps, a, a_steps = _whole_and_shard(scenario, members, simulated_bus)
    _, _, b, b_steps = _whole_and_shard(scenario, rest, ~simulated_bus, trafos=(1,))
    w = whole.der
    assert a.der.ev is not None and b.der.ev is not None and w.ev is not None
    assert 0 < a.der.n < N_PREMISES and a.der.n + b.der.n == N_PREMISES
    # each premise's powers come from exactly one of the shards
    for k, (x, y, z) in enumerate(zip(whole_steps, a_steps, b_steps, strict=True)):
        for key in ("net", "hh", "thermal", "pv", "ev", "storage"):
            joined = np.full(N_PREMISES, np.nan)
            joined[members.index], joined[rest.index] = y[key], z[key]
            np.testing.assert_array_equal(joined, x[key], err_msg=f"{key} at {k}")
        stations = np.where(a.der.station_here, y["station"], z["station"])
        np.testing.assert_array_equal(stations, x["station"], err_msg=f"station at {k}")
    assert (a.der.station_here ^ b.der.station_here).all()  # every station in one shard
    # the rows of the two shards are the whole run's rows
    for table in TABLES:
        rows = pd.concat([a.writer.frame(table), b.writer.frame(table)], ignore_index=True)
        expected = whole.writer.frame(table)
        columns = list(expected.columns)
        pd.testing.assert_frame_equal(
            rows.sort_values(columns, ignore_index=True),
            expected.sort_values(columns, ignore_index=True),
            check_exact=True,
            obj=table,
        )
    # the exact totals add up, interval by interval (the fleet-wide peak export included)
    assert DerTotals.merged([a.der.totals, b.der.totals]) == w.totals
    assert w.totals.ev_sessions > 0 and w.totals.pv_mj > 0 and max(w.totals.export_mw) > 0
    assert w.totals.water_heater_mj > 0 and w.totals.air_conditioning_mj > 0


def test_a_shard_without_devices_keeps_empty_fleets() -> None:
    scenario = _scenario(**{"ev.public_stations": STATIONS[:1]})
    grid = load_network("cigre_lv")
    built = _Built(scenario, grid, Members(np.zeros(0, dtype=np.int64), N_PREMISES), None)
    der = built.der
    assert der.n == 0 and der.pv is None and der.storage is None
    # the station is at a simulated bus (all are), so the EV fleet holds its connectors
    assert der.ev is not None and der.ev.n == 2 and der.ev.is_public.all()
    assert der.ev.charger_index.tolist() == [w - 2 + int(der.ev.n_total) for w in (0, 1)]
    axis = scenario.time.axis()
    none = np.zeros(0, dtype=bool)
    net = der.step(axis.at(0), np.zeros(0), none, none, none)
    assert net.shape == (0,) and der.station_kw.shape == (2,)


def test_members_must_fit_the_fleet() -> None:
    scenario = _scenario()
    grid = load_network("cigre_lv")
    with pytest.raises(ValueError, match="members"):
        _Built(scenario, grid, Members.all(N_PREMISES + 1), None)
    with pytest.raises(ValueError, match="simulated_bus"):
        _Built(scenario, grid, None, np.ones(3, dtype=bool))
