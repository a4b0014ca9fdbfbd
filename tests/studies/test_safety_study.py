"""The safety study on hand-made runs whose every figure is worked out by hand: lead
times, false alarms, precision, failures prevented, operations, the breakdowns, edge
cases (no failure, no alarm, an alarm without a work order, a hazard open at the run end,
an alarm after the failure), the command line and a sweep's trade-off."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import twin
from tests.studies.synthetic_run import START, write_run
from twin.cli import main
from twin.studies.registry import read_headlines, study_columns
from twin.studies.safety import (
    HEADLINE_METRICS,
    alarm_table,
    failure_table,
    funnel_counts,
    hazard_table,
    lead_summary,
    load_safety_tables,
    run_safety_study,
    safety_figures,
    tradeoff_table,
)

DAYS = 10
SENSOR_YEARS = 4 * DAYS / 365.25
SAFETY = {
    "safety": {
        "operations": {"crews": 2, "jobs_per_crew_day": 4, "shift": "08-17"},
        "sensors": {"residual_current": {"threshold_ma": 300}},
    }
}


def t(day: int, hour: int = 0, minute: int = 0) -> pd.Timestamp:
    """``day`` days, ``hour`` h and ``minute`` min after the run start (UTC)."""
    return pd.Timestamp(START, tz="UTC") + pd.Timedelta(days=day, hours=hour, minutes=minute)


NAT = pd.NaT


def _tables() -> dict[str, pd.DataFrame]:
    """Four sensors, seven hazards, four failures, nine safety alarms, six work orders.

    F1 (hazard H1) warned 48 h ahead by A1 (A2 later); F4 (H7) 6 h ahead by A9; F2 (H4)
    only alarmed an hour after it; F3 (H6) never. H2 repaired before it would fail
    (prevented); H3 repaired though not due; H5 open at the run end, with no sensor.
    A4 and A5 false, A7 a condition; A2, A5, A7 without a work order; W4 never dispatched.
    """
    sensors = pd.DataFrame(
        {
            "sensor_id": ["S1", "S2", "S3", "S4"],
            "premise_id": ["P1", "P2", "P3", "P4"],
            "meter_id": ["M1", "M2", "M3", None],
            "building_id": [None, None, None, "B7"],
            "kind": ["residual_current", "cable_temperature", "residual_current", "arc_fault"],
            "path": ["management_core", "iot_gateway", "iot_gateway", "management_core"],
            "reporting_interval_s": [900, 900, 900, 0],
            "threshold": [300.0, 70.0, 300.0, 1.0],
            "delay_s": [1800.0, 900.0, 1800.0, 0.0],
            "unit": ["mA", "degC", "mA", "1/min"],
            "rated_current_a": [63.0, 40.0, 63.0, 100.0],
        }
    )
    hazards = pd.DataFrame.from_records(
        [
            ("H1", "P1", "S1", "insulation_ageing", t(0), t(3, 12), "failure", t(3, 12), "F1"),
            ("H2", "P2", "S2", "overload", t(1), t(1, 10, 45), "repaired", t(4), None),
            ("H3", "P3", "S3", "insulation_damage", t(2), t(2, 11), "repaired", NAT, None),
            ("H4", "P4", "S4", "arcing", t(5), t(6), "failure", t(6), "F2"),
            ("H5", "P1", None, "insulation_damage", t(7), NAT, None, NAT, None),
            ("H6", "P3", "S3", "insulation_ageing", t(8), t(9), "failure", t(9), "F3"),
            ("H7", "P2", "S2", "overload", t(7), t(8), "failure", t(8), "F4"),
        ],
        columns=[
            "hazard_id",
            "premise_id",
            "sensor_id",
            "kind",
            "onset",
            "end",
            "end_reason",
            "would_fail_at",
            "failure_id",
        ],
    )
    failures = pd.DataFrame(
        {
            "failure_id": ["F1", "F2", "F3", "F4"],
            "hazard_id": ["H1", "H4", "H6", "H7"],
            "premise_id": ["P1", "P4", "P3", "P2"],
            "kind": ["fire", "protective_trip", "protective_trip", "fire"],
            "time": [t(3, 12), t(6), t(9), t(8)],
            "value": [520.0, 4.0, 700.0, 95.0],
            "unit": ["mA", "1/min", "mA", "degC"],
        }
    )
    alarms = pd.DataFrame.from_records(
        [
            ("A1", "S1", "P1", t(1, 12), "W1", "hazard", "H1"),
            ("A2", "S1", "P1", t(2, 12), None, "hazard", "H1"),
            ("A3", "S2", "P2", t(1, 6), "W2", "hazard", "H2"),
            ("A4", "S3", "P3", t(3, 2), "W3", "false", None),
            ("A5", "S3", "P3", t(4), None, "false", None),
            ("A6", "S4", "P4", t(6, 1), "W4", "hazard", "H4"),
            ("A7", "S2", "P2", t(2), None, "condition", None),
            ("A8", "S3", "P3", t(2, 6), "W5", "hazard", "H3"),
            ("A9", "S2", "P2", t(7, 18), "W6", "hazard", "H7"),
        ],
        columns=["alarm_id", "device_id", "premise_id", "raised_at", "work_order_id", "c", "i"],
    )
    kinds = dict(zip(sensors["sensor_id"], sensors["kind"], strict=True))
    alarms = alarms.assign(
        kind=alarms["device_id"].map(kinds), severity="major", value=1.0, threshold=1.0, unit="x"
    ).sort_values("raised_at")
    causes = alarms[["alarm_id", "c", "i"]].rename(columns={"c": "cause", "i": "cause_id"})
    safety_alarm = alarms.drop(columns=["c", "i"]).rename(columns={"raised_at": "raised_time"})
    orders = pd.DataFrame.from_records(
        [
            ("W1", "A1", t(1, 12, 5), t(2, 8), t(2, 8, 45), t(2, 10, 45), "no_fault_found", 1),
            ("W2", "A3", t(1, 6), t(1, 8), t(1, 8, 45), t(1, 10, 45), "repaired", 2),
            ("W3", "A4", t(3, 2), t(3, 8), t(3, 8, 30), t(3, 9, 30), "no_fault_found", 1),
            ("W4", "A6", t(6, 1), NAT, NAT, NAT, None, None),
            ("W5", "A8", t(2, 6), t(2, 8), t(2, 9), t(2, 11), "repaired", 2),
            ("W6", "A9", t(7, 18), t(8, 8), t(8, 8, 40), t(8, 9, 40), "too_late", 1),
            ("W7", "A-lighting-C1-0001", t(1), t(1, 8), t(1, 9), t(1, 10), "repaired", 1),
        ],
        columns=[
            "work_order_id",
            "alarm_id",
            "created_at",
            "dispatched_at",
            "arrived_at",
            "completed_at",
            "outcome",
            "crew",
        ],
    )
    orders["crew"] = orders["crew"].astype("Int64")
    orders["state"] = np.where(orders["outcome"].isna(), "open", "completed")
    readings = pd.DataFrame(
        {
            "sensor_id": ["S1", "S2", "S2"],
            "reading_end": [t(0, 0, 15), t(0, 0, 15), t(0, 0, 30)],
            "value": [120.0, 35.0, 36.0],
            "received_at": [t(0, 0, 16), t(0, 0, 20), NAT],
        }
    )
    return {
        "internal/safety_sensor": sensors,
        "internal/safety_reading": readings,
        "external/safety_alarm": safety_alarm,
        "truth/alarm_cause": causes,
        "truth/safety_hazard": hazards,
        "truth/safety_failure": failures,
        "external/work_order": orders,
    }


def _write(dest: Path, tables: dict[str, pd.DataFrame], **kwargs: Any) -> Path:
    return write_run(dest, tables, n_intervals=DAYS * 96, sections=SAFETY, **kwargs)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("safety") / "run", _tables())


@pytest.fixture(scope="module")
def study(run_dir: Path) -> dict[str, Any]:
    return run_safety_study(run_dir)


def test_outputs_are_written(run_dir: Path, study: dict[str, Any]) -> None:
    folder = run_dir / "studies" / "safety"
    on_disk = json.loads((folder / "metrics.json").read_text())
    assert on_disk["alarms"] == study["alarms"]
    for name in ("alarms", "failures", "hazards", "work_orders", "backlog_daily"):
        assert (folder / f"{name}.parquet").is_file()
    assert study["outputs"]["figures"] == ["lead_times.png", "funnel.png"]
    for figure in study["outputs"]["figures"]:
        assert (folder / figure).stat().st_size > 5000
    assert study["period"]["days"] == DAYS and study["sensors"]["count"] == 4
    assert study["sensors"]["by_kind"] == {
        "arc_fault": 1,
        "cable_temperature": 1,
        "residual_current": 2,
    }


def test_lead_times_count_the_first_alarm_before_the_failure(study: dict[str, Any]) -> None:
    warning = study["early_warning"]
    assert (warning["failures"], warning["warned"], warning["missed"]) == (4, 2, 2)
    assert warning["warned_share"] == 0.5  # F1 and F4 of four
    assert warning["warned_24h_share"] == 0.25  # F1 only (48 h; F4 6 h)
    lead = warning["lead_h"]
    assert lead["median"] == pytest.approx(27.0) and lead["mean"] == pytest.approx(27.0)
    assert (lead["min"], lead["max"]) == (pytest.approx(6.0), pytest.approx(48.0))
    assert lead["p90"] == pytest.approx(6 + 0.9 * 42)


def test_failure_rows_name_their_first_warning(run_dir: Path) -> None:
    failures = pd.read_parquet(run_dir / "studies/safety/failures.parquet").set_index("failure_id")
    assert failures.loc["F1", "first_alarm_id"] == "A1"  # not A2, raised later
    assert failures.loc["F1", "lead_h"] == pytest.approx(48.0)
    assert failures.loc["F4", "lead_h"] == pytest.approx(6.0)
    assert not failures.loc["F2", "warned"]  # A6 came an hour after the failure
    assert not failures.loc["F3", "warned"] and math.isnan(failures.loc["F3", "lead_h"])
    assert failures.loc["F2", "sensor_kind"] == "arc_fault"
    assert failures.loc["F3", "hazard_kind"] == "insulation_ageing"


def test_false_alarms_per_sensor_year_and_precision(study: dict[str, Any]) -> None:
    alarms = study["alarms"]
    assert alarms["alarms"] == 9
    assert alarms["by_cause"] == {"hazard": 6, "condition": 1, "false": 2}
    assert alarms["sensor_years"] == pytest.approx(SENSOR_YEARS)
    assert alarms["false_alarms"] == 2
    assert alarms["false_alarms_per_sensor_year"] == pytest.approx(2 * 365.25 / 40)
    assert alarms["alarms_per_sensor_year"] == pytest.approx(9 * 365.25 / 40)
    assert alarms["precision"] == pytest.approx(6 / 9)
    assert (alarms["with_work_order"], alarms["without_work_order"]) == (6, 3)


def test_prevented_share_counts_only_hazards_due_within_the_run(
    run_dir: Path, study: dict[str, Any]
) -> None:
    prevention = study["prevention"]
    assert prevention["hazards"] == 7 and prevention["would_fail"] == 5
    assert (prevention["prevented"], prevention["failed"]) == (1, 4)  # H2; H1, H4, H6, H7
    assert prevention["prevented_share"] == pytest.approx(0.2)
    assert prevention["repaired_not_due"] == 1  # H3
    assert prevention["open_at_end"] == 1  # H5
    assert prevention["with_sensor"] == 6
    # detected: an alarm before the hazard ended (H1, H2, H3, H7; H4's came after)
    assert prevention["detected"] == 4 and prevention["detected_share"] == pytest.approx(4 / 7)
    delays = [36.0, 6.0, 6.0, 18.0]  # onset to first alarm [h]
    assert prevention["detection_h"]["median"] == pytest.approx(12.0)
    assert prevention["detection_h"]["p90"] == pytest.approx(np.percentile(delays, 90))
    hazards = pd.read_parquet(run_dir / "studies/safety/hazards.parquet").set_index("hazard_id")
    assert hazards["outcome"].to_dict() == {
        "H1": "failed",
        "H2": "prevented",
        "H3": "repaired_not_due",
        "H4": "failed",
        "H5": "open_at_end",
        "H6": "failed",
        "H7": "failed",
    }
    assert hazards.loc["H5", "sensor_kind"] == "none" and hazards.loc["H1", "alarms"] == 2


def test_operations_outcomes_response_times_backlog_and_crews(
    run_dir: Path, study: dict[str, Any]
) -> None:
    ops = study["operations"]
    assert ops["work_orders"] == 6  # W7 answered a lighting alarm
    assert ops["by_outcome"] == {"repaired": 2, "no_fault_found": 2, "too_late": 1, "open": 1}
    assert ops["by_state"] == {"completed": 5, "open": 1}
    arrival = [20.75, 2.75, 6.5, 3.0, 14 + 40 / 60]  # W1, W2, W3, W5, W6 [h]
    completion = [22.75, 4.75, 7.5, 5.0, 15 + 40 / 60]
    assert ops["alarm_to_arrival_h"]["n"] == 5
    assert ops["alarm_to_arrival_h"]["median"] == pytest.approx(6.5)
    assert ops["alarm_to_arrival_h"]["p90"] == pytest.approx(np.percentile(arrival, 90))
    assert ops["alarm_to_completion_h"]["median"] == pytest.approx(7.5)
    assert ops["alarm_to_completion_h"]["p90"] == pytest.approx(np.percentile(completion, 90))
    backlog = pd.read_parquet(run_dir / "studies/safety/backlog_daily.parquet")
    assert len(backlog) == DAYS
    assert backlog["open_at_end"].tolist() == [0, 1, 0, 0, 0, 0, 1, 2, 1, 1]
    assert backlog["created"].tolist() == [0, 2, 1, 1, 0, 0, 1, 1, 0, 0]
    assert backlog["completed"].tolist() == [0, 1, 2, 1, 0, 0, 0, 0, 1, 0]
    assert ops["backlog"] == {"mean": pytest.approx(0.6), "max": 2, "at_end": 1}
    crews = ops["crews"]
    assert crews["crews"] == 2 and crews["shift_h"] == 9.0
    busy = 2.75 + 2.75 + 1.5 + 3.0 + 1 + 40 / 60  # dispatched to completed [h]
    assert crews["busy_h"] == pytest.approx(busy)
    assert crews["available_h"] == pytest.approx(2 * 9 * DAYS)
    assert crews["utilisation"] == pytest.approx(busy / 180)
    assert crews["jobs_by_crew"] == {"1": 3, "2": 2}
    assert crews["capacity_jobs"] == pytest.approx(80.0)
    assert crews["demand_over_capacity"] == pytest.approx(6 / 80)
    assert any("1 work orders of alarms of other sources" in n for n in study["notes"])


def test_breakdowns_by_sensor_kind_path_and_hazard_kind(study: dict[str, Any]) -> None:
    kinds = study["by_sensor_kind"]
    assert list(kinds) == ["arc_fault", "cable_temperature", "residual_current", "none"]
    rc = kinds["residual_current"]
    assert (rc["sensors"], rc["alarms"], rc["false_alarms"]) == (2, 5, 2)
    assert rc["false_alarms_per_sensor_year"] == pytest.approx(2 / (2 * DAYS / 365.25))
    assert rc["precision"] == pytest.approx(3 / 5)
    assert (rc["failures"], rc["warned_share"], rc["median_lead_h"]) == (2, 0.5, 48.0)
    assert (rc["prevented"], rc["failed"], rc["prevented_share"]) == (0, 2, 0.0)
    cable = kinds["cable_temperature"]
    assert cable["precision"] == pytest.approx(2 / 3) and cable["median_lead_h"] == 6.0
    assert cable["prevented_share"] == 0.5  # H2 prevented, H7 failed
    assert kinds["arc_fault"]["warned_share"] == 0.0
    assert kinds["none"]["sensors"] == 0 and kinds["none"]["prevented_share"] is None
    paths = study["by_path"]
    assert paths["iot_gateway"]["sensors"] == 2 and paths["iot_gateway"]["alarms"] == 6
    assert paths["management_core"]["failures"] == 2  # F1 (S1), F2 (S4)
    hazards = study["by_hazard_kind"]
    assert list(hazards) == ["arcing", "insulation_ageing", "insulation_damage", "overload"]
    assert hazards["insulation_ageing"]["failures"] == 2
    assert hazards["insulation_ageing"]["warned_share"] == 0.5
    assert hazards["insulation_damage"]["failures"] == 0
    assert hazards["insulation_damage"]["warned_share"] is None
    assert hazards["overload"]["hazard_alarms"] == 2 and hazards["overload"]["prevented"] == 1


def test_readings_per_path(study: dict[str, Any]) -> None:
    readings = study["readings"]
    core, gateway = readings["management_core"], readings["iot_gateway"]
    assert core["expected"] == DAYS * 96  # the arc-fault sensor reports on events only
    assert (core["readings"], core["received"]) == (1, 1)
    assert core["delay_s"]["median"] == 60.0
    assert gateway["expected"] == 2 * DAYS * 96
    assert (gateway["readings"], gateway["received"]) == (2, 1)
    assert gateway["received_share"] == pytest.approx(1 / (2 * DAYS * 96))
    assert gateway["delay_s"]["median"] == 300.0


def test_funnel_follows_each_alarm_to_its_outcome(run_dir: Path) -> None:
    alarms = alarm_table(load_safety_tables(twin.open_run(run_dir)))
    counts = funnel_counts(alarms)
    assert list(counts.columns) == ["hazard", "condition", "false"]
    assert counts.sum(axis=1).tolist() == [9, 6, 5, 5, 2, 2, 1]
    assert counts.loc["with a work order", "false"] == 1  # A4; A5 had none
    assert counts.loc["repaired", "hazard"] == 2


def test_headline_metrics_are_sweep_columns(run_dir: Path, study: dict[str, Any]) -> None:
    row = read_headlines(run_dir, ["safety"])
    assert list(row) == list(study_columns("safety"))
    assert row["safety_prevented_share"] == pytest.approx(0.2)
    assert row["safety_median_lead_time_h"] == pytest.approx(27.0)
    assert row["safety_false_alarms_per_sensor_year"] == pytest.approx(18.2625)
    figures = safety_figures(run_dir)
    assert list(figures) == list(HEADLINE_METRICS)
    assert figures == study["headline"]
    assert figures["work_orders"] == 6 and figures["backlog_max"] == 2


def test_the_alarm_log_table_serves_when_the_safety_view_is_absent(tmp_path: Path) -> None:
    tables = _tables()
    view = tables.pop("external/safety_alarm")
    log = view.rename(columns={"raised_time": "raised_at"}).assign(source="safety")
    other = log.iloc[:1].assign(alarm_id="A-lighting-C1-0001", source="lighting")
    tables["external/alarm"] = pd.concat([log, other], ignore_index=True)
    metrics = run_safety_study(_write(tmp_path / "run", tables))
    assert metrics["alarms"]["alarms"] == 9
    assert metrics["early_warning"]["warned"] == 2


def test_a_run_without_failures_or_alarms(tmp_path: Path) -> None:
    tables = {"internal/safety_sensor": _tables()["internal/safety_sensor"]}
    metrics = run_safety_study(_write(tmp_path / "quiet", tables))
    warning = metrics["early_warning"]
    assert warning["failures"] == 0 and warning["warned_share"] is None
    assert warning["lead_h"]["median"] is None
    assert metrics["alarms"]["alarms"] == 0 and metrics["alarms"]["precision"] is None
    assert metrics["alarms"]["false_alarms_per_sensor_year"] == 0.0
    assert metrics["prevention"]["prevented_share"] is None
    assert metrics["operations"]["work_orders"] == 0
    assert metrics["operations"]["backlog"]["max"] == 0
    assert metrics["operations"]["crews"]["utilisation"] == 0.0
    assert metrics["readings"] is None
    assert any("read as empty" in note for note in metrics["notes"])
    headline = metrics["headline"]
    assert headline["prevented_share"] is None and headline["failures"] == 0  # NaN in JSON
    assert math.isnan(safety_figures(tmp_path / "quiet")["median_lead_time_h"])


def test_failures_without_alarms_are_all_missed(tmp_path: Path) -> None:
    tables = _tables()
    for name in ("external/safety_alarm", "truth/alarm_cause", "external/work_order"):
        tables[name] = tables[name].iloc[:0]
    run = twin.open_run(_write(tmp_path / "run", tables))
    safety = load_safety_tables(run)
    alarms = alarm_table(safety)
    hazards = hazard_table(safety.hazards, alarms, safety.sensors)
    failures = failure_table(safety.failures, hazards, alarms)
    summary = lead_summary(failures)
    assert (summary["failures"], summary["warned"], summary["missed"]) == (4, 0, 4)
    assert summary["warned_share"] == 0.0 and summary["lead_h"]["median"] is None
    assert not hazards["detected"].any()


def test_cli_runs_the_study_and_refuses_a_run_without_safety(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["study", "safety", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "study safety on" in out and "failures warned" in out
    bare = write_run(tmp_path / "bare", {}, n_intervals=96)
    assert main(["study", "safety", str(bare)]) == 2
    err = capsys.readouterr().err
    assert "no internal/safety_sensor table" in err and "`safety:` section" in err
    assert "Traceback" not in err
    assert not (bare / "studies" / "safety").exists()


def _sweep(folder: Path) -> Path:
    """A grid of threshold_ma x crews, two seeds: hand-set columns, one run left to study."""
    threshold, crews = "safety.sensors.residual_current.threshold_ma", "safety.operations.crews"
    records = []
    values = {
        (200, 1): [(0.6, 30.0, 10.0), (0.4, 34.0, 14.0)],
        (200, 2): [(0.8, 30.0, 10.0), (0.6, 34.0, 14.0)],
        (300, 1): [(0.3, 4.0, 20.0), (0.5, 6.0, 16.0)],
        (300, 2): [(0.5, 4.0, 20.0), None],
    }
    for (ma, n), seeds in values.items():
        for seed, preset in enumerate(seeds):
            run_id = f"r{len(records)}"
            record: dict[str, Any] = {"run_id": run_id, threshold: ma, crews: n}
            record |= {"seed_index": seed, "status": "complete", "study_error": ""}
            record |= dict.fromkeys(study_columns("safety"), np.nan)
            if preset is None:  # the study has not run here: the sweep's study runs it
                _write(folder / "runs" / run_id, _tables())
            else:
                (folder / "runs" / run_id).mkdir(parents=True)
                share, false, lead = preset
                record |= {
                    "safety_prevented_share": share,
                    "safety_false_alarms_per_sensor_year": false,
                    "safety_median_lead_time_h": lead,
                }
            records.append(record)
    pd.DataFrame.from_records(records).to_parquet(folder / "sweep.parquet")
    described = {"parameters": {threshold: [200, 300], crews: [1, 2]}, "design": "grid"}
    (folder / "sweep.yaml").write_text(yaml.safe_dump(described))
    return folder


def test_the_trade_off_over_a_sweep_of_the_safety_keys(tmp_path: Path) -> None:
    folder = _sweep(tmp_path / "sweep")
    assert main(["study", "safety", str(folder)]) == 0
    out = folder / "studies" / "safety"
    trade = pd.read_parquet(out / "tradeoff.parquet")
    assert trade["value"].tolist() == ["1, 200", "2, 200", "1, 300", "2, 300"]
    assert trade["safety.operations.crews"].tolist() == [1, 2, 1, 2]
    assert trade["safety.sensors.residual_current.threshold_ma"].tolist() == [200] * 2 + [300] * 2
    assert trade["runs"].tolist() == [2, 2, 2, 2]
    np.testing.assert_allclose(trade["prevented_share_mean"], [0.5, 0.7, 0.4, 0.35])
    sd = [0.1414214, 0.1414214, 0.1414214, 0.2121320]
    np.testing.assert_allclose(trade["prevented_share_sd"], sd, rtol=1e-6)
    np.testing.assert_allclose(trade["false_alarms_per_sensor_year_mean"], [32, 32, 5, 11.13125])
    np.testing.assert_allclose(trade["median_lead_time_h_min"], [10, 10, 16, 20])
    np.testing.assert_allclose(trade["median_lead_time_h_max"], [14, 14, 20, 27])
    assert (out / "tradeoff.png").stat().st_size > 10_000
    described = json.loads((out / "metrics.json").read_text())
    assert described["tradeoff"]["policy_keys"] == [
        "safety.sensors.residual_current.threshold_ma",
        "safety.operations.crews",
    ]
    assert (out / "robustness.csv").is_file()
    # the run studied by the sweep: its own metrics
    assert (folder / "runs" / "r7" / "studies" / "safety" / "metrics.json").is_file()
    table = pd.read_parquet(folder / "sweep.parquet").iloc[:2]
    table["safety_prevented_share"] = [0.6, 0.4]
    only = tradeoff_table(table, ["safety.operations.crews"], "one_at_a_time")
    assert only["value"].tolist() == ["1"] and only["safety.operations.crews"].tolist() == [1]


def test_crew_shifts_are_local_hours() -> None:
    from twin.studies.safety.data import Operations
    from twin.studies.safety.operations import shift_hours

    ops = Operations(crews=2, jobs_per_crew_day=4, shift=(8, 17))
    # 00:00 UTC is 08:00 in Shanghai: ten whole shifts; in UTC too
    assert shift_hours(ops, t(0), t(DAYS), "Asia/Shanghai") == pytest.approx(90.0)
    assert shift_hours(ops, t(0), t(DAYS), "UTC") == pytest.approx(90.0)
    # a run from 12:00 to 12:00 UTC the next day: 5 h of one day's shift and 4 h of the next
    assert shift_hours(ops, t(0, 12), t(1, 12), "UTC") == pytest.approx(9.0)
    night = Operations(crews=1, shift=(22, 6))  # past midnight: 8 h a day
    assert night.shift_h == 8.0
    assert shift_hours(night, t(0), t(2), "UTC") == pytest.approx(6 + 8 + 2)
    assert shift_hours(Operations(), t(0), t(1), "UTC") is None


@settings(max_examples=40, deadline=None)
@given(
    created=st.lists(st.integers(0, DAYS * 24 - 1), min_size=0, max_size=12),
    took=st.lists(st.one_of(st.none(), st.integers(0, 120)), min_size=12, max_size=12),
    timezone=st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]),
)
def test_backlog_carries_over_from_day_to_day(
    created: list[int], took: list[int | None], timezone: str
) -> None:
    """Open at a day's end = open the day before + created - completed, whatever the zone."""
    from twin.studies.safety.operations import backlog_daily

    made = [t(0, h) for h in created]
    done = [
        NAT if d is None else m + pd.Timedelta(hours=d)
        for m, d in zip(made, took[: len(made)], strict=True)
    ]
    orders = pd.DataFrame(
        {
            "created_at": pd.to_datetime(pd.Series(made, dtype=object), utc=True),
            "completed_at": pd.to_datetime(pd.Series(done, dtype=object), utc=True),
        }
    )
    orders["completed_at"] = orders["completed_at"].where(orders["completed_at"] < t(DAYS))
    backlog = backlog_daily(orders, t(0), t(DAYS), timezone)
    before = np.concatenate([[0], backlog["open_at_end"].to_numpy()[:-1]])
    carried = before + backlog["created"].to_numpy() - backlog["completed"].to_numpy()
    np.testing.assert_array_equal(backlog["open_at_end"].to_numpy(), carried)
    assert backlog["created"].sum() == len(orders)
    assert backlog["open_at_end"].iloc[-1] == orders["completed_at"].isna().sum()
