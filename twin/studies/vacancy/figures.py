"""Figures of the vacancy study (matplotlib on the Agg canvas, PNG; no pyplot state)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.studies.figures import new_figure, save_figure
from twin.studies.vacancy.detection import Detection
from twin.studies.vacancy.occupancy import PUBLISHED_HOME_AWAY_RANGE
from twin.studies.vacancy.separability import PUBLISHED_RANGE, SeparabilityResult
from twin.studies.vacancy.truth import TruthLabels

__all__ = [
    "plot_confusion",
    "plot_rate_by_area",
    "plot_resolution",
    "plot_score_distributions",
    "plot_separability",
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


def _roc(vacant: NDArray[np.bool_], probability: NDArray[np.float64]) -> tuple[Any, Any]:
    """False- and true-positive rates of every threshold on ``probability``."""
    order = np.argsort(-probability, kind="stable")
    hits = vacant[order]
    tpr = np.concatenate([[0.0], np.cumsum(hits) / max(int(hits.sum()), 1)])
    fpr = np.concatenate([[0.0], np.cumsum(~hits) / max(int((~hits).sum()), 1)])
    return fpr, tpr


def plot_separability(
    separability: dict[str, Any],
    generic: SeparabilityResult | None,
    detections: list[Detection],
    labels: TruthLabels,
    home_away: dict[str, Any],
    path: Path,
) -> Path:
    """How hard the problem is: the generic classifier beside the detectors and published figures.

    Left: the generic classifier's ROC curve on the scored run, with each
    detector's operating point. Middle: balanced accuracy (vacant against
    occupied) of the generic classifier and of each detector, against the
    range published for real homes. Right: the home/away accuracy on lived-in
    homes, another question, against its published range.
    """
    fig = new_figure(13.5, 4.2)
    roc, bars, away = fig.subplots(1, 3, width_ratios=[1.1, 1.3, 0.7])
    vacant = labels.vacant
    roc.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    if generic is not None and vacant.any() and (~vacant).any():
        fpr, tpr = _roc(vacant, np.nan_to_num(generic.probability, nan=0.0))
        auc = separability.get("roc_auc", float("nan"))
        roc.plot(fpr, tpr, color="black", lw=1.5, label=f"generic classifier (AUC {auc:.3f})")
    for det in detections:
        tp = float(np.mean(det.vacant[vacant])) if vacant.any() else float("nan")
        fp = float(np.mean(det.vacant[~vacant])) if (~vacant).any() else float("nan")
        roc.scatter([fp], [tp], s=40, zorder=3, label=_title(det.method))
    roc.set_xlabel("false-positive rate (occupied flagged)")
    roc.set_ylabel("true-positive rate (vacant flagged)")
    roc.set_xlim(-0.02, 1.0)
    roc.set_ylim(0.0, 1.02)
    roc.legend(fontsize=7, loc="lower right")
    roc.set_title("Vacant vs occupied, scored run", fontsize=10)

    names, values, errors = [], [], []
    if "balanced_accuracy" in separability:
        names.append("generic classifier\n(trained on another run)")
        values.append(float(separability["balanced_accuracy"]))
        low, high = separability.get("ci95", {}).get("balanced_accuracy", [np.nan, np.nan])
        errors.append((max(values[-1] - low, 1e-9), max(high - values[-1], 1e-9)))
    for det in detections:
        tp = float(np.mean(det.vacant[vacant])) if vacant.any() else float("nan")
        tn = float(np.mean(~det.vacant[~vacant])) if (~vacant).any() else float("nan")
        names.append(_title(det.method).replace(" (", "\n("))
        values.append((tp + tn) / 2.0)
        errors.append((0.0, 0.0))
    bars.axhspan(*PUBLISHED_RANGE, color="tab:green", alpha=0.15, label="published, real homes")
    if names:
        x = np.arange(len(names))
        colours = ["black" if e != (0.0, 0.0) else "tab:blue" for e in errors]
        bars.bar(x, np.nan_to_num(values), color=colours)
        with_ci = [i for i, e in enumerate(errors) if e != (0.0, 0.0)]
        if with_ci:
            err = np.nan_to_num(np.asarray([errors[i] for i in with_ci], dtype=float).T, nan=0.0)
            bars.errorbar(
                x[with_ci], [values[i] for i in with_ci], yerr=err, fmt="none",
                ecolor="tab:red", capsize=4, label="95 % bootstrap interval",
            )  # fmt: skip
        bars.set_xticks(x, names, fontsize=7)
    else:
        bars.text(0.5, 0.5, str(separability.get("skipped", "")), ha="center", wrap=True)
    bars.set_ylim(0.0, 1.05)
    bars.set_ylabel("balanced accuracy")
    bars.legend(fontsize=7, loc="lower right")
    bars.set_title("How separable vacant homes are", fontsize=10)

    away.axhspan(*PUBLISHED_HOME_AWAY_RANGE, color="tab:green", alpha=0.15, label="published")
    if "accuracy" in home_away:
        away.bar([0, 1], [home_away["accuracy"], home_away["always_home_accuracy"]],
                 color=["tab:purple", "tab:grey"])  # fmt: skip
        away.set_xticks([0, 1], ["classifier", "always\n'at home'"], fontsize=8)
    else:
        away.text(0.5, 0.5, str(home_away.get("skipped", "")), ha="center", wrap=True)
    away.set_ylim(0.0, 1.05)
    away.set_ylabel("accuracy per interval")
    away.legend(fontsize=7, loc="lower right")
    away.set_title("Home/away, lived-in homes\n(another question)", fontsize=10)
    fig.suptitle("How hard the vacancy problem is, apart from the detectors")
    save_figure(fig, path)
    return path
