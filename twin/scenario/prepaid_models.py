"""Scenario model of prepaid electricity (``prepaid:``): who pays in advance, their
credit rules and how households top up.

A share of the household premises has a meter in prepayment mode (DLMS
payment mode 2, IEC 62055-41 STS credit). Their accounts hold credit in the
currency of ``tariffs``; the management core spends it on the energy the
legal registers count, at the premise's tariff, and opens the relay when it
runs out outside friendly-credit hours. The section needs ``tariffs`` (the
prices and the currency).

Defaults are judgements of GB practice, where prepayment is most studied:

- ``share`` 0.3: about 4 million of 28 million GB electricity customers
  (about 14 %) paid by prepayment in 2022 (Ofgem, "Review of the prepayment
  market", 2023); the twin's default is higher so that a small town has
  enough prepaid homes to study. A judgement.
- ``emergency_credit`` 5 and ``warning_thresholds`` [5, 2]: GB suppliers
  offer emergency credit of about GBP 5-15 (Citizens Advice, "Switched on",
  2014; Ofgem licence condition 28B); the meters warn at a low-credit level
  the supplier sets (a few pounds). Judgements in the currency's units.
- Friendly-credit hours 18:00-08:00 local plus weekends and public
  holidays: the usual GB settings (Ofgem, "Prepayment: friendly credit",
  SLC 28B.1; the hours vary by supplier). A judgement.
- ``reconnect.confirmation`` true: a GB smart meter (SMETS2) closes its
  relay after a credit-triggered disconnection only when the customer
  presses a button ("arm then close", GBCS use case ECS 22).
- Top-up behaviour: weekly for most households (Citizens Advice, "Topping
  up or dropping out", 2018: the typical prepayment customer tops up
  weekly, GBP 10-20 at 2018 prices); the median of 30 currency units is
  about a week of a household's winter use at the default plan's price
  (0.35/kWh, a judgement). The at-risk share, the warning reaction and the
  delays are calibrated on ``scenarios/prepaid_town.yaml`` so that about 16 % of prepaid customers
  self-disconnect in a year (same report, 2018) and about one in five
  disconnections lasts over 24 h (Citizens Advice, "Kept in the dark",
  2022); see the README for what the shipped scenario gets.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.scenario.durations import Duration

__all__ = [
    "PREPAID_CUSTOMER_KINDS",
    "AmountModel",
    "CadenceShares",
    "DelayModel",
    "FriendlySection",
    "PrepaidSection",
    "PrepaidWaterSection",
    "ReconnectSection",
    "TopUpSection",
    "ValveSection",
]

PREPAID_CUSTOMER_KINDS = ("commercial", "agricultural", "base_station", "factory")
"""Customer kinds other than households that may pay in advance."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class DelayModel(_Section):
    """A lognormal delay: ``median`` and ``sigma`` (of the log)."""

    median: Duration = Field(description="Median delay (e.g. 3h).")
    sigma: float = Field(default=1.0, ge=0, le=3, description="Sigma of the log [-].")


class AmountModel(_Section):
    """Top-up amounts [currency units]: lognormal, rounded to ``step``, clipped."""

    median: float = Field(default=30.0, gt=0, description="Median top-up [currency].")
    sigma: float = Field(default=0.5, ge=0, le=3, description="Sigma of the log [-].")
    step: float = Field(default=5.0, gt=0, description="Amounts are multiples of it.")
    minimum: float = Field(default=5.0, gt=0, description="Smallest top-up [currency].")
    maximum: float = Field(default=200.0, gt=0, description="Largest top-up [currency].")
    payday_factor: float = Field(
        default=4.0, ge=1, le=10, description="A payday (monthly) top-up is this many times "
        "a weekly one (about 4.3 weeks a month; a judgement).",
    )  # fmt: skip

    @model_validator(mode="after")
    def _bounds(self) -> AmountModel:
        if self.maximum < self.minimum:
            raise ValueError(
                f"maximum given {self.maximum:g}, below minimum {self.minimum:g}; expected "
                "maximum >= minimum"
            )
        return self


class CadenceShares(_Section):
    """How households top up when all is well; the three shares sum to 1.

    ``weekly``: once a week on a preferred weekday; ``payday``: once a
    month on a pay day; ``reactive``: only when warned or cut off.
    """

    weekly: float = Field(default=0.6, ge=0, le=1)
    payday: float = Field(default=0.25, ge=0, le=1)
    reactive: float = Field(default=0.15, ge=0, le=1)

    @model_validator(mode="after")
    def _sum(self) -> CadenceShares:
        total = self.weekly + self.payday + self.reactive
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(
                f"weekly + payday + reactive given {total:g}; expected the shares to sum to 1"
            )
        return self


class TopUpSection(_Section):
    """The households' top-up behaviour (see the module for the sources)."""

    amount: AmountModel = Field(default_factory=AmountModel)
    cadence: CadenceShares = Field(default_factory=CadenceShares)
    weekday_weights: list[float] = Field(
        default=[1.2, 1.0, 1.0, 1.0, 1.4, 1.2, 0.6], min_length=7, max_length=7,
        description="Relative weight of Monday .. Sunday as the weekly top-up day (a judgement: "
        "more on Friday and Monday, fewer on Sunday).",
    )  # fmt: skip
    payday_of_month: list[int] = Field(
        default=[1, 15, 25, 28], min_length=1, max_length=31,
        description="Days of the month a payday household may be paid on (one drawn each).",
    )  # fmt: skip
    hours: tuple[float, float] = Field(
        default=(9.0, 21.0), description="Local hours [h] between which regular top-ups happen."
    )
    warning_reaction: float = Field(
        default=0.9, ge=0, le=1, description="Probability of topping up after a warning."
    )
    warning_delay: DelayModel = Field(
        default_factory=lambda: DelayModel(median=6 * 3600, sigma=1.0),
        description="From a warning to the top-up it prompts.",
    )
    at_risk_share: float = Field(
        default=0.07, ge=0, le=1,
        description="Households who let the credit run out and top up only after "
        "disconnection.",
    )  # fmt: skip
    after_disconnection: DelayModel = Field(
        default_factory=lambda: DelayModel(median=4 * 3600, sigma=1.2),
        description="From a disconnection to the top-up of a household not at risk.",
    )
    at_risk_delay: DelayModel = Field(
        default_factory=lambda: DelayModel(median=10 * 3600, sigma=1.0),
        description="From a disconnection to the top-up of a household at risk.",
    )
    return_rate: float = Field(
        default=0.005, ge=0, le=0.5,
        description="Share of sales the operator later reverses at the customer's request "
        "(bought for the wrong meter or in error; assumed), if the credit still holds them.",
    )  # fmt: skip
    return_delay: Duration = Field(
        default=2 * 86_400, description="From a returned sale to its return."
    )
    operator_error_rate: float = Field(
        default=0.01, ge=0, le=0.5,
        description="Share of sales entered with a wrong amount (one step off), corrected "
        "later by a correction transaction.",
    )  # fmt: skip
    correction_delay: Duration = Field(
        default=86_400, description="From a wrong sale to its correction."
    )

    @field_validator("weekday_weights")
    @classmethod
    def _weights(cls, value: list[float]) -> list[float]:
        if any(w < 0 for w in value) or sum(value) <= 0:
            raise ValueError(
                f"weekday_weights given {value}; expected 7 weights >= 0 with a positive sum"
            )
        return value

    @field_validator("payday_of_month")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        for day in value:
            if not 1 <= day <= 28:
                raise ValueError(
                    f"payday_of_month given day {day}; expected days 1 .. 28 (every month has them)"
                )
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] < value[1] <= 24:
            raise ValueError(
                f"hours given {list(value)}; expected [start, end], 0 <= start < end <= 24"
            )
        return value


class FriendlySection(_Section):
    """Friendly-credit periods: no credit disconnection starts in them."""

    night: tuple[float, float] | None = Field(
        default=(18.0, 8.0),
        description="Local [start, end) hours of the nightly period (wrapping midnight when "
        "start > end); null for none.",
    )
    weekends: bool = Field(default=True, description="Saturdays and Sundays (local).")
    holidays: bool = Field(
        default=True, description="Public holidays of customers.holidays (local)."
    )

    @field_validator("night")
    @classmethod
    def _night(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not (0 <= value[0] < 24 and 0 <= value[1] < 24):
            raise ValueError(f"night given {list(value)}; expected two hours in [0, 24)")
        return value


class ReconnectSection(_Section):
    """How a reconnection reaches the meter over the downlink.

    Each attempt is lost with the comms technology's loss (or ``loss``),
    takes its lognormal latency (an attempt slower than the technology's
    timeout counts as lost), and fails while the meter's concentrator is
    out. ``retries`` more attempts follow ``retry_every`` apart; a command
    all of whose attempts fail is ``lost`` and the platform issues a new one
    after ``reissue_after`` (the customer calls; a judgement).
    """

    confirmation: bool = Field(
        default=True, description="The customer must confirm (press a button) on the meter."
    )
    confirmation_delay: Duration = Field(
        default=900, description="From delivery to the customer's confirmation (a judgement)."
    )
    loss: float | None = Field(
        default=None, ge=0, le=1, description="Per-attempt loss; default the technology's."
    )
    retries: int = Field(default=3, ge=0, le=20)
    retry_every: Duration = Field(default=300, description="Between attempts.")
    reissue_after: Duration = Field(default=7200, description="From a lost command to a new one.")


class ValveSection(_Section):
    """How a valve command reaches a prepaid water meter.

    A bidirectional wM-Bus meter (EN 13757-4 mode T2/C2, OMS "frequent
    access") listens only for a moment after each of its own telegrams, so
    the management core of the premise's electricity meter can hand it a
    command only at its next reading time; the attempt is lost with the
    water meter's ``wmbus_loss`` or while the core is down, and repeats at
    the following readings.
    """

    attempts: int = Field(
        default=24, ge=1, le=1_000,
        description="Telegrams tried before the command is lost (a day at hourly readings).",
    )  # fmt: skip
    reissue_after: Duration = Field(default=7200, description="From a lost command to a new one.")


class PrepaidWaterSection(_Section):
    """Prepaid water: a share of the water-metered homes buys water in advance.

    The account's credit is kept by the premise's electricity meter's
    management core, debited from the water register as it hears it over
    wM-Bus, with the same warnings, emergency credit, friendly periods and
    top-up behaviour as electricity; at zero credit the water meter's valve
    closes (and a top-up opens it) by a command carried at the meter's next
    telegram (:class:`ValveSection`).
    """

    share: float = Field(
        default=0.3, ge=0, le=1, description="Share of the homes with a water meter."
    )
    amount_scale: float = Field(
        default=0.4, gt=0, le=10,
        description="Top-up amounts, emergency credit and warning levels relative to "
        "electricity's: a household's water costs about 0.4 of its electricity at the "
        "default prices (2.2 persons x 125 l/d x 4.5 /m3 against 3,000 kWh/yr x 0.40 /kWh; "
        "a judgement).",
    )  # fmt: skip
    valve: ValveSection = Field(default_factory=ValveSection)


class PrepaidSection(_Section):
    """Prepaid household accounts (see the module for the defaults' sources)."""

    share: float = Field(default=0.3, ge=0, le=1, description="Share of household premises.")
    customers: dict[str, float] = Field(
        default_factory=dict,
        description="Share of the premises of other customer kinds (commercial, agricultural, "
        "base_station, factory) on prepayment; top-ups scale with their annual energy.",
    )
    water: PrepaidWaterSection | None = Field(
        default=None, description="Prepaid water (needs water and tariffs.water); absent: none."
    )
    opening_credit: float = Field(
        default=10.0, ge=0, description="Credit of a new account [currency]."
    )
    warning_thresholds: list[float] = Field(
        default=[5.0, 2.0], max_length=5, description="Low-credit warnings [currency]."
    )
    emergency_credit: float = Field(
        default=5.0, ge=0, description="Granted once when the credit reaches zero [currency]."
    )
    friendly: FriendlySection = Field(default_factory=FriendlySection)
    reconnect: ReconnectSection = Field(default_factory=ReconnectSection)
    topup: TopUpSection = Field(default_factory=TopUpSection)

    @field_validator("customers")
    @classmethod
    def _kinds(cls, value: dict[str, float]) -> dict[str, float]:
        for kind, share in value.items():
            if kind not in PREPAID_CUSTOMER_KINDS:
                raise ValueError(
                    f"customers given kind {kind!r}; expected one of {list(PREPAID_CUSTOMER_KINDS)}"
                )
            if not 0 <= share <= 1:
                raise ValueError(f"customers.{kind} given {share:g}; expected a share in [0, 1]")
        return value

    @field_validator("warning_thresholds")
    @classmethod
    def _thresholds(cls, value: list[float]) -> list[float]:
        for i, t in enumerate(value):
            if t <= 0:
                raise ValueError(f"warning_thresholds.{i} given {t:g}; expected a level > 0")
        return sorted(value, reverse=True)
