"""Who pays in advance in a run, with their drawn top-up habits, prices and accounts.

A :class:`PrepaidPopulation` is the fixed side of a set of prepaid accounts:
one slot per prepaid premise (of one utility) simulated here, with the
attributes drawn once per premise for the whole fleet and restricted to the
members, so that a shard's premises get the whole run's values:

- electricity: household premises from the generator ``prepaid`` (a share
  ``prepaid.share``), then the other customers from ``prepaid-customers``
  (``prepaid.customers``, per kind), their random streams keyed by the
  premise's full-fleet meter-point position;
- water: the homes with a water meter, from ``prepaid-water``
  (``prepaid.water.share``), streams keyed by the household position.

Prices are in minor units per register unit (Wh, or l of water), per slot,
since each customer kind may have its own plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.households import HouseholdFleet
from twin.devices.water import WaterFleet
from twin.engine.meter_points import MeterPoints
from twin.members import Members
from twin.meters.time_switch import tariff_count
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.scenario.prepaid_models import TopUpSection
from twin.services.billing.accounts import account_frame, tenancies
from twin.services.prepaid.credit import prepaid_prices

__all__ = [
    "REFERENCE_HOUSEHOLD_KWH",
    "PrepaidPopulation",
    "electricity_population",
    "water_population",
]

REFERENCE_HOUSEHOLD_KWH: Final = 3_000.0
"""Annual use of a typical household [kWh/yr] against which a non-household
customer's top-ups scale (BDEW: about 3,000-3,500 kWh for a two- to
three-person home; a judgement)."""

MAX_SCALE: Final = 100.0
"""Largest top-up scale of a customer [-] (a factory's weekly top-up is then up to
a hundred households'; assumed)."""


@dataclass(frozen=True)
class PrepaidPopulation:
    """The prepaid premises of one utility simulated here, one slot each.

    Attributes
    ----------
    utility : str
        ``electricity`` or ``water``.
    keys : numpy.ndarray
        Full-fleet key of each slot's random stream (int64, unique).
    premise_id, meter_id, customer_kind : list of str
        Per slot; ``meter_id`` is the metered device (the water meter for water).
    meter : numpy.ndarray
        Local position of each slot's electricity meter (its management core
        keeps the account) (int64).
    device : numpy.ndarray
        Local position of the metered device among its fleet (the electricity
        meter, or the water meter among the water fleet) (int64).
    risk : numpy.ndarray
        bool: at risk of self-disconnection.
    cadence, weekday, payday : numpy.ndarray
        int64: top-up cadence code, preferred weekday, pay day.
    hour : numpy.ndarray
        Local hour of regular top-ups [h].
    scale : numpy.ndarray
        Money scale of the slot's top-ups, emergency credit and warning levels [-].
    price : numpy.ndarray
        ``(n, registers)``: price [minor units per Wh or per l].
    standing : numpy.ndarray
        Standing charge [minor units per s].
    stays : pandas.DataFrame
        Accounts: ``premise`` (the slot), ``start_s``, ``end_s``, ``tenancy``.
    accounts : pandas.DataFrame
        The external/account rows of ``stays``, in the same order.
    """

    utility: str
    keys: NDArray[np.int64]
    premise_id: list[str]
    meter_id: list[str]
    customer_kind: list[str]
    meter: NDArray[np.int64]
    device: NDArray[np.int64]
    risk: NDArray[np.bool_]
    cadence: NDArray[np.int64]
    weekday: NDArray[np.int64]
    payday: NDArray[np.int64]
    hour: NDArray[np.float64]
    scale: NDArray[np.float64]
    price: NDArray[np.float64]
    standing: NDArray[np.float64]
    stays: pd.DataFrame
    accounts: pd.DataFrame

    @property
    def n(self) -> int:
        """Number of slots."""
        return int(self.keys.size)


@dataclass(frozen=True)
class _Habits:
    """Top-up habits drawn for a whole fleet (full-fleet arrays)."""

    on: NDArray[np.bool_]
    risk: NDArray[np.bool_]
    cadence: NDArray[np.int64]
    weekday: NDArray[np.int64]
    payday: NDArray[np.int64]
    hour: NDArray[np.float64]


def _draw_habits(g: np.random.Generator, share: NDArray[np.float64], top: TopUpSection) -> _Habits:
    """Who pays in advance (each position with its ``share``) and their habits."""
    n = share.size
    on = g.random(n) < share
    risk = g.random(n) < top.at_risk_share
    c = top.cadence
    cadence = g.choice(3, size=n, p=[c.weekly, c.payday, c.reactive])
    w = np.asarray(top.weekday_weights, dtype=np.float64)
    weekday = g.choice(7, size=n, p=w / w.sum())
    payday = g.choice(np.asarray(top.payday_of_month, dtype=np.int64), size=n)
    hour = g.uniform(top.hours[0], top.hours[1], n)
    return _Habits(
        on, risk, cadence.astype(np.int64), weekday.astype(np.int64), payday, hour.astype(float)
    )


def _household_stays(households: HouseholdFleet, duration_s: int) -> pd.DataFrame:
    """Tenancies of every member household (``premise`` = member position)."""
    periods = households.vacancy_periods()
    gaps = periods[periods["kind"] == "between_tenants"]
    return tenancies(
        households.n,
        gaps["premise"].to_numpy(np.int64),
        gaps["start_s"].to_numpy(np.int64),
        gaps["end_s"].to_numpy(np.int64),
        duration_s,
    )


def electricity_population(
    scenario: Scenario,
    axis: TimeAxis,
    households: HouseholdFleet,
    points: MeterPoints,
    members: Members,
    premise_ids: Sequence[str],
    meter_ids: Sequence[str],
    rng: RandomTree,
) -> PrepaidPopulation:
    """The prepaid electricity premises among the members (households, then customers).

    Parameters
    ----------
    scenario : Scenario
        With ``prepaid`` and ``tariffs``.
    axis : TimeAxis
        The run's time axis.
    households : HouseholdFleet
        The member households (their moves open and close accounts).
    points : MeterPoints
        The whole fleet's meter points (households first, then customers).
    members : Members
        The meter points simulated here (of the whole fleet).
    premise_ids, meter_ids : sequence of str
        Ids of the local meter points.
    rng : RandomTree
        The run's random tree.
    """
    cfg, tariffs = scenario.prepaid, scenario.tariffs
    assert cfg is not None and tariffs is not None
    hh = points.households
    cu = points.customers
    h = _draw_habits(rng.generator("prepaid"), np.full(hh.stop - hh.start, cfg.share), cfg.topup)
    kinds = np.asarray(points.kind[cu], dtype=object)
    shares = np.array([cfg.customers.get(str(k), 0.0) for k in kinds], dtype=np.float64)
    c = _draw_habits(rng.generator("prepaid-customers"), shares, cfg.topup)
    full = _Habits(*(np.concatenate([getattr(h, f), getattr(c, f)]) for f in _FIELDS))
    # members among the households and customers, in local order; pos: their row in `full`
    local = np.flatnonzero(members.index < cu.stop).astype(np.int64)
    full_pos = members.index[local]
    pos = np.where(full_pos < hh.stop, full_pos, full_pos - cu.start + (hh.stop - hh.start))
    chosen = full.on[pos]
    slot_local, slot_pos, slot_full = local[chosen], pos[chosen], full_pos[chosen]
    kind_of = [str(k) for k in np.asarray(points.kind, dtype=object)[slot_full]]
    is_household = slot_full < hh.stop
    annual = np.asarray(points.annual_kwh, dtype=np.float64)[slot_full]
    scale = np.where(is_household, 1.0, np.clip(annual / REFERENCE_HOUSEHOLD_KWH, 1.0, MAX_SCALE))
    money = 10.0**tariffs.decimals
    plans, plan_of = tariffs.price_plans(), tariffs.plan_of()
    registers = tariff_count(scenario.meters.tariff_windows())
    plan = [plans[plan_of[k]] for k in kind_of]
    price = np.asarray([prepaid_prices(p, registers) for p in plan], dtype=np.float64)
    standing = np.asarray([p.standing_per_day for p in plan], dtype=np.float64)
    # accounts: households' tenancies, everyone else's the whole run
    hh_stays = _household_stays(households, axis.duration_s)
    slot_of = np.full(local.size, -1, dtype=np.int64)  # households and customers: 0 .. size-1
    slot_of[slot_local] = np.arange(slot_local.size)
    hh_stays = hh_stays[np.isin(hh_stays["premise"].to_numpy(), slot_local)]
    other = slot_local[~is_household]
    stays = pd.concat(
        [
            hh_stays.assign(premise=slot_of[hh_stays["premise"].to_numpy(np.int64)]),
            pd.DataFrame(
                {
                    "premise": slot_of[other],
                    "start_s": np.zeros(other.size, np.int64),
                    "end_s": np.full(other.size, axis.duration_s, np.int64),
                    "tenancy": np.ones(other.size, np.int64),
                }
            ),
        ],
        ignore_index=True,
    )
    premise = [str(premise_ids[i]) for i in slot_local]
    meter = [str(meter_ids[i]) for i in slot_local]
    accounts = _accounts(scenario, axis, premise, meter, kind_of, stays, "electricity")
    return PrepaidPopulation(
        utility="electricity",
        keys=slot_full.astype(np.int64),
        premise_id=premise,
        meter_id=meter,
        customer_kind=kind_of,
        meter=slot_local,
        device=slot_local,
        risk=full.risk[slot_pos],
        cadence=full.cadence[slot_pos],
        weekday=full.weekday[slot_pos],
        payday=full.payday[slot_pos],
        hour=full.hour[slot_pos],
        scale=scale,
        price=price.reshape(-1, registers) * money / 1e3,
        standing=standing * money / 86_400.0,
        stays=stays,
        accounts=accounts,
    )


def water_population(
    scenario: Scenario,
    axis: TimeAxis,
    households: HouseholdFleet,
    water: WaterFleet,
    members: Members,
    meters: slice,
    premise_ids: Sequence[str],
    rng: RandomTree,
) -> PrepaidPopulation:
    """The prepaid water meters among the member households' water meters.

    Parameters
    ----------
    water : WaterFleet
        The member homes' water meters (``home``: member household position).
    members : Members
        The member households (of the whole household fleet).
    meters : slice
        Local meter positions of the households (their electricity meters).
    premise_ids : sequence of str
        Premise id of each member household.
    rng : RandomTree
        The run's random tree.
    """
    cfg, tariffs = scenario.prepaid, scenario.tariffs
    assert cfg is not None and cfg.water is not None and tariffs is not None
    assert tariffs.water is not None
    n_total = members.n_total
    h = _draw_habits(rng.generator("prepaid-water"), np.full(n_total, cfg.water.share), cfg.topup)
    home_full = water.meter_index  # full household position of each local water meter
    chosen = h.on[home_full]
    device = np.flatnonzero(chosen).astype(np.int64)
    home = water.home[device]
    full = home_full[device]
    money = 10.0**tariffs.decimals
    n = device.size
    stays = _household_stays(households, axis.duration_s)
    slot_of = np.full(households.n, -1, dtype=np.int64)
    slot_of[home] = np.arange(n)
    stays = stays[np.isin(stays["premise"].to_numpy(), home)]
    stays = stays.assign(premise=slot_of[stays["premise"].to_numpy(np.int64)])
    premise = [str(premise_ids[i]) for i in home]
    meter = ["W" + p[1:] for p in premise]
    kinds = ["household"] * n
    accounts = _accounts(scenario, axis, premise, meter, kinds, stays, "water")
    return PrepaidPopulation(
        utility="water",
        keys=full.astype(np.int64),
        premise_id=premise,
        meter_id=meter,
        customer_kind=kinds,
        meter=(meters.start + home).astype(np.int64),
        device=device,
        risk=h.risk[full],
        cadence=h.cadence[full],
        weekday=h.weekday[full],
        payday=h.payday[full],
        hour=h.hour[full],
        scale=np.full(n, cfg.water.amount_scale),
        price=np.full((n, 1), tariffs.water.price_per_m3 * money / 1e3),
        standing=np.full(n, tariffs.water.standing_per_day * money / 86_400.0),
        stays=stays.reset_index(drop=True),
        accounts=accounts,
    )


_FIELDS = ("on", "risk", "cadence", "weekday", "payday", "hour")


def _accounts(
    scenario: Scenario,
    axis: TimeAxis,
    premise: list[str],
    meter: list[str],
    kinds: list[str],
    stays: pd.DataFrame,
    utility: str,
) -> pd.DataFrame:
    tariffs = scenario.tariffs
    assert tariffs is not None
    plan_of = tariffs.plan_of()
    return account_frame(
        pd.DataFrame({"premise_id": premise, "meter_id": meter, "customer_kind": kinds}),
        stays,
        plan_of={**plan_of, "household": "water"} if utility == "water" else plan_of,
        currency=tariffs.currency,
        run_start=axis.start,
        duration_s=axis.duration_s,
        prepaid=np.ones(len(premise), dtype=bool),
        utility=utility,
    )
