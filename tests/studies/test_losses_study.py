"""Losses study on a hand-made three-area run: flags, suspects, scores, outputs, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.studies.loss_run import LossRun, build_loss_run
from tests.studies.synthetic_run import write_run
from twin.cli import main
from twin.errors import TwinError
from twin.studies.losses import LossSettings, fit_area_losses, run_losses_study
from twin.studies.losses.evidence import EVIDENCE
from twin.studies.losses.suspects import consumption_drop

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def loss_run(tmp_path_factory: pytest.TempPathFactory) -> LossRun:
    return build_loss_run(tmp_path_factory.mktemp("losses") / "run")


@pytest.fixture(scope="module")
def studied(loss_run: LossRun) -> dict[str, object]:
    return run_losses_study(loss_run.path)


def _out(run: LossRun) -> Path:
    return run.path / "studies" / "losses"


def test_clean_area_is_not_flagged_and_theft_areas_are(
    loss_run: LossRun, studied: dict[str, object]
) -> None:
    assert studied["flagged_areas"] == [loss_run.thief_area, loss_run.illegal_area]
    areas = {a["transformer_id"]: a for a in studied["areas"]}  # type: ignore[attr-defined]
    clean = areas[loss_run.clean_area]
    assert not clean["flagged"] and clean["abnormal_days"] == 0
    assert 0.0 < clean["line_loss_rate"] < 0.10  # within the qualified band
    # The clean area's losses are the lines' I²R: the estimate closes the balance.
    assert abs(clean["non_technical_rate"]) < 1e-3
    assert clean["technical_rate"] == pytest.approx(clean["line_loss_rate"], rel=0.01)
    assert areas[loss_run.thief_area]["non_technical_rate"] > 0.03
    assert areas[loss_run.illegal_area]["non_technical_rate"] > 0.03
    check = studied["technical_check"]
    per_area = {a["transformer_id"]: a for a in check["per_area"]}  # type: ignore[index]
    assert per_area[loss_run.clean_area]["ratio"] == pytest.approx(1.0, abs=1e-3)


def test_incomplete_days_are_nan_and_marked(loss_run: LossRun, studied: dict[str, object]) -> None:
    daily = pd.read_parquet(_out(loss_run) / "area_daily.parquet")
    incomplete = daily[~daily["complete"]]
    pairs = zip(incomplete["transformer_id"], incomplete["incomplete_reason"], strict=True)
    assert sorted(pairs) == [
        (0, "area meter not ok"),
        (1, "customer readings missing"),
    ]
    assert incomplete["line_loss_rate"].isna().all() and incomplete["loss_wh"].isna().all()
    assert not incomplete["abnormal"].any()
    gap = incomplete[incomplete["transformer_id"] == 1].iloc[0]
    assert gap["customer_missing_share"] == pytest.approx(24 / (6 * 24))  # 3 meters x 8 h
    assert daily.loc[daily["complete"], "line_loss_rate"].notna().all()
    assert studied["incomplete_days"] == 2


def test_thief_ranks_first_in_its_area(loss_run: LossRun, studied: dict[str, object]) -> None:
    suspects = pd.read_parquet(_out(loss_run) / "suspects.parquet")
    assert list(suspects.columns[:5]) == [
        "transformer_id",
        "meter_id",
        "score",
        "rank",
        "baseline_rank",
    ]
    assert set(suspects["transformer_id"]) == {loss_run.thief_area, loss_run.illegal_area}
    assert "G0" not in set(suspects["meter_id"])  # generation meters are not suspects
    thief = suspects.set_index("meter_id").loc[loss_run.thief]
    assert thief["rank"] == 1 and thief["regression_rank"] == 1
    assert thief["evidence"] in {"loss", "drop"}  # a share of the use taken: energy evidence
    assert thief["score"] == max(thief[f"{name}_z"] for name in EVIDENCE)
    assert thief["beta"] == pytest.approx(1.0, abs=0.1)  # steals 50 %: r / (1 - r) = 1
    theft = pd.read_parquet(loss_run.path / "truth" / "theft.parquet")
    row = theft[theft["meter_id"] == loss_run.thief].iloc[0]
    assert thief["stolen_wh"] == pytest.approx(row["true_wh"] - row["metered_wh"], rel=0.1)
    for area, group in suspects.groupby("transformer_id"):
        assert sorted(group["rank"]) == list(range(1, len(group) + 1)), area


def test_scores_against_the_truth(studied: dict[str, object]) -> None:
    assert studied["area_precision"] == 1.0 and studied["area_recall"] == 1.0
    scoring = studied["scoring"]
    assert scoring["k_true"] == 1  # type: ignore[index]
    assert scoring["illegal_connections"] == 1  # type: ignore[index]
    assert studied["meter_precision_at_k"] == 1.0 and studied["meter_recall_at_k"] == 1.0
    assert studied["energy_recovered_wh"] == pytest.approx(
        scoring["thefts_by_kind"]["bypass"]["stolen_wh"]  # type: ignore[index]
    )
    ks = [row["k"] for row in scoring["method"]["at_k"]]  # type: ignore[index]
    assert ks == [1, 5, 10]
    robustness = studied["robustness"]
    assert len(robustness) == 9  # type: ignore[arg-type]
    assert sum(row["study_setting"] for row in robustness) == 1  # type: ignore[union-attr]
    assert all("method_precision_at_k" in row for row in robustness)  # type: ignore[union-attr]


def test_metrics_json_and_figures(loss_run: LossRun, studied: dict[str, object]) -> None:
    out = _out(loss_run)
    on_disk = json.loads((out / "metrics.json").read_text())
    for key in (
        "method",
        "thresholds",
        "areas",
        "flagged_areas",
        "area_precision",
        "area_recall",
        "meter_precision_at_k",
        "meter_recall_at_k",
        "baseline_precision_at_k",
        "baseline_recall_at_k",
        "energy_recovered_wh",
        "baseline_energy_recovered_wh",
        "incomplete_days",
        "days",
        "scoring",
        "robustness",
        "technical_check",
        "outputs",
    ):
        assert key in on_disk, key
    assert on_disk["thresholds"]["qualified_band"] == [0.0, 0.1]
    assert on_disk["thresholds"]["non_technical_share"] == 0.03
    assert "State Grid" in on_disk["method"]["kpi"] and "DOMAIN.md" in on_disk["method"]["kpi"]
    assert on_disk["outputs"]["figures"] == [
        "loss_rate_days.png",
        "technical_split.png",
        "precision_at_k.png",
    ]
    for name in on_disk["outputs"]["figures"]:
        assert (out / name).read_bytes().startswith(PNG)
    assert sorted(p.name for p in out.parent.iterdir()) == ["losses"]


def test_detection_does_not_read_the_truth(
    loss_run: LossRun, studied: dict[str, object], tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(loss_run.path, copy, ignore=shutil.ignore_patterns("studies"))
    shutil.rmtree(copy / "truth")
    metrics = run_losses_study(copy)
    assert metrics["scoring"] == {"available": False, "note": "the run has no truth/theft"}
    assert metrics["area_precision"] is None
    for name in ("area_daily", "suspects"):
        blind = pd.read_parquet(copy / "studies" / "losses" / f"{name}.parquet")
        seen = pd.read_parquet(_out(loss_run) / f"{name}.parquet")
        pd.testing.assert_frame_equal(blind, seen)
    figures = metrics["outputs"]["figures"]
    assert figures == ["loss_rate_days.png", "technical_split.png"]


def test_theft_over_the_whole_run_is_found_by_the_method(tmp_path: Path) -> None:
    run = build_loss_run(tmp_path / "run", theft_start_day=0, seed=11)
    run_losses_study(run.path)
    suspects = pd.read_parquet(run.path / "studies" / "losses" / "suspects.parquet")
    thief = suspects.set_index("meter_id").loc[run.thief]
    assert thief["rank"] == 1  # no drop in his consumption: the baseline has nothing to see


def test_thresholds_change_the_flags(loss_run: LossRun, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(loss_run.path, copy, ignore=shutil.ignore_patterns("studies"))
    strict = LossSettings(qualified_band=(0.0, 0.20), non_technical_share=0.12)
    metrics = run_losses_study(copy, settings=strict)
    assert metrics["flagged_areas"] == []
    with pytest.raises(TwinError, match=r"power_factor given an invalid value 1\.5"):
        LossSettings(power_factor=1.5)


def test_nnls_recovers_the_tampering_coefficient() -> None:
    rng = np.random.default_rng(5)
    consumption = rng.gamma(2.0, 300.0, size=(400, 6))
    technical = rng.uniform(5.0, 40.0, 400)
    loss = 1.0 * technical + 20.0 + 0.4 * consumption[:, 2] + rng.normal(0, 5.0, 400)
    fit = fit_area_losses(loss, consumption, technical)
    assert int(np.argmax(fit.beta)) == 2
    assert fit.beta[2] == pytest.approx(0.4, abs=0.02)
    assert np.delete(fit.beta, 2).max() < 0.02
    assert fit.technical_scale == pytest.approx(1.0, abs=0.2)
    few = fit_area_losses(loss[:10], consumption[:10], technical[:10])
    assert np.isnan(few.beta).all()
    drop = consumption_drop(np.array([[100.0, 50.0], [0.0, 10.0]]), np.array([[10, 10], [10, 10]]))
    assert drop[0] == pytest.approx(0.5) and np.isnan(drop[1])


def test_cli_runs_the_study_and_refuses_a_run_without_area_meters(
    loss_run: LossRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(loss_run.path, copy, ignore=shutil.ignore_patterns("studies"))
    assert main(["study", "losses", str(copy)]) == 0
    assert "flagged_area_count" in capsys.readouterr().out
    (copy / "internal" / "area_meter_interval.parquet").unlink()
    shutil.rmtree(copy / "studies")
    assert main(["study", "losses", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "has no internal/area_meter_interval" in err and "area check meters" in err
    assert "Traceback" not in err
    assert not (copy / "studies").exists()


def test_a_run_without_meter_points_is_refused(tmp_path: Path) -> None:
    area = pd.DataFrame({"transformer_id": [0], "interval_end": [pd.Timestamp("2025-01-06 01:00")]})
    run = write_run(tmp_path / "run", {"internal/area_meter_interval": area}, n_intervals=1)
    with pytest.raises(TwinError, match=r"internal/meter_interval.*internal/meter_point"):
        run_losses_study(run)


def test_failure_keeps_the_previous_study(
    loss_run: LossRun,
    studied: dict[str, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(loss_run.path, copy)
    out = copy / "studies" / "losses"
    before = (out / "metrics.json").read_text()

    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("figure failed")

    monkeypatch.setattr("twin.studies.losses.study.plot_technical_split", boom)
    with pytest.raises(RuntimeError):
        run_losses_study(copy)
    assert (out / "metrics.json").read_text() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["losses"]
