"""A companion run: the scenario of a finished run again, with another seed.

A study that trains a classifier needs data that are not the data it
reports on. :func:`companion_run` simulates the scenario of a finished run
again with seed ``seed + COMPANION_SEED_OFFSET``, at most
:data:`COMPANION_MAX_HOUSEHOLDS` households and without the bus-voltage and
line-loading tables, into a folder the caller names; a finished companion of
the same resolved scenario there is reused. Same network as the original: a
training run on another network has to be made with ``twin run`` and given
to the study.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from twin.engine import run as simulate
from twin.errors import TwinError
from twin.scenario import load_scenario
from twin.streams import is_finished_run, open_run

__all__ = ["COMPANION_MAX_HOUSEHOLDS", "COMPANION_SEED_OFFSET", "Companion", "companion_run"]

COMPANION_SEED_OFFSET: Final = 1
"""The companion's seed is the original's plus this (never 0: never the same run)."""

COMPANION_MAX_HOUSEHOLDS: Final = 1000
"""Households of a companion at most (a training set, not a second study) [-]."""


@dataclass(frozen=True)
class Companion:
    """A companion run and how it came about.

    Attributes
    ----------
    path : pathlib.Path
        Its run directory.
    seed : int
        Its seed.
    households : int
        Its households.
    reused : bool
        Whether a finished companion was found and reused.
    """

    path: Path
    seed: int
    households: int
    reused: bool


def companion_run(
    run_dir: str | Path, dest: str | Path, *, progress: bool | None = False
) -> Companion:
    """Simulate (or reuse) the scenario of ``run_dir`` with another seed into ``dest``.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run directory (its ``scenario.yaml`` and manifest).
    dest : str or pathlib.Path
        Where the companion run goes; never ``run_dir`` itself.
    progress : bool or None, default False
        Show the run's progress bar (None: when on a terminal).

    Returns
    -------
    Companion

    Raises
    ------
    twin.errors.TwinError
        If ``run_dir`` is not a finished run or ``dest`` is ``run_dir``.
    """
    source = open_run(run_dir)
    folder = Path(dest)
    if folder.resolve() == source.path.resolve():
        raise TwinError(f"companion run given {str(folder)!r}, the run itself; expected another")
    seed = int(source.manifest.get("seed", 0)) + COMPANION_SEED_OFFSET
    overrides = ["outputs.bus_voltage=none", "outputs.line_loading=none"]
    households = int((source.manifest.get("summary") or {}).get("households", 0))
    if households > COMPANION_MAX_HOUSEHOLDS:
        overrides.append(f"households.count={COMPANION_MAX_HOUSEHOLDS}")
    scenario = load_scenario(source.path / "scenario.yaml", overrides, seed=seed)
    if is_finished_run(folder):
        found = open_run(folder)
        if found.manifest.get("scenario") == scenario.resolved_dict():
            summary = found.manifest.get("summary") or {}
            return Companion(folder, seed, int(summary.get("households", 0)), reused=True)
    result = simulate(scenario, out=folder, progress=progress)
    summary = open_run(result.path).manifest.get("summary") or {}
    return Companion(result.path, seed, int(summary.get("households", 0)), reused=False)
