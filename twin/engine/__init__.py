"""The discrete-event engine: wiring, the interval process, the run."""

from twin.engine.rng import RandomTree
from twin.engine.simulation import Run, RunSummary, run
from twin.engine.wiring import build_site

__all__ = ["RandomTree", "Run", "RunSummary", "build_site", "run"]
