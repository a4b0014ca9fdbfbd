"""Every customer is metered and every area's check meter closes the balance.

For each LV area and interval: what the area check meter read
(``internal/area_meter_interval``) equals what the area's customer and
generation meters read (``internal/meter_interval``), plus the line losses
of the area (``truth/area_power_flow``), each meter's accuracy error taken
out (``truth/meter``). The tolerance is the meters' integer watt-hours: 1 Wh
per meter and interval. The first interval is left out of the interval-wise
check: a meter whose legal clock is a few seconds ahead closes its first
record that much early (no energy before the run start), and the day's
total then carries the difference to the last. Without the losses, or with
a meter left out, the balance breaks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twin
from tests.conftest import tiny_scenario_dict
from twin.scenario.loading import validate_scenario_dict


def _true_wh(frame: pd.DataFrame, errors: pd.Series) -> pd.Series:
    """Net energy per row with the meter's accuracy error taken out [Wh]."""
    net = (frame["import_wh"] - frame["export_wh"]).astype(float)
    return net / (1.0 + frame["meter_id"].astype(str).map(errors) / 100.0)


def _balance(run: twin.RunDirectory, dt_s: int) -> pd.DataFrame:
    errors = run.table("truth/meter").set_index("meter_id")["error_percent"]
    points = run.table("internal/meter_point")[["meter_id", "transformer_id"]]
    readings = run.table("internal/meter_interval").merge(points, on="meter_id")
    assert (readings["quality"] == "ok").all()
    readings["wh"] = _true_wh(readings, errors)
    customers = readings.groupby(["transformer_id", "interval_end"])["wh"].agg(["sum", "size"])
    area = run.table("internal/area_meter_interval")
    assert (area["quality"] == "ok").all()
    area["area_wh"] = _true_wh(area, errors)
    truth = run.table("truth/area_power_flow")
    truth["loss_wh"] = truth["line_loss_kw"] * dt_s / 3.6
    out = (
        area.set_index(["transformer_id", "interval_end"])[["area_wh"]]
        .join(customers)
        .join(truth.set_index(["transformer_id", "interval_end"])[["loss_wh", "lv_p_kw"]])
    )
    return out.reset_index()


def _run(tmp_path: Path, network: str, seed: int, **extra: object) -> twin.Run:
    data = tiny_scenario_dict(
        **{
            "grid.network": network,
            "households.count": "auto",
            "time.duration": "1d",
            "seed": seed,
            "meters.accuracy_class": {"A": 0.3, "B": 0.4, "C": 0.3},
            **extra,
        }
    )
    scenario = validate_scenario_dict(data)
    return twin.run(scenario, out=tmp_path / f"run-{seed}", progress=False)


@pytest.mark.slow
@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    network=st.sampled_from(
        ["simbench:1-LV-rural1--0-sw", "simbench:1-LV-urban6--0-sw", "simbench:1-LV-semiurb4--0-sw"]
    ),
    seed=st.integers(0, 10_000),
    pv=st.sampled_from([0.0, 0.3]),
)
def test_area_meter_equals_customer_meters_plus_losses(
    tmp_path: Path, network: str, seed: int, pv: float
) -> None:
    run = _run(tmp_path, network, seed, **{"pv.share": pv})
    dt_s = 900
    frame = _balance(run, dt_s)
    assert len(frame) == 96 and frame["size"].notna().all()
    residual = frame["area_wh"] - (frame["sum"] + frame["loss_wh"])
    allowed = frame["size"] + 1 + 1e-6  # 1 Wh per meter, and the area meter's own
    later = frame["interval_end"] > frame["interval_end"].min()
    assert (residual[later].abs() <= allowed[later]).all(), frame.assign(residual=residual)
    assert abs(residual.sum()) <= allowed.max()
    # the losses matter: leaving them out breaks the balance over the day
    assert abs((frame["area_wh"] - frame["sum"]).sum()) > 3 * allowed.max()
    # the truth's own identity: LV-side power = load - generation + line losses, to the
    # 0.1 W per element lightsim2grid leaves a changed injection at (1e-7 MW)
    truth = run.table("truth/area_power_flow")
    lhs = truth["lv_p_kw"]
    rhs = truth["load_p_kw"] - truth["generation_p_kw"] + truth["line_loss_kw"]
    assert np.allclose(lhs, rhs, rtol=1e-6, atol=0.02)


def test_every_load_and_generator_has_a_meter(tmp_path: Path) -> None:
    run = _run(tmp_path, "simbench:1-LV-urban6--0-sw", 3)
    points = run.table("internal/meter_point")
    premises = run.table("truth/premise")
    kinds = points["customer_kind"].value_counts().to_dict()
    # 1-LV-urban6: 102 household loads (114 dwellings), 9 G loads, 5 rooftop PV systems
    assert kinds == {"household": 114, "commercial": 9, "generation": 5}
    assert set(points["customer_class"][points["customer_kind"] == "commercial"]) == {
        "G1",
        "G4",
        "G6",
    }
    assert (points.loc[points["customer_kind"] == "generation", "customer_class"] != "").all()
    assert premises["customer_kind"].tolist() == points["customer_kind"].tolist()
    readings = run.table("internal/meter_interval")
    assert readings["meter_id"].nunique() == len(points)
    gen = points.loc[points["customer_kind"] == "generation", "meter_id"]
    exported = readings[readings["meter_id"].isin(gen)]
    assert exported["export_wh"].sum() > 0 and exported["import_wh"].sum() == 0
    area = run.table("internal/area_meter_interval")
    assert area["transformer_id"].nunique() == 1 and len(area) == 96
    # the area meter reads about what the transformer carries (HV side, less its losses)
    trafo_kwh = run.table("internal/transformer_interval")["p_kw"].sum() / 4
    area_kwh = (area["import_wh"] - area["export_wh"]).sum() / 1e3
    assert 0.95 * trafo_kwh < area_kwh < trafo_kwh


def test_background_keeps_the_network_loads_unmetered(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        "simbench:1-LV-urban6--0-sw",
        3,
        **{"customers.network_loads": "background", "customers.generators": "background"},
    )
    assert set(run.table("internal/meter_point")["customer_kind"]) == {"household"}


def test_added_customers_and_a_mix(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        "simbench:1-LV-urban6--0-sw",
        5,
        **{
            "customers.mix": {"commercial": 0.5, "factory": 0.5},
            "customers.added": [
                {"kind": "base_station", "bus": 3, "count": 2},
                {"kind": "factory", "bus": 5, "annual_kwh": 600_000},
            ],
        },
    )
    points = run.table("internal/meter_point")
    kinds = points["customer_kind"].value_counts().to_dict()
    # the 9 G loads shared half and half: 5 (the tie goes to the first kind) and 4
    assert kinds["base_station"] == 2 and kinds["commercial"] == 5 and kinds["factory"] == 4 + 1
    big = points[points["customer_kind"] == "factory"]
    # a 600 MWh/a factory peaks at well over 100 A: CT-operated, three-phase
    assert (big["ct_ratio"] > 1).any() and (big["phases"] == 3).all()
    assert (points.loc[points["customer_kind"] == "household", "ct_ratio"] == 1).all()


@pytest.mark.slow
def test_an_area_meter_cut_off_for_days_gives_incomplete_days(tmp_path: Path) -> None:
    from twin.studies.losses import run_losses_study

    run = _run(
        tmp_path,
        "simbench:1-LV-urban6--0-sw",
        9,
        **{
            "time.duration": "4d",
            "comms.technology": "hplc",
            "faults": [
                {"kind": "concentrator_outage", "target": [0], "start": "36h", "duration": "5d"}
            ],
        },
    )
    area = run.table("internal/area_meter_interval")
    assert (area["quality"] == "ok").sum() < len(area) == 4 * 96  # cut off from day 2 on
    run_losses_study(run.path)
    daily = pd.read_parquet(run.path / "studies" / "losses" / "area_daily.parquet")
    assert daily["complete"].tolist()[:1] == [True] and not daily["complete"].iloc[-1]
    assert daily.loc[~daily["complete"], "line_loss_rate"].isna().all()
    assert daily.loc[daily["complete"], "line_loss_rate"].notna().all()
