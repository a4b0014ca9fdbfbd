"""Scenario model of the platform's tariffs (``tariffs:``): postpaid price plans and
which customers are on which.

A plan prices the energy a meter's legal registers count, flat, by
time-of-use register (1-0:1.8.1 .. 1.8.4, whose windows are ``meters.tariffs``)
or in tiers of cumulative energy per month or year (the Chinese residential
three-tier ladder, NDRC 2012), plus a demand charge on the monthly maximum
demand (1-0:1.6.0), a standing charge per day and a feed-in price for the
energy exported (1-0:2.8.0). Prices are in currency units (``currency``).

The section absent, a run has no accounts and no bills. Present but partial,
the built-in plans (:data:`DEFAULT_PLANS`) and assignment (:data:`DEFAULT_ASSIGN`)
fill in; their prices are illustrative assumptions of the magnitude of German
retail prices in 2025 (BDEW Strompreisanalyse 2025: about 0.40 EUR/kWh for
households, EEG feed-in about 0.08 EUR/kWh), not a tariff of any utility.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.services.billing.money import MINOR_UNITS, minor_unit_of

__all__ = [
    "BILLED_KINDS",
    "DEFAULT_ASSIGN",
    "DEFAULT_PLANS",
    "AssignSection",
    "TariffPlan",
    "TariffsSection",
    "Tier",
    "WaterPlan",
]

BILLED_KINDS = (
    "household",
    "commercial",
    "agricultural",
    "base_station",
    "factory",
    "generation",
)
"""Customer kinds of internal/meter_point, each of which has accounts."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class Tier(_Section):
    """One block of a tiered tariff: energy from ``from_kwh`` to ``to_kwh`` in the tier
    period at ``price_per_kwh``."""

    from_kwh: float = Field(ge=0, description="Lower bound of cumulative energy [kWh].")
    to_kwh: float | None = Field(
        default=None, gt=0, description="Upper bound [kWh]; omitted on the last (open) tier."
    )
    price_per_kwh: float = Field(ge=0, description="Price [currency/kWh].")


PlanKind = Literal["flat", "time_of_use", "tiered"]


class TariffPlan(_Section):
    """A postpaid price plan.

    ``kind`` says how energy is priced: ``flat`` (``price_per_kwh``),
    ``time_of_use`` (``register_prices_per_kwh``, one price per tariff
    register t1..tN of the meters) or ``tiered`` (``tiers`` over
    ``tier_period``). Charges on top apply to every kind.
    """

    kind: PlanKind = "flat"
    price_per_kwh: float | None = Field(default=None, ge=0, description="flat [currency/kWh].")
    register_prices_per_kwh: list[float] | None = Field(
        default=None, min_length=1, max_length=4, description="time_of_use: t1..tN [currency/kWh]."
    )
    tiers: list[Tier] | None = Field(
        default=None, min_length=1, max_length=10, description="tiered: contiguous blocks from 0."
    )
    tier_period: Literal["month", "year"] = Field(
        default="month",
        description="tiered: the calendar period (local) over which energy accumulates; bounds "
        "are prorated for part periods.",
    )
    demand_per_kw: float = Field(
        default=0.0, ge=0, description="Per kW of the monthly maximum demand, per month."
    )
    standing_per_day: float = Field(default=0.0, ge=0, description="Per day [currency/d].")
    export_per_kwh: float = Field(default=0.0, ge=0, description="Feed-in [currency/kWh].")

    @field_validator("register_prices_per_kwh")
    @classmethod
    def _prices_non_negative(cls, value: list[float] | None) -> list[float] | None:
        for i, price in enumerate(value or []):
            if price < 0:
                raise ValueError(
                    f"register_prices_per_kwh.{i} given {price!r}; expected a price >= 0"
                )
        return value

    @field_validator("tiers")
    @classmethod
    def _contiguous(cls, tiers: list[Tier] | None) -> list[Tier] | None:
        if tiers is None:
            return tiers
        if tiers[0].from_kwh != 0:
            raise ValueError(
                f"tiers.0.from_kwh given {tiers[0].from_kwh:g}; expected 0 (the first tier "
                "starts at zero)"
            )
        for i, tier in enumerate(tiers):
            last = i == len(tiers) - 1
            if tier.to_kwh is None and not last:
                raise ValueError(
                    f"tiers.{i}.to_kwh is missing; only the last tier is open, expected an "
                    f"upper bound above {tier.from_kwh:g}"
                )
            if tier.to_kwh is not None and last:
                raise ValueError(
                    f"tiers.{i}.to_kwh given {tier.to_kwh:g}; the last tier must be open "
                    "(omit to_kwh)"
                )
            if tier.to_kwh is not None and tier.to_kwh <= tier.from_kwh:
                raise ValueError(
                    f"tiers.{i} runs from {tier.from_kwh:g} to {tier.to_kwh:g} kWh; expected "
                    "to_kwh above from_kwh"
                )
            below = tiers[i - 1].to_kwh if i else None
            if below is not None and below != tier.from_kwh:
                gap = "overlaps" if tier.from_kwh < below else "leaves a gap"
                raise ValueError(
                    f"tiers.{i}.from_kwh given {tier.from_kwh:g}, which {gap} after "
                    f"tiers.{i - 1}.to_kwh {below:g}; expected {below:g}"
                )
        return tiers

    @model_validator(mode="after")
    def _fields_of_kind(self) -> TariffPlan:
        needs = {
            "flat": "price_per_kwh",
            "time_of_use": "register_prices_per_kwh",
            "tiered": "tiers",
        }
        for kind, name in needs.items():
            given = getattr(self, name) is not None
            if kind == self.kind and not given:
                raise ValueError(f"kind {kind!r} needs {name!r}, which is missing")
            if kind != self.kind and given:
                raise ValueError(
                    f"{name!r} is for kind {kind!r}, but kind is {self.kind!r}; expected "
                    f"{needs[self.kind]!r} only (or kind {kind!r})"
                )
        return self

    @property
    def registers(self) -> int:
        """Tariff registers a time-of-use plan prices (0 for the other kinds)."""
        return len(self.register_prices_per_kwh or [])


DEFAULT_PLANS: dict[str, TariffPlan] = {
    "residential": TariffPlan(price_per_kwh=0.35, standing_per_day=0.40, export_per_kwh=0.08),
    "business": TariffPlan(price_per_kwh=0.28, standing_per_day=0.60, export_per_kwh=0.08),
    "industrial": TariffPlan(
        price_per_kwh=0.18, demand_per_kw=12.0, standing_per_day=2.00, export_per_kwh=0.06
    ),
    "feed_in": TariffPlan(price_per_kwh=0.28, export_per_kwh=0.08),
}
"""Built-in plans used when ``tariffs.plans`` is not given (assumed prices, see the module)."""

DEFAULT_ASSIGN: dict[str, str] = {
    "household": "residential",
    "commercial": "business",
    "agricultural": "business",
    "base_station": "business",
    "factory": "industrial",
    "generation": "feed_in",
}
"""Built-in assignment of customer kinds to :data:`DEFAULT_PLANS`."""


class AssignSection(_Section):
    """Which plan each customer kind is on (plan names of ``tariffs.plans``)."""

    household: str | None = None
    commercial: str | None = None
    agricultural: str | None = None
    base_station: str | None = None
    factory: str | None = None
    generation: str | None = Field(
        default=None,
        description="Generation meters (a generator metered on its own); default the "
        "households' plan, whose export price is then their feed-in price.",
    )


class WaterPlan(_Section):
    """The price of water sold in advance (``prepaid.water``).

    Defaults: about the German average of drinking water plus wastewater per
    cubic metre in the mid-2020s (Destatis, "Wasser- und Abwasserentgelte";
    roughly 2 EUR/m3 each), read in the run's currency; illustrative, not a
    utility's tariff.
    """

    price_per_m3: float = Field(default=4.5, ge=0, description="Price [currency/m3].")
    standing_per_day: float = Field(default=0.0, ge=0, description="Standing charge [currency/d].")


class TariffsSection(_Section):
    """Postpaid price plans, the currency and who is on which plan."""

    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    minor_unit: int | None = Field(
        default=None, ge=0, le=4, description="Decimals of the minor unit; default ISO 4217's."
    )
    plans: dict[str, TariffPlan] | None = Field(
        default=None, description="Plan name -> plan; default the built-in plans."
    )
    default_plan: str | None = Field(
        default=None, description="Plan of kinds not in `assign`; default the first plan."
    )
    assign: AssignSection = Field(default_factory=AssignSection)
    water: WaterPlan | None = Field(
        default=None, description="Water price for prepaid water accounts; absent: none."
    )
    payment: Literal["postpaid"] = Field(
        default="postpaid", description="Only postpaid accounts so far."
    )

    @field_validator("plans")
    @classmethod
    def _names(cls, plans: dict[str, TariffPlan] | None) -> dict[str, TariffPlan] | None:
        if plans is not None and not plans:
            raise ValueError("given no plans; expected at least one, or omit `plans`")
        for name in plans or {}:
            if not name or len(name) > 64:
                raise ValueError(f"plan name given {name!r}; expected 1 to 64 characters")
        return plans

    @model_validator(mode="after")
    def _known(self) -> TariffsSection:
        if self.minor_unit is None and minor_unit_of(self.currency) is None:
            raise ValueError(
                f"currency given {self.currency!r}, whose minor unit is not built in; expected "
                f"tariffs.minor_unit (decimals, 0 .. 4) or one of {sorted(MINOR_UNITS)}"
            )
        names = sorted(self.price_plans())
        if self.default_plan is not None and self.default_plan not in names:
            raise ValueError(
                f"default_plan given {self.default_plan!r}, which is not a plan; expected one "
                f"of {names}"
            )
        for kind in BILLED_KINDS:
            given = getattr(self.assign, kind)
            if given is not None and given not in names:
                raise ValueError(
                    f"assign.{kind} given {given!r}, which is not a plan; expected one of {names}"
                )
        return self

    @property
    def decimals(self) -> int:
        """The currency's minor unit (decimals)."""
        unit = self.minor_unit if self.minor_unit is not None else minor_unit_of(self.currency)
        assert unit is not None
        return unit

    def price_plans(self) -> dict[str, TariffPlan]:
        """Plan name -> plan: the given plans or the built-in ones."""
        return dict(self.plans) if self.plans is not None else dict(DEFAULT_PLANS)

    def plan_of(self) -> dict[str, str]:
        """Customer kind -> plan name.

        A kind in ``assign`` gets that plan. Otherwise, without ``plans``, the
        built-in assignment; with ``plans``, ``default_plan`` (or the first
        plan listed), except generation meters, which get the households'
        plan (the feed-in price of a small generator is the households').
        """
        out: dict[str, str] = {}
        first = self.default_plan or next(iter(self.price_plans()))
        for kind in BILLED_KINDS:
            given = getattr(self.assign, kind)
            if given is not None:
                out[kind] = given
            elif self.plans is None:
                out[kind] = DEFAULT_ASSIGN[kind]
            elif kind == "generation":
                out[kind] = out["household"]
            else:
                out[kind] = first
        return out
