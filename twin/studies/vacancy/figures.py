"""Figures of the vacancy study (matplotlib on the Agg canvas, PNG; no pyplot state)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.studies.figures import new_figure, save_figure
from twin.studies.vacancy.detection import Detection
from twin.studies.vacancy.truth import TruthLabels

__all__ = [
    "plot_confusion",
    "plot_rate_by_area",
    "plot_resolution",
    "plot_score_distributions",
]

_TITLE = {
    "interval_evidence": "interval evidence (this study)",
    "cso_ireland": "CSO Ireland rule (< 180 kWh/quarter)",
    "state_grid": "State Grid rule (< 10 kWh/2 months)",
}


def _title(method: str) -> str:
    return _TITLE.get(method, method)


def plot_confusion(detections: list[Detection], labels: TruthLabels, path: Path) -> Path:
    """One confusion matrix (counts) per detector, side by side."""
    fig = new_figure(4.2 * len(detections), 3.8)
    axes = fig.subplots(1, len(detections))
    for ax, det in zip(np.atleast_1d(axes), detections, strict=True):
        matrix = np.array(
            [
                [np.sum(labels.vacant & det.vacant), np.sum(labels.vacant & ~det.vacant)],
                [np.sum(~labels.vacant & det.vacant), np.sum(~labels.vacant & ~det.vacant)],
            ]
        )
        shade = np.log1p(matrix)
        ax.imshow(shade, cmap="Blues", vmin=0.0)
        for (i, j), value in np.ndenumerate(matrix):
            dark = shade[i, j] > 0.6 * shade.max()
            colour = "white" if dark else "black"
            ax.text(j, i, f"{value:,}", ha="center", va="center", fontsize=11, color=colour)
        ax.set_xticks([0, 1], ["flagged vacant", "not flagged"])
        ax.set_yticks([0, 1], ["truly vacant", "occupied"])
        ax.set_title(_title(det.method), fontsize=10)
    fig.suptitle("Vacant dwellings: detection against ground truth")
    save_figure(fig, path)
    return path


def plot_rate_by_area(
    detections: list[Detection], labels: TruthLabels, area: NDArray[np.int64], path: Path
) -> Path:
    """True against estimated vacancy rate per transformer area, per detector."""
    fig = new_figure(4.2 * len(detections), 4.0)
    axes = fig.subplots(1, len(detections))
    for ax, det in zip(np.atleast_1d(axes), detections, strict=True):
        frame = pd.DataFrame(
            {"area": area, "true": labels.vacant, "estimated": det.vacant}
        ).groupby("area")
        true, est, size = frame["true"].mean() * 100, frame["estimated"].mean() * 100, frame.size()
        top = max(float(true.max()), float(est.max()), 1.0) * 1.1
        ax.plot([0, top], [0, top], color="grey", lw=1, ls="--")
        ax.scatter(true, est, s=8 + 60 * size / size.max(), alpha=0.6)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("true vacancy rate [%]")
        ax.set_ylabel("estimated vacancy rate [%]")
        ax.set_title(_title(det.method), fontsize=10)
    fig.suptitle("Vacancy rate per transformer area (marker size: dwellings)")
    save_figure(fig, path)
    return path


def plot_score_distributions(
    detections: list[Detection],
    labels: TruthLabels,
    low_consumer: NDArray[np.bool_],
    path: Path,
) -> Path:
    """Each detector's score by true class, with its threshold."""
    fig = new_figure(4.4 * len(detections), 3.8)
    axes = fig.subplots(1, len(detections))
    groups = [
        ("truly vacant", labels.vacant, "tab:red"),
        ("occupied", ~labels.vacant & ~low_consumer, "tab:blue"),
        ("occupied low consumers", low_consumer, "tab:green"),
    ]
    for ax, det in zip(np.atleast_1d(axes), detections, strict=True):
        score = det.score
        log = det.score_unit == "kWh/d"
        finite = np.isfinite(score)
        values = np.maximum(score[finite], 1e-3) if log else score[finite]
        if values.size == 0:
            continue
        edges = (
            np.logspace(np.log10(values.min()), np.log10(values.max() + 1e-9), 40)
            if log
            else np.linspace(0.0, 1.0, 41)
        )
        for name, mask, colour in groups:
            pick = np.maximum(score[finite & mask], 1e-3) if log else score[finite & mask]
            ax.hist(pick, bins=edges, alpha=0.55, label=name, color=colour)
        ax.axvline(det.threshold, color="black", lw=1.2, ls="--", label="threshold")
        if log:
            ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(det.score_unit)
        ax.set_ylabel("dwellings")
        ax.set_title(_title(det.method), fontsize=10)
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.suptitle("Detector scores by true class (flag as vacant below the threshold)")
    save_figure(fig, path)
    return path


def plot_resolution(by_resolution: dict[str, dict[str, dict[str, Any]]], path: Path) -> Path:
    """F1 and vacancy-rate error of every detector at each resolution and under comms stress."""
    settings = list(by_resolution)
    methods = list(next(iter(by_resolution.values())))
    fig = new_figure(10, 4.2)
    left, right = fig.subplots(1, 2)
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(settings))
    for j, method in enumerate(methods):
        f1 = [by_resolution[s][method]["f1"] for s in settings]
        err = [by_resolution[s][method]["rate_error_pp"] for s in settings]
        left.bar(x + j * width, np.nan_to_num(f1), width, label=_title(method))
        right.bar(x + j * width, err, width, label=_title(method))
    for ax in (left, right):
        ax.set_xticks(x + width * (len(methods) - 1) / 2, settings, fontsize=8)
    left.set_ylabel("F1, vacant dwellings")
    left.set_ylim(0, 1.05)
    left.axhline(0.95, color="grey", ls="--", lw=1)
    right.set_ylabel("estimated - true vacancy rate [pp]")
    right.axhline(0, color="grey", lw=1)
    handles, names = left.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=len(methods), fontsize=8)
    fig.suptitle("Scores by resolution and with comms faults")
    save_figure(fig, path)
    return path
