"""Scenario model of the customers other than households (``customers:``).

By default every non-household load of the network inside an LV area is a
metered customer of its BDEW class, every load at medium voltage a metered
MV customer, and every static generator has a generation meter;
``background`` keeps them unmetered, as profiles only.
A planner may re-assign the network's customers to kinds (``mix``) and add
customers at buses (``added``).
"""

from __future__ import annotations

from typing import Literal

import holidays
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.devices.customers import CustomerParams
from twin.holiday_calendar import holidays_around

__all__ = [
    "ADDED_DEFAULT_ANNUAL_KWH",
    "ADDED_DEFAULT_CLASS",
    "CUSTOMER_KINDS",
    "AddedCustomer",
    "CustomersSection",
    "HolidaysSection",
]

CUSTOMER_KINDS = ("commercial", "agricultural", "base_station", "factory")
"""Kinds of customer besides households."""

CustomerKind = Literal["commercial", "agricultural", "base_station", "factory"]

ADDED_DEFAULT_CLASS = {
    "commercial": "G0",
    "agricultural": "L0",
    "base_station": "base_station",
    "factory": "factory",
}
"""Class of a customer added (or re-assigned by ``mix``) without one."""

ADDED_DEFAULT_ANNUAL_KWH = {
    "commercial": 20_000.0,
    "agricultural": 15_000.0,
    "base_station": 26_000.0,
    "factory": 250_000.0,
}
"""Annual energy of an added customer without one [kWh/a]: a small shop or office
(BDEW G0 customers: about 10-50 MWh/a), a small farm, a telecom base station of
about 3 kW mean (near-flat 1-5 kW, DOMAIN.md), a small one- or two-shift factory."""

_CLASSES = {
    "commercial": ("G0", "G1", "G2", "G3", "G4", "G5", "G6"),
    "agricultural": ("L0", "L1", "L2"),
    "base_station": ("base_station",),
    "factory": ("factory",),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class HolidaysSection(_Section):
    """Where the public holidays (shops and factories closed) come from (``holidays`` package)."""

    country: str = Field(default="DE", description="ISO 3166-1 alpha-2 country code.")
    subdivision: str | None = Field(default=None, description="State or province code.")

    @model_validator(mode="after")
    def _known(self) -> HolidaysSection:
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(
                f"country given an invalid value {self.country!r}; expected an ISO 3166-1 "
                f"alpha-2 code the holidays package knows, such as 'DE', 'CN', 'GB', 'FR'"
            )
        subdivisions = supported[self.country]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            raise ValueError(
                f"subdivision given an invalid value {self.subdivision!r}; expected one of "
                f"{sorted(subdivisions)} for {self.country}"
            )
        return self

    def around(self, day: NDArray[np.int64]) -> NDArray[np.int64]:
        """Public holidays of every year the dates ``day`` (days since 1970) touch."""
        return holidays_around(self.country, self.subdivision, day)

    def of_run(self, day: NDArray[np.int64]) -> NDArray[np.int64]:
        """Public holidays of a run's dates ``day``, of the year from its first date
        and of the four months before it (where the households' absences may begin)."""
        first = int(np.min(day))
        touched = [first - 122, first, first + 366, int(np.max(day))]
        return self.around(np.asarray(touched, dtype=np.int64))


class AddedCustomer(_Section):
    """Customers a planner adds at a bus (each gets a load row and a meter)."""

    kind: CustomerKind
    bus: int = Field(description="Bus id as in internal/network_bus.")
    count: int = Field(default=1, ge=1, le=1_000)
    customer_class: str | None = Field(
        default=None, description="BDEW class (G0..G6 commercial, L0..L2 agricultural)."
    )
    annual_kwh: float | None = Field(default=None, gt=0, le=100_000_000)

    @model_validator(mode="after")
    def _class_of_kind(self) -> AddedCustomer:
        allowed = _CLASSES[self.kind]
        if self.customer_class is not None and self.customer_class not in allowed:
            raise ValueError(
                f"customer_class given an invalid value {self.customer_class!r} for kind "
                f"{self.kind!r}; expected one of {list(allowed)}"
            )
        return self

    @property
    def resolved_class(self) -> str:
        """The customer class, defaulted by kind."""
        return self.customer_class or ADDED_DEFAULT_CLASS[self.kind]

    @property
    def resolved_annual_kwh(self) -> float:
        """The annual energy, defaulted by kind [kWh/a]."""
        return self.annual_kwh or ADDED_DEFAULT_ANNUAL_KWH[self.kind]


class CustomersSection(_Section):
    """Commercial, agricultural, base-station and factory customers, and generation meters."""

    network_loads: Literal["metered", "background"] = Field(
        default="metered",
        description="The network's non-household loads (LV and MV): metered customers, or "
        "unmetered background profiles.",
    )
    generators: Literal["metered", "background"] = Field(
        default="metered",
        description="The network's static generators: with a generation meter each, "
        "or unmetered background profiles.",
    )
    mix: Literal["network"] | dict[str, float] = Field(
        default="network",
        description="'network': each load keeps the kind of its profile (G: commercial, L: "
        "agricultural); or shares of kinds (summing to 1) shared out over the network's loads.",
    )
    added: list[AddedCustomer] = Field(default_factory=list)
    holidays: HolidaysSection = Field(default_factory=HolidaysSection)

    @field_validator("mix")
    @classmethod
    def _mix_ok(cls, value: str | dict[str, float]) -> str | dict[str, float]:
        if isinstance(value, str):
            return value
        unknown = sorted(set(value) - set(CUSTOMER_KINDS))
        if unknown:
            raise ValueError(
                f"given the kind {unknown[0]!r}; expected kinds from {list(CUSTOMER_KINDS)}"
            )
        if any(v < 0 for v in value.values()):
            raise ValueError(f"given {value}; expected shares >= 0")
        total = sum(value.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"given shares summing to {total:g}; expected shares summing to 1")
        return value

    def mix_shares(self) -> dict[str, float] | None:
        """The kind shares (in :data:`CUSTOMER_KINDS` order), None for ``network``."""
        if isinstance(self.mix, str):
            return None
        return {k: float(self.mix.get(k, 0.0)) for k in CUSTOMER_KINDS}

    def params(self) -> CustomerParams:
        """The customer fleet's frozen parameters."""
        return CustomerParams(country=self.holidays.country, subdivision=self.holidays.subdivision)
