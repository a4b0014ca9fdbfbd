"""Write the analysts' notebooks (without outputs) from the cell sources below.

    python notebooks/make_notebooks.py

Each notebook reads ``TWIN_NOTEBOOK_QUICK=1`` in its first cell to run a
reduced scenario (the test suite executes every notebook headless that way).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
import os
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import twin

QUICK = os.environ.get("TWIN_NOTEBOOK_QUICK") == "1"   # reduced size for tests
REPO = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
RESULTS = Path(os.environ.get("TWIN_NOTEBOOK_RESULTS", REPO / "results"))
"""

QUICKSTART = [
    new_markdown_cell(
        "# gridtwin quickstart\n\n"
        "Run a small scenario from Python, then explore what a utility would hold "
        "(the *internal* stream) and the simulator's ground truth with pandas."
    ),
    new_code_cell(SETUP),
    new_markdown_cell(
        "## Run a scenario\n\n`twin.load_scenario` validates the file and any "
        "overrides; `twin.run` simulates and writes a run directory."
    ),
    new_code_cell(
        'duration = "2d" if QUICK else "7d"\n'
        'scenario = twin.load_scenario(REPO / "scenarios" / "quickstart.yaml",\n'
        '                              [f"time.duration={duration}"])\n'
        'result = twin.run(scenario, out=RESULTS / "nb-quickstart", progress=False)\n'
        'print("\\n".join(result.summary.lines()))'
    ),
    new_markdown_cell("## What the run directory holds"),
    new_code_cell(
        "run = twin.open_run(result.path)\n"
        "clock = run.clock  # interval, time zone, start (UTC), number of intervals\n"
        'print(f"{clock.n_intervals} intervals of {clock.interval_s // 60} min from "\n'
        '      f"{clock.start} in {clock.timezone}")\n'
        'pd.Series(run.manifest["row_counts"], name="rows").to_frame()'
    ),
    new_markdown_cell(
        "## Legal interval readings (internal/meter_interval)\n\n"
        "Interval-ending UTC stamps, integer watt-hours, a quality flag."
    ),
    new_code_cell('readings = run.table("internal/meter_interval")\nreadings.head()'),
    new_code_cell(
        "tz = clock.timezone\n"
        "to_kw = 3600 / clock.interval_s / 1000\n"
        'fleet = readings.groupby("interval_end")["import_wh"].sum() * to_kw  # kW\n'
        'ax = fleet.tz_convert(tz).plot(figsize=(10, 3), title="Fleet demand")\n'
        'ax.set_ylabel("kW"); ax.set_xlabel("local time");'
    ),
    new_markdown_cell("## The transformer and the bus voltages"),
    new_code_cell(
        'trafo = run.table("internal/transformer_interval")\n'
        'voltage = run.table("internal/bus_voltage")\n'
        "fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3))\n"
        'trafo.set_index("interval_end")["loading_percent"].tz_convert(tz).plot(ax=a)\n'
        'a.set_ylabel("loading [%]"); a.set_title("Transformer loading")\n'
        'band = voltage.groupby("interval_end")["vm_pu"].agg(["min", "max"]).tz_convert(tz)\n'
        'band.plot(ax=b); b.set_ylabel("vm [pu]"); b.set_title("Lowest and highest bus voltage")\n'
        "fig.tight_layout()"
    ),
    new_markdown_cell(
        "## Ground truth: who lives where, and who is away\n\n"
        "`truth/` is what only a simulator knows; studies use it to score."
    ),
    new_code_cell(
        'premise = run.table("truth/premise")\n'
        "days = clock.n_intervals * clock.interval_s / 86400\n"
        'daily = readings.groupby("meter_id", observed=True)["import_wh"].sum() / 1000 / days\n'
        'premise["kwh_per_day"] = premise["meter_id"].map(daily)\n'
        'premise.groupby("occupancy_kind")["kwh_per_day"].describe().round(2)'
    ),
    new_code_cell('run.table("truth/vacancy").head()'),
]

VACANCY = [
    new_markdown_cell(
        "# Housing-vacancy detection, step by step\n\n"
        "Grid companies count a dwelling as vacant when its meter stays idle for months. "
        "The twin knows who really lives where, so we can measure how well such rules "
        "work, and compare them with a detector that looks at interval-level evidence. "
        "Detection reads only `internal/` (what the utility holds); `truth/` is used only "
        "to score."
    ),
    new_code_cell(SETUP),
    new_markdown_cell(
        "## A run with vacant homes and the hard cases\n\n"
        "`scenarios/vacancy_study.yaml`: 5,000 homes for 90 days (a reduced "
        "version here when `QUICK`)."
    ),
    new_code_cell(
        'overrides = ["households.count=300", "time.duration=28d"] if QUICK else []\n'
        'scenario = twin.load_scenario(REPO / "scenarios" / "vacancy_study.yaml", overrides)\n'
        'result = twin.run(scenario, out=RESULTS / "nb-vacancy", progress=False)\n'
        'print("\\n".join(result.summary.lines()[:8]))'
    ),
    new_markdown_cell(
        "## What the utility sees: daily energy per meter\n\n"
        "A vacant home is not at zero: a fridge, a router or a frost heater "
        "may stay on, and an occupied frugal pensioner can use very little."
    ),
    new_code_cell(
        "run = twin.open_run(result.path)\n"
        'points = run.table("internal/meter_point", columns=["meter_id", "customer_kind"])\n'
        'homes = points.loc[points["customer_kind"] == "household", "meter_id"]\n'
        'readings = run.table("internal/meter_interval", columns=["meter_id", "import_wh"])\n'
        'readings = readings[readings["meter_id"].isin(homes)]  # shops and farms are metered too\n'
        "days = run.clock.n_intervals * run.clock.interval_s / 86400\n"
        'kwh_day = readings.groupby("meter_id", observed=True)["import_wh"].sum() / 1000 / days\n'
        "ax = kwh_day.plot.hist(bins=60, log=True, figsize=(8, 3))\n"
        'ax.set_xlabel("kWh per day"); ax.set_title("Daily energy per household meter");'
    ),
    new_markdown_cell(
        "## Run the study\n\nThe rules (Ireland's CSO: under 180 kWh a quarter; "
        "State Grid: 10 kWh in two months) beside the interval-evidence detector."
    ),
    new_code_cell(
        "from twin.studies.vacancy import run_vacancy_study\n"
        "metrics = run_vacancy_study(result.path, guard=not QUICK)\n"
        'scores = pd.DataFrame(metrics["scores"]).T\n'
        'scores[["precision", "recall", "f1", "true_vacancy_rate", "estimated_vacancy_rate",\n'
        '        "rate_error_pp"]].astype(float).round(3)'
    ),
    new_markdown_cell(
        "## Where each detector goes wrong\n\nThe per-premise table joins "
        "every detector's verdict with the truth."
    ),
    new_code_cell(
        'premises = run.study_table("vacancy", "premises")\n'
        'wrong = premises[premises["interval_evidence_vacant"] != premises["truly_vacant"]]\n'
        'wrong[["premise_id", "occupancy_kind", "vacancy_kind", "kwh_per_day", '
        '"interval_evidence_score"]]'
    ),
    new_code_cell(
        "fig, ax = plt.subplots(figsize=(8, 3))\n"
        'for vacant, group in premises.groupby("truly_vacant"):\n'
        '    ax.hist(group["interval_evidence_score"], bins=30, alpha=0.6,\n'
        '            label="truly vacant" if vacant else "lived in")\n'
        'ax.set_xlabel("share of days in use (interval evidence)"); ax.legend();'
    ),
    new_markdown_cell(
        "The study also wrote its figures (confusion matrices, rate by LV "
        "area, score distributions) to `studies/vacancy/`:"
    ),
    new_code_cell('sorted(p.name for p in run.study_folder("vacancy").glob("*.png"))'),
    new_markdown_cell(
        "## How robust is the detector?\n\n"
        "One run says little: the detectors were designed knowing the household "
        "model. `scenarios/sweeps/vacancy_robustness.yaml` grows one hard case at a "
        "time (builders and caretakers in empty homes, timer lamps, frost heaters; "
        "frugal, gas-heated, travelling and student households) on another network "
        "and other seeds than the thresholds were fixed on, and runs the study on every "
        "run in its Dask worker. `twin study vacancy SWEEP_DIR` (here `run_robustness`) "
        "then tabulates each metric per value: mean, spread over seeds, min and max. "
        "When `QUICK`, a three-run sweep of one hard case on a small version of the base."
    ),
    new_code_cell(
        "import yaml\n"
        "from twin.studies.robustness import run_robustness\n"
        "from twin.sweep import SweepSpec, run_sweep\n\n"
        'sweep_dir = RESULTS / "vacancy_robustness-sweep"\n'
        "if QUICK:\n"
        '    base = yaml.safe_load((REPO / "scenarios" / "vacancy_robustness.yaml").read_text())\n'
        '    base["households"]["count"], base["time"]["duration"] = 120, "8d"\n'
        '    base_file = RESULTS / "nb-robustness-base.yaml"\n'
        "    base_file.write_text(yaml.safe_dump(base))\n"
        '    spec = SweepSpec(base_file, {"households.vacancy.renovation": [0.0, 0.6]}, 1,\n'
        '                     studies=("vacancy",), design="one_at_a_time")\n'
        '    sweep_dir = RESULTS / "nb-robustness-sweep"\n'
        "    run_sweep(spec, sweep_dir, workers=1, progress=False)\n"
        'elif not (sweep_dir / "sweep.parquet").exists():\n'
        '    spec = SweepSpec.from_file(REPO / "scenarios" / "sweeps" / "vacancy_robustness.yaml")\n'
        "    run_sweep(spec, sweep_dir, progress=False)\n"
        'summary = run_robustness("vacancy", sweep_dir)\n'
        'robust = pd.read_csv(sweep_dir / "studies" / "vacancy" / "robustness.csv")\n'
        'robust[["parameter", "value", "runs", "f1_mean", "f1_sd", "f1_min", "precision_mean",\n'
        '        "recall_mean", "rate_error_pp_mean"]].round(3)'
    ),
    new_code_cell(
        "from IPython.display import Image\n"
        'Image(filename=str(sweep_dir / "studies" / "vacancy" / "robustness.png"))'
    ),
]

GRID_IMPACT = [
    new_markdown_cell(
        "# Grid impact: voltages and loading\n\n"
        "The same LV grid in a winter and a summer week: household demand peaks in "
        "winter evenings, while the network's rooftop PV (SimBench generators following "
        "their profiles) lifts voltages on summer middays. The power-quality and "
        "grid-loading studies summarise each run."
    ),
    new_code_cell(SETUP),
    new_code_cell(
        'duration = "1d" if QUICK else "7d"\n'
        "runs = {}\n"
        'for season, start in {"winter": "2025-01-13T00:00:00", '
        '"summer": "2025-06-16T00:00:00"}.items():\n'
        "    scenario = twin.load_scenario(\n"
        '        REPO / "scenarios" / "quickstart.yaml",\n'
        '        [f"time.start={start}", f"time.duration={duration}", f"name=nb-grid-{season}"],\n'
        "    )\n"
        '    runs[season] = twin.run(scenario, out=RESULTS / f"nb-grid-{season}", progress=False)\n'
        '    print(season, "|", runs[season].summary.lines()[4].strip(), "|",\n'
        "          runs[season].summary.lines()[5].strip())"
    ),
    new_markdown_cell("## Studies"),
    new_code_cell(
        "from twin.studies.grid_loading import run_grid_loading_study\n"
        "from twin.studies.power_quality import run_power_quality_study\n"
        "rows = {}\n"
        "for season, result in runs.items():\n"
        "    pq = run_power_quality_study(result.path)\n"
        "    gl = run_grid_loading_study(result.path)\n"
        "    rows[season] = {\n"
        '        "min vm [pu]": pq["voltage"]["vm_min_pu"],\n'
        '        "max vm [pu]": pq["voltage"]["vm_max_pu"],\n'
        '        "buses compliant": pq["buses"]["compliant"],\n'
        '        "peak trafo loading [%]": gl["transformers"]["peak_loading_percent"],\n'
        "    }\n"
        "pd.DataFrame(rows)"
    ),
    new_markdown_cell(
        "## Transformer power through the week\n\nNegative power means the LV "
        "grid exports to MV (reverse flow from PV)."
    ),
    new_code_cell(
        "fig, ax = plt.subplots(figsize=(10, 3))\n"
        "for season, result in runs.items():\n"
        '    t = twin.open_run(result.path).table("internal/transformer_interval")\n'
        '    hours = (t["interval_end"] - t["interval_end"].min()).dt.total_seconds() / 3600\n'
        '    ax.plot(hours, t["p_kw"], label=season)\n'
        'ax.axhline(0, color="grey", lw=0.8); ax.set_xlabel("hours into the run")\n'
        'ax.set_ylabel("transformer P [kW]"); ax.legend();'
    ),
    new_markdown_cell("## Voltage along the feeders at the summer maximum"),
    new_code_cell(
        'summer = twin.open_run(runs["summer"].path)\n'
        'v = summer.table("internal/bus_voltage")\n'
        'buses = summer.table("internal/network_bus").set_index("bus_id")\n'
        'worst = v.loc[v["vm_pu"].idxmax(), "interval_end"]\n'
        'snap = v[v["interval_end"] == worst].join(buses, on="bus_id")\n'
        'ax = snap.plot.scatter(x="x", y="y", c="vm_pu", cmap="viridis", figsize=(6, 5))\n'
        "zone = summer.clock.timezone\n"
        'ax.set_title(f"Bus voltage at {worst.tz_convert(zone):%Y-%m-%d %H:%M}");'
    ),
]


DEMAND_RESPONSE = [
    new_markdown_cell(
        "# Demand response: what was delivered, and what a utility can tell\n\n"
        "A utility calls demand-response events (a critical-peak price, direct load control, "
        "peak shaving) and must settle them against a *baseline*: an estimate of what the "
        "enrolled homes would have drawn without the event, made from its own meter data. "
        "The twin also records the true counterfactual, so the standard baselines can be "
        "scored. Estimation reads only `internal/` and `external/`; `truth/` only scores."
    ),
    new_code_cell(SETUP),
    new_markdown_cell(
        "## A run with demand-response programmes\n\n`scenarios/demand_response.yaml` "
        "(shorter when `QUICK`)."
    ),
    new_code_cell(
        'overrides = ["time.duration=32d"] if QUICK else []  # two price events, one automatic\n'
        'scenario = twin.load_scenario(REPO / "scenarios" / "demand_response.yaml", overrides)\n'
        'result = twin.run(scenario, out=RESULTS / "nb-demand-response", progress=False)\n'
        'print("\\n".join(result.summary.lines()[:8]))'
    ),
    new_markdown_cell(
        "## The events and their signals\n\n`external/dr_event` is what the platform "
        "called (with its OpenADR payload); `external/dr_dispatch` whom it signalled, when "
        "the signal arrived and whether the home acted or opted out."
    ),
    new_code_cell(
        "run = twin.open_run(result.path)\n"
        "tz = run.clock.timezone\n"
        'events = run.table("external/dr_event")\n'
        'dispatch = run.table("external/dr_dispatch")\n'
        'dispatch["latency_s"] = (dispatch["delivered"] - dispatch["sent"]).dt.total_seconds()\n'
        'quality = dispatch.groupby(["programme", "event_id"]).agg(\n'
        '    signals=("premise_id", "size"),\n'
        '    delivered=("delivered", lambda s: s.notna().mean()),\n'
        '    acted=("acted", lambda s: s.notna().mean()),\n'
        '    opted_out=("opted_out", "mean"),\n'
        '    median_latency_s=("latency_s", "median"),\n'
        ")\n"
        'columns = ["event_id", "programme", "kind", "area", "start", "end", "level", '
        '"price_per_kwh"]\n'
        'events[columns].join(quality, on=["programme", "event_id"])'
    ),
    new_markdown_cell(
        "## Run the study\n\nThe delivered reduction (truth) beside four baselines: CAISO "
        "10-in-10 with a day-of adjustment, PJM high 4 of 5, a matched control group of "
        "non-enrolled homes, and a regression on hour, day type and temperature."
    ),
    new_code_cell(
        "from twin.studies.demand_response import run_demand_response_study\n"
        "metrics = run_demand_response_study(result.path)\n"
        'per_event = run.study_table("demand-response", "events")\n'
        'columns = ["event", "premises", "acting_premises", "delivered_kw", "caiso_10_of_10_kw",\n'
        '           "pjm_high_4_of_5_kw", "control_group_kw", "regression_kw"]\n'
        "per_event[[c for c in columns if c in per_event]].round(2)"
    ),
    new_markdown_cell(
        "## Actual, counterfactual and baselines\n\nThe enrolled population's load around "
        "each event: what the meters recorded, what it would have been (truth), and what "
        "each baseline says it would have been."
    ),
    new_code_cell(
        'loads = run.study_table("demand-response", "loads")\n'
        'for key, part in list(loads.groupby("event", sort=False))[:3]:\n'
        '    frame = part.set_index("interval_end").tz_convert(tz)\n'
        '    shown = ["metered_kw", "counterfactual_kw", "caiso_10_of_10_kw",\n'
        '             "pjm_high_4_of_5_kw", "control_group_kw", "regression_kw"]\n'
        '    ax = frame[shown].plot(figsize=(10, 3), title=f"Event {key}")\n'
        '    inside = frame.index[frame["in_event"]]\n'
        "    if len(inside):\n"
        '        ax.axvspan(inside[0], inside[-1], color="0.9", zorder=0)\n'
        '    ax.set_ylabel("kW")'
    ),
    new_markdown_cell(
        "## How wrong is each baseline?\n\nEstimated minus delivered reduction per event "
        "(and per transformer area): bias, MAPE, RMSE."
    ),
    new_code_cell(
        'errors = run.study_table("demand-response", "errors")\n'
        'whole = errors[errors["area"] == "all"]\n'
        'whole.pivot(index="event", columns="baseline", values="error_kw").round(3)'
    ),
    new_code_cell(
        "summary = pd.DataFrame(\n"
        '    {name: block["events"] for name, block in metrics["baselines"].items()}\n'
        ").T\n"
        'summary[["scored", "bias_kw", "mape_percent", "rmse_kw"]]'
    ),
    new_markdown_cell(
        "## Peaks, rebound and the headline\n\nAt each transformer: the peak removed in the "
        "event and the rebound after it, against the counterfactual."
    ),
    new_code_cell(
        'transformers = run.study_table("demand-response", "transformers")\n'
        "from twin.studies.demand_response import headline_figures\n"
        "headline = headline_figures(metrics)\n"
        "print(pd.Series(headline).round(3).to_string())\n"
        "transformers.round(2).head(10)"
    ),
]


def write(name: str, cells: list) -> None:  # type: ignore[type-arg]
    """Write one notebook without outputs."""
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, HERE / name)


if __name__ == "__main__":
    write("01_quickstart.ipynb", QUICKSTART)
    write("02_vacancy_detection.ipynb", VACANCY)
    write("03_grid_impact.ipynb", GRID_IMPACT)
    write("04_demand_response.ipynb", DEMAND_RESPONSE)
