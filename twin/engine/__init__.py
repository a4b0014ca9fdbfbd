"""The discrete-event engine: builds a run, advances its fleets, writes it.

- :mod:`~twin.engine.site`: the network and the premises' places;
- :mod:`~twin.engine.components`: fleets, meters, head-end and solver;
- :mod:`~twin.engine.interval_loop`: the one SimPy process per run;
- :mod:`~twin.engine.simulation`: :func:`run`, from scenario to run directory;
- :mod:`~twin.engine.sharding`: a run split by LV area, and the merge.
"""

from twin.engine.simulation import run
from twin.engine.site import build_site
from twin.engine.summary import Run, RunSummary
from twin.random_streams import RandomTree

__all__ = ["RandomTree", "Run", "RunSummary", "build_site", "run"]
