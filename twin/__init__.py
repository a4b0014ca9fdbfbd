"""gridtwin: a discrete-event digital twin of a smart-meter-rich distribution grid.

Python API::

    import twin
    scenario = twin.load_scenario("scenarios/quickstart.yaml")
    result = twin.run(scenario)               # -> twin.Run
    result = twin.run_sharded(scenario, 4)    # the same, in 4 shards on Dask
    df = twin.open_run(result.path).table("internal/meter_interval")

The engine (and with it pandapower) is imported on first use of ``run``,
``run_sharded``, ``Run`` or ``RunSummary``, so reading runs stays light.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING, Any

from twin.errors import Problem, ScenarioError, TwinError
from twin.scenario import Scenario, load_scenario
from twin.streams import RunDirectory, open_run

if TYPE_CHECKING:
    from twin.engine import Run, RunSummary, run
    from twin.sweep import run_sharded

try:
    __version__ = metadata.version("gridtwin")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_ENGINE_NAMES = {"Run", "RunSummary", "run"}


def __getattr__(name: str) -> Any:
    if name in _ENGINE_NAMES:
        from twin import engine

        return getattr(engine, name)
    if name == "run_sharded":
        from twin.sweep import run_sharded

        return run_sharded
    raise AttributeError(f"module 'twin' has no attribute {name!r}")


__all__ = [
    "Problem",
    "Run",
    "RunDirectory",
    "RunSummary",
    "Scenario",
    "ScenarioError",
    "TwinError",
    "__version__",
    "load_scenario",
    "open_run",
    "run",
    "run_sharded",
]
