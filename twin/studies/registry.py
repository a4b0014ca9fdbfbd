"""Every study by name: how to run it, where it writes, and its headline metrics.

The one table of studies that ``twin study NAME RUN_DIR`` and ``twin sweep
--study NAME`` share. Importing this module is cheap: a study's package is
imported only when it runs or its headline is read.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from twin.errors import Problem, ScenarioError

__all__ = [
    "STUDIES",
    "STUDY_NAMES",
    "Study",
    "check_study_names",
    "headline_columns",
    "headline_module",
    "nan_headlines",
    "read_headlines",
    "run_study",
    "study_columns",
    "sweep_function",
]


@dataclass(frozen=True)
class Study:
    """One study.

    Attributes
    ----------
    name : str
        Its name on the command line and its folder, ``RUN_DIR/studies/<name>/``.
    package : str
        Its package; ``<package>.headline`` holds ``HEADLINE_METRICS`` and ``headline()``.
    function : str
        The function of the package that runs it on a run directory.
    sweep_function : str, optional
        A function of the package that adds outputs of its own to the study's
        folder of a sweep directory, beside the robustness table:
        ``f(folder, sweep_table, parameters, design) -> dict`` (merged into
        that folder's ``metrics.json``).
    """

    name: str
    package: str
    function: str
    sweep_function: str | None = None

    @property
    def prefix(self) -> str:
        """Prefix of its columns in a sweep table: the name with ``_`` for ``-``."""
        return self.name.replace("-", "_")


STUDIES: Final = {
    study.name: study
    for study in (
        Study(
            "demand-response",
            "twin.studies.demand_response",
            "run_demand_response_study",
            sweep_function="write_demand_response_tradeoff",
        ),
        Study("grid-loading", "twin.studies.grid_loading", "run_grid_loading_study"),
        Study("losses", "twin.studies.losses", "run_losses_study"),
        Study("power-quality", "twin.studies.power_quality", "run_power_quality_study"),
        Study(
            "prepaid",
            "twin.studies.prepaid",
            "run_prepaid_study",
            sweep_function="write_prepaid_tradeoff",
        ),
        Study(
            "safety",
            "twin.studies.safety",
            "run_safety_study",
            sweep_function="write_safety_tradeoff",
        ),
        Study("vacancy", "twin.studies.vacancy", "run_vacancy_study"),
    )
}
"""Every study that runs on a finished run directory, by name, in name order."""

STUDY_NAMES: Final = tuple(STUDIES)
"""The study names, in the order their columns take in a sweep table."""


def check_study_names(names: Iterable[str], *, option: str = "--study") -> tuple[str, ...]:
    """The given study names, without repeats, in :data:`STUDY_NAMES` order.

    Parameters
    ----------
    names : iterable of str
        Study names as given.
    option : str
        The option or key that gave them, named in the error.

    Returns
    -------
    tuple of str
        The names, each once, in a stable order whatever the order given.

    Raises
    ------
    twin.errors.ScenarioError
        Naming every unknown name and the allowed ones.
    """
    given = list(names)
    allowed = ", ".join(STUDY_NAMES)
    problems = [
        Problem(option, f"given an invalid value {name!r}; expected one of {allowed}")
        for name in dict.fromkeys(given)
        if name not in STUDIES
    ]
    if problems:
        raise ScenarioError(problems)
    return tuple(name for name in STUDY_NAMES if name in given)


def run_study(name: str, run_dir: str | Path, **options: Any) -> dict[str, Any]:
    """Run study ``name`` on a finished run; it writes ``RUN_DIR/studies/<name>/``.

    Parameters
    ----------
    name : str
        One of :data:`STUDY_NAMES`.
    run_dir : str or pathlib.Path
        The run directory.
    **options
        The study's own options (the vacancy study's ``window``, ...).

    Returns
    -------
    dict
        The study's metrics, as written to its ``metrics.json``.

    Raises
    ------
    twin.errors.TwinError
        The study cannot run on this run (a missing table, a bad option).
    """
    study = STUDIES[check_study_names([name])[0]]
    function = getattr(importlib.import_module(study.package), study.function)
    metrics: dict[str, Any] = function(run_dir, **options)
    return metrics


def sweep_function(name: str) -> Callable[..., dict[str, Any]] | None:
    """Study ``name``'s function for a sweep directory's extra outputs, or None."""
    study = STUDIES[name]
    if study.sweep_function is None:
        return None
    function: Callable[..., dict[str, Any]] = getattr(
        importlib.import_module(study.package), study.sweep_function
    )
    return function


def headline_module(name: str) -> Any:
    """Study ``name``'s ``headline`` module (``HEADLINE_METRICS``, ``headline()``)."""
    return importlib.import_module(f"{STUDIES[name].package}.headline")


def study_columns(name: str) -> tuple[str, ...]:
    """Columns of study ``name`` in a sweep table: its prefix, ``_``, each headline metric."""
    prefix = STUDIES[name].prefix
    return tuple(f"{prefix}_{metric}" for metric in headline_module(name).HEADLINE_METRICS)


def headline_columns() -> tuple[str, ...]:
    """Every study's columns in a sweep table, study by study in :data:`STUDY_NAMES` order."""
    return tuple(column for name in STUDY_NAMES for column in study_columns(name))


def read_headlines(run_dir: str | Path, names: Iterable[str] = STUDY_NAMES) -> dict[str, float]:
    """The headline metrics of the given studies on a run, as sweep-table columns.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run directory.
    names : iterable of str
        Which studies (default every one).

    Returns
    -------
    dict
        Column (``vacancy_f1``, ...) -> value, every column of each study in a
        stable order; NaN where the study has not run or its metric is empty.
    """
    row: dict[str, float] = {}
    for name in check_study_names(names):
        study = STUDIES[name]
        values = headline_module(name).headline(Path(run_dir) / "studies" / name)
        row.update({f"{study.prefix}_{metric}": value for metric, value in values.items()})
    return row


def nan_headlines(name: str) -> dict[str, float]:
    """Every column of study ``name`` set to NaN (the study failed on a run)."""
    return dict.fromkeys(study_columns(name), math.nan)
