"""Sharded runs: one scenario split by LV transformer area, simulated apart, merged.

- :mod:`~twin.engine.sharding.plan`: which LV areas each shard simulates
  (whole solve units, balanced by work) and the MV terminal voltages it runs under;
- the premises a shard holds are :class:`twin.members.Members` (every random
  draw about a premise is made for the whole fleet, then restricted);
- :mod:`~twin.engine.sharding.mv_level`: the MV level between the two LV
  levels of a coupled run;
- :mod:`~twin.engine.sharding.merge`: one run directory from the shards'.

Where the shards run (a Dask cluster) is :mod:`twin.sweep.shards`' business.
"""

from twin.engine.sharding.merge import merge_shards
from twin.engine.sharding.mv_level import solve_mv_level, terminals_of
from twin.engine.sharding.plan import ShardPlan, TerminalVoltages, deal_areas, plan_shards

__all__ = [
    "ShardPlan",
    "TerminalVoltages",
    "deal_areas",
    "merge_shards",
    "plan_shards",
    "solve_mv_level",
    "terminals_of",
]
