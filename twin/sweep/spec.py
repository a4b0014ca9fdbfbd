"""What a sweep runs: the base scenario, the parameter grid or sample, the seeds.

A sweep is given either on the command line (a scenario plus ``--param
a.b=v1,v2``) or as a sweep file::

    base: quickstart.yaml          # relative to the sweep file
    seed: 7                        # the sweep seed (default: the base scenario's)
    seeds: 2                       # runs per combination, with seeds spawned from it
    design: grid                   # or one_at_a_time: each parameter alone, the rest at base
    parameters:                    # a full grid ...
      households.count: [50, 100]
    sample:                        # ... or a sample of a box
      method: latin_hypercube      # or random
      count: 8
      ranges:
        households.consumption.annual_kwh_median: [2000, 4000]
    studies: [vacancy, losses]     # studies run on each run in its worker (default none)

A ``one_at_a_time`` design runs the base scenario and each value of each
parameter with every other parameter left at the base scenario's value: how a
result moves as one thing grows (a study's robustness), at a cost that adds
up over the parameters instead of multiplying.

Run seeds are spawned from the sweep seed with :class:`numpy.random.SeedSequence`
and shared by every combination (common random numbers): the k-th seed of a
sweep is the same whatever the grid, so a run's tables are the same whether it
ran alone (``twin run --seed``) or in any sweep, on any number of workers.

The studies (any name ``twin study`` takes) run on each run right after it, in
the same worker; their headline metrics become columns of the sweep table.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from twin.errors import Problem, ScenarioError
from twin.scenario import Scenario
from twin.scenario.loading import (
    apply_overrides,
    read_yaml_mapping,
    validate_scenario_dict,
)
from twin.studies.registry import check_study_names

__all__ = ["Design", "RunSpec", "SweepSpec", "parse_param", "run_seeds"]

MAX_RUNS = 10_000

Design = Literal["grid", "one_at_a_time"]
"""How a sweep combines its parameters' values."""


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep.

    Attributes
    ----------
    run_id : str
        Stable name of the run (its folder under ``runs/``).
    parameters : dict
        Dotted scenario path -> value for this run.
    seed_index : int
        Which of the sweep's seeds.
    seed : int
        The run's seed.
    """

    run_id: str
    parameters: dict[str, Any] = field(hash=False)
    seed_index: int
    seed: int


def run_seeds(sweep_seed: int, count: int) -> list[int]:
    """The sweep's ``count`` run seeds, spawned from ``sweep_seed``."""
    children = np.random.SeedSequence(sweep_seed).spawn(count)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def parse_param(text: str) -> tuple[str, list[Any]]:
    """Split ``a.b=v1,v2,...`` into the path and its values (each read as YAML)."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip() or any(not p for p in key.split(".")):
        raise ScenarioError(
            [
                Problem(
                    "--param",
                    f"given {text!r}; expected KEY.PATH=V1,V2,... such as households.count=50,100",
                )
            ]
        )
    parsed = []
    for item in values.split(","):
        try:
            parsed.append(yaml.safe_load(item) if item.strip() else "")
        except yaml.YAMLError:
            parsed.append(item)
    return key, parsed


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["latin_hypercube", "random"] = "latin_hypercube"
    count: int = Field(ge=1, le=MAX_RUNS)
    ranges: dict[str, tuple[float, float]]

    @model_validator(mode="after")
    def _ordered(self) -> _Sample:
        for key, (low, high) in self.ranges.items():
            if not low <= high:
                raise ValueError(f"range of {key!r} given [{low}, {high}]; expected low <= high")
        return self


class _SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base: str
    seed: int | None = Field(default=None, ge=0)
    seeds: int = Field(default=1, ge=1, le=1_000)
    design: Design = "grid"
    parameters: dict[str, list[Any]] = Field(default_factory=dict)
    sample: _Sample | None = None
    studies: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _design_fits(self) -> _SweepFile:
        if self.design == "one_at_a_time" and self.sample is not None:
            raise ValueError(
                "design given 'one_at_a_time' with a sample; expected parameters "
                "(one_at_a_time varies listed values one parameter at a time)"
            )
        return self


@dataclass
class SweepSpec:
    """A validated sweep.

    Parameters
    ----------
    base : pathlib.Path
        The base scenario file.
    parameters : dict
        Grid: dotted path -> values (every combination runs).
    seeds : int
        Runs per combination.
    sweep_seed : int, optional
        Seed of the sweep (default: the base scenario's seed).
    sample : dict, optional
        ``{"method", "count", "ranges"}`` instead of a grid.
    design : {"grid", "one_at_a_time"}
        Every combination of ``parameters``, or the base scenario plus each
        value of each parameter alone.
    studies : tuple of str
        Studies run on each run in its worker, right after it (names of
        :data:`twin.studies.registry.STUDY_NAMES`); kept without repeats in
        that order.

    Raises
    ------
    twin.errors.ScenarioError
        An unknown study name (listing the allowed ones).
    """

    base: Path
    parameters: dict[str, list[Any]] = field(default_factory=dict)
    seeds: int = 1
    sweep_seed: int | None = None
    sample: dict[str, Any] | None = None
    studies: tuple[str, ...] = ()
    design: Design = "grid"
    _base_data: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.studies = check_study_names(self.studies, option="studies")
        self._base_data = read_yaml_mapping(self.base)
        if self.sweep_seed is None:
            base = validate_scenario_dict(self._base_data, source=str(self.base))
            self.sweep_seed = base.seed

    @classmethod
    def from_file(cls, path: str | Path) -> SweepSpec:
        """Read a sweep file (a mapping with ``base``)."""
        file = Path(path)
        data = read_yaml_mapping(file)
        try:
            parsed = _SweepFile.model_validate(data)
        except ValidationError as exc:
            problems = [
                Problem(".".join(str(p) for p in e["loc"]), f"given {e.get('input')!r}: {e['msg']}")
                for e in exc.errors(include_url=False)
            ]
            raise ScenarioError(problems, str(file)) from None
        base = Path(parsed.base)
        if not base.is_absolute():
            base = file.resolve().parent / base
        sample = parsed.sample.model_dump() if parsed.sample is not None else None
        try:
            studies = check_study_names(parsed.studies, option="studies")
        except ScenarioError as exc:
            raise ScenarioError(exc.problems, str(file)) from None
        return cls(
            base,
            dict(parsed.parameters),
            parsed.seeds,
            parsed.seed,
            sample,
            studies,
            parsed.design,
        )

    @staticmethod
    def is_sweep_file(path: str | Path) -> bool:
        """True when the YAML file is a sweep file (has a top-level ``base``)."""
        try:
            return "base" in read_yaml_mapping(Path(path))
        except ScenarioError:
            return False

    def combinations(self) -> list[dict[str, Any]]:
        """Every parameter combination (grid), one-at-a-time variation or sample point."""
        if self.sample is not None:
            return _sample_points(self.sample, self.sweep_seed or 0)
        if not self.parameters:
            return [{}]
        keys = sorted(self.parameters)
        if self.design == "one_at_a_time":
            return [{}, *({k: v} for k in keys for v in self.parameters[k])]
        return [
            dict(zip(keys, values, strict=True))
            for values in itertools.product(*(self.parameters[k] for k in keys))
        ]

    def runs(self) -> list[RunSpec]:
        """Every run: each combination with each seed."""
        seeds = run_seeds(int(self.sweep_seed or 0), self.seeds)
        combos = self.combinations()
        if len(combos) * len(seeds) > MAX_RUNS:
            raise ScenarioError(
                [Problem("--param", f"{len(combos) * len(seeds):,} runs; at most {MAX_RUNS:,}")]
            )
        return [
            RunSpec(_run_id(params, k), params, k, seed)
            for params in combos
            for k, seed in enumerate(seeds)
        ]

    def scenario(self, run: RunSpec) -> Scenario:
        """The validated scenario of one run."""
        data = apply_overrides(self._base_data, run.parameters.items(), source=str(self.base))
        data["seed"] = run.seed
        return validate_scenario_dict(data, source=str(self.base)).read_from(self.base)

    def describe(self) -> dict[str, Any]:
        """The sweep as plain data (written to ``sweep.yaml``)."""
        return {
            "base": str(self.base),
            "seed": self.sweep_seed,
            "seeds": self.seeds,
            "parameters": self.parameters,
            "sample": self.sample,
            "studies": list(self.studies),
            "design": self.design,
        }


def _run_id(params: dict[str, Any], seed_index: int) -> str:
    text = json.dumps(params, sort_keys=True, default=str)
    digest = hashlib.sha1(text.encode()).hexdigest()[:6]
    parts = [f"{k.split('.')[-1]}-{v}" for k, v in sorted(params.items())]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", "_".join(parts))[:60].strip("-_.")
    return f"{slug + '__' if slug else ''}seed{seed_index}__{digest}"


def _sample_points(sample: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    from scipy.stats import qmc

    keys = sorted(sample["ranges"])
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5A4D,)))
    if sample["method"] == "latin_hypercube":
        unit = qmc.LatinHypercube(d=len(keys), seed=rng).random(sample["count"])
    else:
        unit = rng.random((sample["count"], len(keys)))
    points = []
    for row in unit:
        point: dict[str, Any] = {}
        for key, u in zip(keys, row, strict=True):
            low, high = sample["ranges"][key]
            value = low + u * (high - low)
            integral = float(low).is_integer() and float(high).is_integer()
            point[key] = round(value) if integral else float(value)
        points.append(point)
    return points
