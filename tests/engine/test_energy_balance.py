"""Every LV area's energy balance closes, every interval, from what a run wrote.

For each LV transformer area and interval, the transformer's measured power
(``internal/transformer_interval``, HV side) must equal what the legal
meters of the area measured (``internal/meter_interval``, with each meter's
accuracy error from ``truth/meter`` taken out) plus the area's unmetered
loads, less its generators, plus the losses of its lines and transformer.
The losses come from an independent pandapower power flow
(``pandapower.runpp``) of the same injections, not from the twin.

The tolerance is what the meters' integer watt-hours allow: each interval
record is within 1 Wh of the true energy, and since the sub-Wh residual
carries over, a meter's records over the whole run are too. Leaving out the
losses, or the meters' accuracy error, breaks the balance (several times
the tolerance over the day on this run).
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

import twin
from tests.conftest import tiny_scenario_dict
from twin.grid import BackgroundInjections, load_network
from twin.grid.islands import lv_areas
from twin.scenario.loading import validate_scenario_dict

SCENARIO = {
    "grid.network": "cigre_lv",
    "households.count": 60,
    "households.consumption.power_factor": 1.0,  # meters measure P only
    "time.duration": "1d",
    "pv.share": 0.4,
    "storage.share": 0.5,
    "ev.share": 0.3,
    "meters.accuracy_class": {"A": 0.3, "B": 0.4, "C": 0.3},
    "meters.remote_disconnects": [{"meters": [1, 2], "at": "10h", "duration": "3h"}],
}


def _metered_kw(run: twin.RunDirectory, dt_s: int) -> pd.DataFrame:
    """True mean power per premise load and interval [kW], from the legal readings."""
    readings = run.table("internal/meter_interval")
    assert (readings["quality"] == "ok").all()
    meters = run.table("truth/meter")[["meter_id", "error_percent"]]
    premises = run.table("truth/premise")[["meter_id", "load_index", "transformer_id"]]
    frame = readings.merge(meters, on="meter_id").merge(premises, on="meter_id")
    net_wh = (frame["import_wh"] - frame["export_wh"]).astype(float)
    frame["p_kw"] = net_wh / (1.0 + frame["error_percent"] / 100.0) * 3.6 / dt_s
    return frame[["interval_end", "meter_id", "load_index", "transformer_id", "p_kw"]]


@pytest.mark.slow
def test_every_areas_energy_balance_closes_every_interval(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scenario = validate_scenario_dict(tiny_scenario_dict(**SCENARIO))
    run = twin.run(scenario, out=tmp_path / "run", progress=False)
    axis = scenario.time.axis()
    dt_s = axis.interval_s
    metered = _metered_kw(run, dt_s)
    trafo = run.table("internal/transformer_interval")

    grid = load_network("cigre_lv")
    net = grid.net
    background = BackgroundInjections(grid, axis)
    areas = lv_areas(grid)
    stamps = pd.DatetimeIndex(pd.to_datetime(axis.interval_end_utc).tz_localize("UTC"))
    meters_of_area = metered.groupby("transformer_id")["meter_id"].nunique()
    daily_wh: dict[int, float] = {}
    for k, stamp in enumerate(stamps):
        load_p, load_q, sgen_p = background.at(k)
        here = metered[metered["interval_end"] == stamp]
        np.add.at(load_p, here["load_index"].to_numpy(), here["p_kw"].to_numpy() / 1e3)
        net.load["p_mw"], net.load["q_mvar"], net.sgen["p_mw"] = load_p, load_q, sgen_p
        pp.runpp(net, tolerance_mva=1e-10)
        at = trafo[trafo["interval_end"] == stamp].set_index("transformer_id")["p_kw"]
        for area in areas:
            in_area = np.isin(net.load["bus"].to_numpy(), area.buses)
            load_kw = 1e3 * load_p[in_area].sum()
            gen_kw = 1e3 * sgen_p[np.isin(net.sgen["bus"].to_numpy(), area.buses)].sum()
            lines = np.isin(net.line["from_bus"].to_numpy(), area.buses)
            loss_kw = 1e3 * (
                net.res_line["pl_mw"].to_numpy()[lines].sum()
                + net.res_trafo["pl_mw"].to_numpy()[area.trafo_rows].sum()
            )
            residual = float(at[area.transformer]) - (load_kw - gen_kw + loss_kw)
            # each meter's record is within 1 Wh of the truth: 1 Wh per interval in kW
            allowed = int(meters_of_area.get(area.transformer, 0)) * 3.6 / dt_s + 1e-6
            assert abs(residual) <= allowed, (stamp, area.transformer, residual, allowed)
            daily_wh[area.transformer] = daily_wh.get(area.transformer, 0.0) + residual * dt_s / 3.6
    # over the day the residuals do not add up: within 1 Wh per meter of the area
    for transformer, residual_wh in daily_wh.items():
        assert abs(residual_wh) <= meters_of_area.get(transformer, 0) + 0.5, (
            transformer,
            residual_wh,
        )
    assert metered["p_kw"].abs().sum() > 0 and (metered["p_kw"] < 0).any()  # PV exports
