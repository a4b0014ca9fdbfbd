"""The HTML run report: every figure it references is a valid PNG; key figures are shown."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import twin
from tests.studies.loss_run import build_loss_run
from tests.studies.synthetic_run import interval_ends, long_frame, make_small_run, write_run
from twin.errors import TwinError
from twin.report import write_report
from twin.studies.figures import new_figure, save_figure
from twin.studies.grid_loading import run_grid_loading_study
from twin.studies.losses import run_losses_study
from twin.studies.power_quality import run_power_quality_study

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img" and attributes.get("src"):
            self.images.append(str(attributes["src"]))
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))


def _check_page(path: Path) -> tuple[str, _Page]:
    """Parse the page; assert every <img src> is a readable, non-empty PNG next to it."""
    text = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert page.images, "the report shows no figure"
    for src in page.images:
        assert "/" not in src and not src.startswith(("http", "data:")), src
        image = path.parent / src
        assert image.is_file(), f"{src} is referenced but missing"
        data = image.read_bytes()
        assert data.startswith(PNG_SIGNATURE), f"{src} is not a PNG"
        with Image.open(image) as png:
            png.verify()
        with Image.open(image) as png:
            assert png.format == "PNG" and png.width > 200 and png.height > 200
            pixels = np.asarray(png.convert("L"))
            assert pixels.std() > 0, f"{src} is blank"
    assert "<script" not in text and "http://" not in text and "https://" not in text
    return text, page


def _key_figures(text: str) -> dict[str, str]:
    """The rows of the page's key-figures table, label to value."""
    start = text.index('id="key-figures"')
    table = text[start : text.index("</table>", start)]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", table)
    return {unescape(label): unescape(value) for label, value in rows}


@pytest.fixture(scope="module")
def studied_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = make_small_run(tmp_path_factory.mktemp("report") / "run")
    run_power_quality_study(run)
    run_grid_loading_study(run)
    vacancy = run / "studies" / "vacancy"  # stands in for `twin study vacancy`
    vacancy.mkdir(parents=True)
    (vacancy / "metrics.json").write_text(
        json.dumps({"precision": 0.875, "recall": 0.5, "f1": 0.636, "method": "night-baseload"})
    )
    figure = new_figure()
    figure.add_subplot().plot([0, 1], [1, 0])
    save_figure(figure, vacancy / "scores.png")
    return run


@pytest.mark.slow
def test_report_of_a_real_run(studied_run: Path) -> None:
    path = write_report(studied_run)
    assert path == studied_run / "report" / "index.html"
    text, page = _check_page(path)
    summary = twin.open_run(studied_run).manifest["summary"]
    key = _key_figures(text)
    assert key["households"] == f"{summary['households']:,}"
    assert key["energy imported (metered)"] == f"{summary['import_mwh']:,.3f} MWh"
    assert key["minimum bus voltage"].startswith(f"{summary['vm_min_pu']:.4f} pu")
    assert key["maximum bus voltage"].startswith(f"{summary['vm_max_pu']:.4f} pu")
    peak = f"{summary['peak_transformer_loading_percent']:.1f} % (transformer "
    assert key["peak transformer loading"].startswith(peak)
    assert text.index('id="key-figures"') < text.index('id="load"'), "key figures come first"
    for anchor in ("load", "loading", "voltage", "network", "power-quality", "vacancy", "details"):
        assert anchor in page.ids, anchor
    for figure in (
        "load_profile.png",
        "transformer_duration.png",
        "voltage_heatmap.png",
        "network.png",
        "power-quality-voltage_distribution.png",
        "grid-loading-line_duration.png",
        "vacancy-scores.png",
    ):
        assert figure in page.images, figure
    assert "0.875" in text and "night-baseload" in text  # the vacancy study's metrics
    assert "EN 50160 compliant buses" in text
    leftovers = [p.name for p in studied_run.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_report_of_a_bare_run_skips_what_is_missing(tmp_path: Path) -> None:
    trafo = pd.DataFrame(
        {
            "transformer_id": 0,
            "interval_end": interval_ends(96),
            "p_kw": np.linspace(10, 50, 96),
            "q_kvar": 0.0,
            "loading_percent": np.linspace(5, 25, 96),
        }
    )
    voltages = long_frame({b: np.linspace(0.97, 1.03, 96) for b in range(5)}, "bus_id", "vm_pu")
    run = write_run(
        tmp_path / "run",
        {"internal/transformer_interval": trafo, "internal/bus_voltage": voltages},
        n_intervals=96,
    )
    text, page = _check_page(write_report(run))
    assert "transformer_duration.png" in page.images and "voltage_heatmap.png" in page.images
    assert "No meter readings" in text and "No internal/network_bus" in text
    key = _key_figures(text)  # no summary: every figure computed from the tables
    assert key["period"] == "1.0 days, 96 intervals of 15 min"
    assert key["peak transformer loading"] == "25.0 % (transformer 0, 2025-01-07 00:00)"
    assert key["minimum bus voltage"] == "0.9700 pu (bus 0)"
    assert key["maximum bus voltage"] == "1.0300 pu (bus 0)"


def test_report_shows_the_losses_study(tmp_path: Path) -> None:
    run = build_loss_run(tmp_path / "run").path
    first, page = _check_page(write_report(run))
    assert "losses" in page.ids and "twin study losses RUN_DIR" in first
    run_losses_study(run)
    text, page = _check_page(write_report(run))
    for figure in ("loss_rate_days.png", "technical_split.png", "precision_at_k.png"):
        assert f"losses-{figure}" in page.images, figure
    assert "line-loss rate, all complete area-days" in text
    assert "Robustness: the scores at neighbouring thresholds" in text
    assert "M1-2" in text  # the thief heads the suspects


def test_not_a_run_is_a_twin_error(tmp_path: Path) -> None:
    with pytest.raises(TwinError, match=r"not a finished run|does not exist"):
        write_report(tmp_path)
    with pytest.raises(TwinError):
        write_report(tmp_path / "missing")


def test_failure_keeps_the_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trafo = pd.DataFrame(
        {
            "transformer_id": 0,
            "interval_end": interval_ends(8),
            "p_kw": 1.0,
            "q_kvar": 0.0,
            "loading_percent": np.arange(8.0),
        }
    )
    run = write_run(tmp_path / "run", {"internal/transformer_interval": trafo}, n_intervals=8)
    first = write_report(run).read_text()
    assert "No internal/bus_voltage" in first and "No meter readings" in first

    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("figure failed")

    monkeypatch.setattr("twin.report.build.plot_transformer_duration", boom)
    with pytest.raises(RuntimeError):
        write_report(run)
    assert (run / "report" / "index.html").read_text() == first
    assert not [p for p in run.iterdir() if p.name.startswith(".")]


def test_vacancy_section_says_how_hard_the_problem_is() -> None:
    from twin.report.sections import vacancy_section

    metrics = {
        "precision": 0.9,
        "f1": 0.95,
        "design_note": "The detectors were designed knowing the twin's household model.",
        "separability": {
            "balanced_accuracy": 0.97,
            "roc_auc": 0.99,
            "ci95": {"balanced_accuracy": [0.93, 0.99], "roc_auc": [0.98, 1.0]},
            "homes_trained": 1000,
            "vacant_trained": 80,
            "homes_tested": 5000,
            "vacant_tested": 375,
            "published_range": [0.7, 0.95],
            "position": "above",
        },
        "training_run": {
            "seed": 2025,
            "network": "simbench:1-MVLV-rural-all-0-sw",
            "origin": "given (--training-run)",
            "note": "another seed and another network",
        },
        "home_away_occupancy": {
            "accuracy": 0.91,
            "always_home_accuracy": 0.75,
            "published_range": [0.83, 0.94],
        },
    }
    section = vacancy_section(metrics, [])
    scores, hardness = section.tables
    assert "design_note" not in {row[0] for row in scores.rows}
    assert any("designed knowing" in line for line in section.text)
    cells = {row[0]: row[1:] for row in hardness.rows}
    balanced = cells["generic classifier, vacant vs occupied: balanced accuracy"]
    assert balanced == ["0.970 (95 % 0.93-0.99)", "0.70-0.95 published for real homes (above)"]
    assert cells["training run"][0] == "seed 2025 on simbench:1-MVLV-rural-all-0-sw"
    away = cells["home/away per interval, lived-in homes (not vacancy)"]
    assert away[0] == "0.910 (always 'at home': 0.750)"
    skipped = vacancy_section({"separability": {"skipped": "no training run"}}, [])
    assert skipped.tables[1].rows == [
        ["generic classifier, vacant vs occupied", "skipped", "no training run"]
    ]
    assert len(vacancy_section({"f1": 0.5}, []).tables) == 1
