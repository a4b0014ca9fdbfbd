"""Parameter sweeps and sharded single runs on a Dask cluster."""

from twin.sweep.companion import Companion, companion_run
from twin.sweep.kpis import KPI_COLUMNS, run_kpis
from twin.sweep.runner import run_one, run_sweep, validate_sweep
from twin.sweep.shards import run_shard, run_sharded
from twin.sweep.spec import RunSpec, SweepSpec, parse_param, run_seeds

__all__ = [
    "KPI_COLUMNS",
    "Companion",
    "RunSpec",
    "SweepSpec",
    "companion_run",
    "parse_param",
    "run_kpis",
    "run_one",
    "run_seeds",
    "run_shard",
    "run_sharded",
    "run_sweep",
    "validate_sweep",
]
