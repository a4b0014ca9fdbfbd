"""The customer classes, their kinds, and how customers of a kind vary.

:data:`CUSTOMER_CLASSES` are the classes a
:class:`~twin.devices.customers.CustomerFleet` knows; each belongs to a kind
(:func:`customer_kind_of`) whose customers vary as a :class:`CustomerVariation`
says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from twin.devices.checks import one_of

__all__ = [
    "BDEW_CLASSES",
    "CUSTOMER_CLASSES",
    "CUSTOMER_KINDS",
    "CustomerVariation",
    "customer_kind_of",
    "default_variation",
]

BDEW_CLASSES: Final = ("G0", "G1", "G2", "G3", "G4", "G5", "G6", "L0", "L1", "L2")
"""Customer classes whose mean shape is a BDEW standard load profile."""

CUSTOMER_CLASSES: Final = (*BDEW_CLASSES, "base_station", "factory")
"""Every customer class a :class:`~twin.devices.customers.CustomerFleet` knows."""

CUSTOMER_KINDS: Final = ("commercial", "agricultural", "base_station", "factory")
"""Values of :func:`customer_kind_of`, and of ``CustomerFleet.kinds``."""


def customer_kind_of(customer_class: str) -> str:
    """The kind of customer a class belongs to.

    Parameters
    ----------
    customer_class : str
        One of :data:`CUSTOMER_CLASSES`.

    Returns
    -------
    str
        ``"commercial"`` for G0..G6, ``"agricultural"`` for L0..L2,
        ``"base_station"`` and ``"factory"`` for themselves.

    Raises
    ------
    ValueError
        If ``customer_class`` is not a known class.
    """
    if customer_class not in CUSTOMER_CLASSES:
        raise ValueError(
            f"customer_class given an invalid value {customer_class!r}; "
            f"expected one of {one_of(CUSTOMER_CLASSES)}"
        )
    if customer_class.startswith("G"):
        return "commercial"
    if customer_class.startswith("L"):
        return "agricultural"
    return customer_class


@dataclass(frozen=True)
class CustomerVariation:
    """How the customers of one kind differ from their class's mean shape and from day to day.

    Power of a customer ``i`` in interval ``k`` is its class shape, shifted
    by the customer's timing offset and scaled to its level, times a daily
    factor and an interval factor, both mean-one lognormals:
    ``exp(sigma * x - sigma**2 / 2)`` of a standard normal AR(1) ``x``.

    Attributes
    ----------
    level_sigma : float
        Log-sd of a customer's annual energy around the given one [-], >= 0.
    shift_sd_min : float
        Standard deviation of a customer's timing offset [min], >= 0:
        positive offsets open and close later.
    shift_max_min : float
        The offset is clipped to +-this [min], 0..180.
    daily_sigma : float
        Log-sd of the daily factor [-], >= 0 (business volume, weather).
    daily_phi : float
        Day-to-day AR(1) coefficient of the daily factor [-], 0..1 (exclusive of 1).
    noise_sigma_15min : float
        Log-sd of the interval factor for 15-min intervals [-], >= 0; other
        intervals scale it as the mean of an Ornstein-Uhlenbeck process does
        (:func:`~twin.devices.customers.kernel.ou_interval_mean_sd`).
    noise_tau_min : float
        Correlation time of the interval factor [min], > 0.
    """

    level_sigma: float = 0.10
    shift_sd_min: float = 30.0
    shift_max_min: float = 60.0
    daily_sigma: float = 0.10
    daily_phi: float = 0.7
    noise_sigma_15min: float = 0.12
    noise_tau_min: float = 60.0

    def problems(self, name: str) -> list[tuple[bool, str]]:
        """Checks of every field, messages prefixed by ``name`` (e.g. ``"factory"``)."""
        return [
            (
                self.level_sigma >= 0,
                f"{name}.level_sigma given {self.level_sigma!r}; expected >= 0",
            ),
            (
                self.shift_sd_min >= 0,
                f"{name}.shift_sd_min given {self.shift_sd_min!r}; expected >= 0 [min]",
            ),
            (
                0 <= self.shift_max_min <= 180,
                f"{name}.shift_max_min given {self.shift_max_min!r}; expected 0..180 [min]",
            ),
            (
                self.daily_sigma >= 0,
                f"{name}.daily_sigma given {self.daily_sigma!r}; expected >= 0",
            ),
            (
                0 <= self.daily_phi < 1,
                f"{name}.daily_phi given {self.daily_phi!r}; expected 0 <= daily_phi < 1",
            ),
            (
                self.noise_sigma_15min >= 0,
                f"{name}.noise_sigma_15min given {self.noise_sigma_15min!r}; expected >= 0",
            ),
            (
                self.noise_tau_min > 0,
                f"{name}.noise_tau_min given {self.noise_tau_min!r}; expected > 0 [min]",
            ),
        ]


def default_variation(kind: str) -> CustomerVariation:
    """Default :class:`CustomerVariation` of a kind of :data:`CUSTOMER_KINDS` (judgements).

    Commercial: the class defaults. Agricultural: weather-driven work
    (ventilation, drying, milking times) varies more. Base stations: steady,
    no timing offset (traffic drives them). Factories: shift times fixed to
    +-45 min, steady daily volume.
    """
    if kind == "agricultural":
        return CustomerVariation(
            level_sigma=0.15, daily_sigma=0.15, noise_sigma_15min=0.20, noise_tau_min=30.0
        )
    if kind == "base_station":
        return CustomerVariation(
            level_sigma=0.05,
            shift_sd_min=0.0,
            shift_max_min=0.0,
            daily_sigma=0.03,
            noise_sigma_15min=0.03,
        )
    if kind == "factory":
        return CustomerVariation(
            shift_sd_min=20.0,
            shift_max_min=45.0,
            daily_sigma=0.08,
            noise_sigma_15min=0.10,
            noise_tau_min=30.0,
        )
    if kind == "commercial":
        return CustomerVariation()
    raise ValueError(
        f"kind given an invalid value {kind!r}; expected one of {one_of(CUSTOMER_KINDS)}"
    )
