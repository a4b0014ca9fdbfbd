"""Demand response through whole runs: no effect when nobody enrols, lost and late signals,
energy kept by shiftable loads, the counterfactual, sharding and bad input."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import twin
from tests.sweep.test_shards import assert_same_tables, run_and_merge_two_shards
from twin.engine.demand_response import DemandResponse
from twin.report.demand_response_section import demand_response_section
from twin.scenario.loading import validate_scenario_dict
from twin.studies.demand_response.baselines import BASELINES
from twin.studies.demand_response.study import demand_response_figures

DR_TABLES = list(DemandResponse.TABLES)
EVENT_START = pd.Timestamp("2025-01-14T17:00", tz="Europe/Berlin").tz_convert("UTC")
EVENT_END = EVENT_START + pd.Timedelta(hours=3)


def _data(enrollment: float = 0.8, **dr: Any) -> dict[str, Any]:
    return {
        "name": "dr",
        "seed": 11,
        "time": {
            "start": "2025-01-13T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "2d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv", "latitude_deg": 52.5},
        "households": {"count": 24, "thermal": {"heat_pump": 0.5, "water_heater": 0.5}},
        "pv": {"share": 0.4},
        "storage": {"share": 0.5},
        "ev": {"share": 0.7},
        "demand_response": {
            "programmes": [
                {
                    "name": "cpp",
                    "kind": "price",
                    "enrollment": enrollment,
                    "ignore_share": 0.1,
                    "opt_out_probability": 0.1,
                    "notice": "1d",
                    "comfort_c": 2.0,
                    "events": [
                        {"start": "2025-01-14T17:00", "duration": "3h", "level": 3,
                         "price_per_kwh": 0.6}
                    ],
                },
                {
                    "name": "shave",
                    "kind": "peak_shaving",
                    "enrollment": enrollment,
                    "notice": "1h",
                    "trigger": {"loading_percent": 5, "duration": "2h", "history": "1d"},
                },
            ],
            **dr,
        },
    }  # fmt: skip


def _without(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    del out["demand_response"]
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, twin.Run]:
    folder = tmp_path_factory.mktemp("dr")
    out = {}
    for name, data in (
        ("plain", _without(_data())),
        ("nobody", _data(enrollment=0.0)),
        ("dr", _data()),
    ):
        out[name] = twin.run(validate_scenario_dict(data), out=folder / name, progress=False)
    return out


def test_nobody_enrolled_changes_no_table(runs: dict[str, twin.Run]) -> None:
    plain, nobody = runs["plain"], runs["nobody"]
    assert set(nobody.tables) - set(plain.tables) <= set(DR_TABLES)
    assert_same_tables(plain, nobody, list(plain.tables))
    enrollment = nobody.table("truth/dr_enrollment")
    assert len(enrollment) > 0 and not enrollment["enrolled"].any()


def test_events_are_called_ahead_and_shaped_as_openadr(runs: dict[str, twin.Run]) -> None:
    events = runs["dr"].table("external/dr_event")
    cpp = events[events["programme"] == "cpp"].iloc[0]
    assert cpp["event_id"] == "E1" and cpp["signal"] == "ELECTRICITY_PRICE"
    assert cpp["start"] == EVENT_START and cpp["end"] == EVENT_END
    assert cpp["called_at"] == EVENT_START - pd.Timedelta(days=1)
    shaved = events[events["programme"] == "shave"]
    assert len(shaved) > 0 and (shaved["area"].str.match(r"^T\d+$")).all()
    assert (shaved["signal"] == "SIMPLE").all() and (shaved["target_kw"] > 0).all()
    assert (shaved["start"] - shaved["called_at"] == pd.Timedelta(hours=1)).all()
    # the forecast needs a recorded day: nothing is called on the first
    assert (shaved["called_at"] >= pd.Timestamp("2025-01-13T23:00", tz="UTC")).all()
    import json

    shape = json.loads(cpp["openadr"])
    assert set(shape) == {"eventDescriptor", "activePeriod", "eiEventSignals", "eiTarget"}
    assert shape["activePeriod"]["duration"] == "PT3H"
    assert shape["eiEventSignals"]["eiEventSignal"][0]["signalName"] == "ELECTRICITY_PRICE"


def test_dispatch_acts_at_the_start_unless_opted_out_or_ignoring(
    runs: dict[str, twin.Run],
) -> None:
    run = runs["dr"]
    d = run.table("external/dr_dispatch")
    events = run.table("external/dr_event")
    d = d.merge(events[["programme", "event_id", "start", "end"]], on=["programme", "event_id"])
    delivered = d["delivered"].notna()
    assert (d.loc[delivered, "delivered"] >= d.loc[delivered, "sent"]).all()
    acted = d["acted"].notna()
    assert not (acted & d["opted_out"]).any()
    expected = np.maximum(d.loc[acted, "delivered"], d.loc[acted, "start"])
    assert (d.loc[acted, "acted"] == expected).all()
    enrol = run.table("truth/dr_enrollment")
    ignoring = set(enrol.loc[enrol["ignores"], "premise_id"])
    cpp = d["programme"] == "cpp"
    assert not d.loc[cpp & acted, "premise_id"].isin(ignoring).any()
    assert acted.sum() > 0


def _counterfactual(run: twin.Run) -> pd.DataFrame:
    cf = run.table("truth/dr_counterfactual")
    assert not cf.duplicated(["premise_id", "interval_end"]).any()
    return cf


def test_counterfactual_equals_actual_before_any_signal_and_for_non_acting_premises(
    runs: dict[str, twin.Run],
) -> None:
    run = runs["dr"]
    cf = _counterfactual(run)
    d = run.table("external/dr_dispatch")
    first = d["delivered"].min().floor("15min")
    early = cf[cf["interval_end"] <= first]
    assert len(early) > 0
    acting = set(d.loc[d["acted"].notna(), "premise_id"])
    idle = cf[~cf["premise_id"].isin(acting)]
    # and for each premise until a signal first reaches it, while others already act
    reached = d.dropna(subset=["delivered"]).groupby("premise_id")["delivered"].min()
    own = pd.to_datetime(cf["premise_id"].map(reached), utc=True).dt.floor("15min")
    untouched = cf[own.isna() | (cf["interval_end"] <= own)]
    assert (untouched["interval_end"] > first).any()
    for part in (early, idle, untouched):
        for side in ("p_kw", "indoor_c", "tank_c"):  # the shadow's temperatures too
            np.testing.assert_array_equal(part[side], part[f"{side}_actual"])
    assert cf["indoor_c"].notna().any() and cf["tank_c"].notna().any()
    # the actual power is the premise's true power as metered
    enrolled = run.table("truth/dr_enrollment")
    assert set(cf["premise_id"]) == set(enrolled.loc[enrolled["enrolled"], "premise_id"])


def test_the_event_sheds_load_and_the_devices_recover_afterwards(
    runs: dict[str, twin.Run],
) -> None:
    cf = _counterfactual(runs["dr"])
    shed = cf["p_kw"] - cf["p_kw_actual"]
    during = (cf["interval_end"] > EVENT_START) & (cf["interval_end"] <= EVENT_END)
    after = (cf["interval_end"] > EVENT_END) & (
        cf["interval_end"] <= EVENT_END + pd.Timedelta(hours=4)
    )
    assert shed[during].sum() > 0  # less drawn in the event
    assert shed[after].sum() < 0  # rebound: more drawn after it, from the devices' state


def test_ev_energy_not_drawn_in_an_event_is_drawn_later_or_counted_not_delivered(
    runs: dict[str, twin.Run],
) -> None:
    key = ["charger_id", "start_time"]
    cols = [*key, "stop_reason", "meter_start_wh", "meter_stop_wh", "energy_not_delivered_wh"]
    plain = runs["plain"].table("external/ev_session")[cols].set_index(key).sort_index()
    dr = runs["dr"].table("external/ev_session")[cols].set_index(key).sort_index()
    assert plain.index.equals(dr.index)
    done = (plain["stop_reason"] == "EVDisconnected") & (dr["stop_reason"] == "EVDisconnected")
    wanted_plain = (
        plain["meter_stop_wh"] - plain["meter_start_wh"] + plain["energy_not_delivered_wh"]
    )
    wanted_dr = dr["meter_stop_wh"] - dr["meter_start_wh"] + dr["energy_not_delivered_wh"]
    np.testing.assert_allclose(wanted_dr[done], wanted_plain[done], atol=2.0)
    delivered_plain = (plain["meter_stop_wh"] - plain["meter_start_wh"]).sum()
    delivered_dr = (dr["meter_stop_wh"] - dr["meter_start_wh"]).sum()
    assert delivered_dr <= delivered_plain + 2.0 * len(plain)


def test_a_lost_signal_never_acts(tmp_path: Path) -> None:
    data = _data()
    data["comms"] = {"technology": "hplc", "loss": 0.999, "retries": 0}
    run = twin.run(validate_scenario_dict(data), out=tmp_path / "lost", progress=False)
    d = run.table("external/dr_dispatch")
    assert len(d) > 0 and d["delivered"].isna().all() and d["acted"].isna().all()
    cf = _counterfactual(run)
    np.testing.assert_array_equal(cf["p_kw"], cf["p_kw_actual"])


def test_a_late_signal_acts_late(tmp_path: Path) -> None:
    data = _data()
    programme = data["demand_response"]["programmes"][0]
    programme["notice"] = "0s"
    programme["opt_out_probability"] = 0.0
    data["demand_response"]["programmes"] = [programme]
    data["comms"] = {"technology": "hplc", "loss": 0.0, "latency_median_s": 30.0}
    run = twin.run(validate_scenario_dict(data), out=tmp_path / "late", progress=False)
    d = run.table("external/dr_dispatch")
    acted = d["acted"].notna()
    assert acted.any()
    assert (d.loc[acted, "acted"] > EVENT_START).all()
    assert (d.loc[acted, "acted"] == d.loc[acted, "delivered"]).all()


def test_a_sharded_run_has_the_same_dr_tables(runs: dict[str, twin.Run], tmp_path: Path) -> None:
    shards, merged = run_and_merge_two_shards(validate_scenario_dict(_data()), tmp_path)
    assert all(s.manifest["row_counts"].get("truth/dr_enrollment", 0) > 0 for s in shards)
    assert_same_tables(runs["dr"], merged, DR_TABLES)


def test_a_trigger_at_a_missing_transformer_exits_2_naming_the_path(tmp_path: Path) -> None:
    data = _data()
    data["demand_response"]["programmes"][1]["trigger"]["transformers"] = [0, 999]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    done = subprocess.run(
        [sys.executable, "-m", "twin", "run", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "demand_response.programmes.1.trigger.transformers.1" in done.stderr
    assert "999" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_report_section_gives_the_study_figures(
    runs: dict[str, twin.Run], tmp_path: Path
) -> None:
    run = runs["dr"]
    section = demand_response_section(run, tmp_path)
    assert section is not None and section.anchor == "demand-response"
    rows = {row[0]: row[1] for row in section.tables[0].rows}
    figures = demand_response_figures(run.path)
    assert rows["events"] == f"{figures['events']:,.0f}"
    assert (
        rows["reduction delivered per event, mean [kW]"] == f"{figures['delivered_kw_mean']:,.2f}"
    )
    assert len(section.tables[1].rows) == len(BASELINES)
    assert all((tmp_path / f.file).is_file() for f in section.figures)
    assert demand_response_section(runs["plain"], tmp_path) is None


def _wet_only(enrollment: float) -> dict[str, Any]:
    """Households without any DER; a programme that acts on wet appliances alone, in the
    late morning, when most washing machines start (CREST's laundry profile)."""
    return {
        "name": "wet",
        "seed": 5,
        "time": {
            "start": "2025-01-13T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "2d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv", "latitude_deg": 52.5},
        "households": {"count": 40},
        "demand_response": {
            "programmes": [
                {
                    "name": "laundry",
                    "kind": "direct_load_control",
                    "enrollment": enrollment,
                    "devices": ["wet_appliances"],
                    "wet_appliance_max_delay": "3h",
                    "events": [{"start": "2025-01-14T09:00", "duration": "3h", "level": 3}],
                }
            ]
        },
    }


def test_wet_appliances_alone_shift_their_starts_and_keep_their_energy(tmp_path: Path) -> None:
    data = _wet_only(0.6)
    run = twin.run(validate_scenario_dict(data), out=tmp_path / "wet", progress=False)
    plain = twin.run(validate_scenario_dict(_without(data)), out=tmp_path / "plain", progress=False)
    enrolled = run.table("truth/dr_enrollment")
    assert set(enrolled["devices"]) == {"wet_appliances"}
    cf = _counterfactual(run)
    start = pd.Timestamp("2025-01-14T09:00", tz="Europe/Berlin").tz_convert("UTC")
    end = start + pd.Timedelta(hours=3)
    shift = cf["p_kw"] - cf["p_kw_actual"]
    during = (cf["interval_end"] > start) & (cf["interval_end"] <= end)
    assert shift[during].sum() > 0, "starts held in the window"
    assert shift[~during].sum() < 0, "and run after it"
    # a delayed cycle runs in full: each premise's energy is its counterfactual's
    per_premise = cf.assign(shift=shift).groupby("premise_id")["shift"].sum()
    np.testing.assert_allclose(per_premise.to_numpy(), 0.0, atol=1e-9)
    # premises not enrolled draw exactly what they draw without the programme
    meters = run.table("internal/meter_point")
    households = meters.loc[meters["customer_kind"] == "household", ["meter_id", "premise_id"]]
    joined = enrolled.loc[enrolled["enrolled"], "premise_id"]
    others = set(households.loc[~households["premise_id"].isin(joined), "meter_id"])
    assert others and len(joined) > 0
    a, b = (r.table("internal/meter_interval") for r in (run, plain))
    a, b = (
        t[t["meter_id"].isin(others)].sort_values(["meter_id", "interval_end"])["import_wh"]
        for t in (a, b)
    )
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
