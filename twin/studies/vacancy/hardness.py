"""How hard the vacancy problem is, measured apart from the detectors.

Two classifiers learn on the training run (:mod:`twin.studies.vacancy.training`)
and are tested on the scored run: the generic separability classifier
(:mod:`twin.studies.vacancy.separability`) and, as a figure of its own, the
home/away classifier on lived-in homes (:mod:`twin.studies.vacancy.occupancy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.studies.inputs import TruthData
from twin.studies.vacancy.data import MeterSeries, Window, aggregate
from twin.studies.vacancy.occupancy import home_away_accuracy
from twin.studies.vacancy.separability import (
    SeparabilityResult,
    home_window_features,
    separability,
)
from twin.studies.vacancy.training import TrainingRun
from twin.studies.vacancy.truth import LOW_CONSUMER_MIN_LIVED, TruthLabels

__all__ = ["Hardness", "measure_hardness"]


@dataclass(frozen=True)
class Hardness:
    """How hard the problem is, measured apart from the detectors.

    Attributes
    ----------
    separability : dict
        The generic classifier's scores, or why it was skipped.
    generic : SeparabilityResult or None
        Its probabilities per meter, where it ran.
    home_away : dict
        The home/away accuracy on lived-in homes, or why it was skipped.
    """

    separability: dict[str, Any]
    generic: SeparabilityResult | None
    home_away: dict[str, Any]

    @classmethod
    def skipped(cls, reason: str) -> Hardness:
        """Both measures skipped for ``reason``."""
        return cls({"skipped": reason}, None, {"skipped": reason})


def measure_hardness(
    series: MeterSeries,
    train: TrainingRun | None,
    truth: TruthData,
    win: Window,
    labels: TruthLabels,
    primary_s: int,
    rng: np.random.Generator,
) -> Hardness:
    """Train the generic and the home/away classifiers on the training run, test them here.

    Parameters
    ----------
    series : MeterSeries
        The scored run's readings at its interval.
    train : TrainingRun or None
        The training run, if any.
    truth : TruthData
        The scored run's truth.
    win : Window
        The days judged.
    labels : TruthLabels
        The scored run's truth per meter.
    primary_s : int
        Headline resolution [s]: the generic features are computed at it.
    rng : numpy.random.Generator
        Sampling and bootstrap.

    Returns
    -------
    Hardness
    """
    homes = labels.lived_share >= LOW_CONSUMER_MIN_LIVED
    if train is None:
        generic = None
        sep: dict[str, Any] = {
            "skipped": "no training run given (`twin study vacancy` generates one; "
            "run_vacancy_study needs training_run=...)"
        }
        away = home_away_accuracy(series, truth, win, labels.premise_id, homes, rng=rng)
    else:
        generic = separability(
            home_window_features(aggregate(train.series, primary_s)),
            train.labels.vacant,
            home_window_features(aggregate(series, primary_s)),
            labels.vacant,
            rng=rng,
        )
        sep = {"resolution": f"{primary_s // 60}min", **generic.metrics}
        t_homes = train.labels.lived_share >= LOW_CONSUMER_MIN_LIVED
        bundle = (train.series, train.truth, train.window, train.labels.premise_id, t_homes)
        away = home_away_accuracy(
            series, truth, win, labels.premise_id, homes, rng=rng, training=bundle
        )
    return Hardness(sep, generic, away)
