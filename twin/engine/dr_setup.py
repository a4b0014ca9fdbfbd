"""Create a run's demand response (:class:`~twin.engine.demand_response.DemandResponse`).

Checks what only the site can tell (a trigger's transformers exist) and
builds the shadow fleets of the enrolled premises with the same draws as the
run's own (:func:`twin.engine.der.create_der` restricted to them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.behind_the_meter import DerFleets
from twin.engine.ami import Ami
from twin.engine.demand_response import DemandResponse
from twin.engine.der import create_der
from twin.engine.site import Site
from twin.errors import Problem, ScenarioError
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["check_triggers", "create_demand_response"]


def check_triggers(scenario: Scenario, site: Site) -> None:
    """Every transformer a trigger names exists in the network.

    Raises
    ------
    twin.errors.ScenarioError
        Listing each unknown transformer with its YAML path.
    """
    section = scenario.demand_response
    if section is None:
        return
    known = set(site.grid.net.trafo.index.tolist())
    problems = []
    for j, p in enumerate(section.programmes):
        if p.trigger is None or p.trigger.transformers == "all":
            continue
        for m, trafo in enumerate(p.trigger.transformers):
            if trafo not in known:
                problems.append(
                    Problem(
                        f"demand_response.programmes.{j}.trigger.transformers.{m}",
                        f"given {trafo}, a transformer network {site.grid.name!r} does not have; "
                        f"expected one of {sorted(known)} or 'all'",
                    )
                )
    if problems:
        raise ScenarioError(problems, "" if scenario.source is None else str(scenario.source))


def create_demand_response(
    scenario: Scenario,
    *,
    axis: TimeAxis,
    site: Site,
    der: DerFleets | None,
    wet_owned: NDArray[np.bool_],
    members: Members,
    premise_ids: list[str],
    meter_ids: list[str],
    ami: Ami,
    rng: RandomTree,
    writer: RunWriter,
    premise_bus: NDArray[np.int64],
    premise_transformer: NDArray[np.int64],
    away: pd.DataFrame | None,
    writes_shared: bool = True,
) -> DemandResponse | None:
    """The run's demand response, or None without programmes.

    ``wet_owned`` (bool per local household premise) says who owns a wet
    appliance; ``der`` may be None (no DER in the scenario). ``members`` are
    the household premises simulated here; ``premise_bus``,
    ``premise_transformer`` cover every household premise of the fleet;
    ``away`` the household fleet's vacancy periods (local premises);
    ``writes_shared`` False in every shard but the first (events for ``all``
    are written once).
    """
    check_triggers(scenario, site)
    section = scenario.demand_response
    if section is None or not section.programmes:
        return None

    def shadow(m: Members) -> DerFleets | None:
        gone = away
        if away is not None and len(away):
            full = members.index[away["premise"].to_numpy(dtype=np.int64)]
            keep, local = m.localise(full)
            gone = away.loc[keep].assign(premise=local)
        return create_der(
            scenario,
            axis=axis,
            grid=site.grid,
            stations=site.stations,
            premise_bus=premise_bus,
            premise_transformer=premise_transformer,
            rng=rng,
            members=m,
            simulated_bus=np.zeros(len(site.grid.net.bus), dtype=bool),
            away=gone,
        )

    return DemandResponse(
        scenario,
        axis=axis,
        der=der,
        wet_owned=wet_owned,
        members=members,
        premise_ids=premise_ids,
        meter_ids=meter_ids,
        premise_transformer=members.take(np.asarray(premise_transformer, dtype=np.int64)),
        all_transformers=np.sort(site.grid.net.trafo.index.to_numpy().astype(np.int64)),
        technology=ami.technology,
        retries=scenario.comms.retries,
        concentrators=ami.concentrators,
        shadow_factory=shadow,
        rng=rng,
        writer=writer,
        writes_shared=writes_shared,
    )
