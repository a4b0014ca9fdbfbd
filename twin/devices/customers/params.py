"""Parameters of a fleet of non-household customers: every one with its default and its check.

:meth:`~twin.devices.customers.CustomerFleet.create` takes a
:class:`CustomerParams`; a scenario section that makes one takes its
defaults from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType

from twin.devices.checks import one_of, raise_problems
from twin.devices.customers.classes import (
    CUSTOMER_CLASSES,
    CUSTOMER_KINDS,
    CustomerVariation,
    default_variation,
)

__all__ = ["CustomerParams"]


def _closed_days() -> Mapping[str, float]:
    return MappingProxyType(
        {"G0": 0.005, "G1": 0.01, "G2": 0.01, "G4": 0.03, "G5": 0.02, "G6": 0.01, "factory": 0.005}
    )


@dataclass(frozen=True)
class CustomerParams:
    """What the customers of a :class:`~twin.devices.customers.CustomerFleet` are drawn from.

    Attributes
    ----------
    country : str
        Country of the public holidays (ISO 3166 alpha-2, as the ``holidays``
        package knows it) [1]_. G and L classes take the BDEW Sunday shape on
        them (as demandlib does), factories stop production.
    subdivision : str or None
        State or region of the holidays (e.g. ``"BY"``); None: nationwide only.
    power_factor_commercial, power_factor_agricultural : float
        Displacement power factor [-], in (0, 1] (judgement: lighting with
        electronic ballasts, IT, refrigeration; motors on farms).
    power_factor_base_station : float
        [-], in (0, 1]: telecom rectifiers with active power-factor
        correction, above 0.98 at load (judgement after rectifier data sheets).
    power_factor_factory : float
        [-], in (0, 1]: induction motors; German network operators bill
        reactive energy beyond 50 % of the active energy (cos phi 0.9), which
        small plants compensate to (common price-sheet practice).
    commercial, agricultural, base_station, factory : CustomerVariation
        Variation of each kind (judgements; the daily CVs of 5-15 % are of the
        order of the day-to-day changes of commercial buildings' load in [2]_).
    closed_day_probability : Mapping[str, float]
        Share of days on which a customer of a class is closed (holidays,
        illness, stock-taking) besides the class's own shape [-], 0..1 (< 1);
        classes not listed never close. Default (judgement): shops G4 3 %
        (some 11 days a year), bakeries G5 2 %, G1/G2/G6 1 %, G0 and
        factories 0.5 %. Kept read-only.
    closed_day_persistence : float
        Probability that a closed customer stays closed the next day [-],
        0..1 (exclusive of 1): closures come in runs (mean length
        ``1 / (1 - persistence)`` days; judgement).
    open_threshold : float
        A G customer is open (``open_now``) while its class shape is above
        ``min + open_threshold * (max - min)`` of the shape's season [-],
        0..1 (exclusive). 0.35 gives G1 7-18 h on workdays, G4 8-19 h and
        Saturday mornings (judgement).
    single_phase_max_kw : float
        Customers whose expected peak exceeds this are three-phase [kW], > 0:
        VDE-AR-N 4100 allows at most 4.6 kVA of unbalance per connection [3]_.
    single_phase_share : float
        Share of the smaller customers (not factories) that are single-phase
        [-], 0..1 (judgement).
    three_phase_concentration : float
        Dirichlet concentration of a three-phase customer's phase shares
        [-], > 0: 400 gives shares 1/3 +- 0.014 (some 4 % imbalance; judgement).
    base_station_traffic_share : float
        Share of a base station's mean IT power that follows traffic [-],
        0..1: EARTH's macro station draws ``P0 + Dp * Pout`` with P0 = 130 W,
        Dp = 4.7, Pmax = 20 W per transceiver [4]_, about 27 % load-dependent
        at half load; fixed site loads (transmission, rectifier losses) and
        the few per cent measured on GSM/UMTS sites [5]_ bring it lower.
    base_station_fan_share : float
        Ventilation power always on, as a share of IT power [-], >= 0.
    base_station_cooling_per_k : float
        Median cooling power per kelvin of outdoor air above the set point,
        as a share of IT power [1/K], >= 0: 0.035 gives cooling of about
        35 % of site energy at 30 degC, within the 25-50 % reported for warm
        weather; air conditioning is 10-25 % of a site's energy on average
        [6]_ [7]_.
    base_station_cooling_sigma : float
        Log-sd of that slope between sites (shelter vs outdoor cabinet) [-], >= 0.
    base_station_set_point_c : float
        Outdoor air temperature above which compressor cooling runs [degC]
        (free cooling below; judgement).
    base_station_cooling_max : float
        Cooling power cap, as a share of IT power [-], >= 0.
    base_station_reference_excess_k : float
        Mean excess of outdoor air over the set point in the sites' typical
        year [K], >= 0: a station's given annual energy holds in that
        climate. 1.27 K: DWD test reference year 2010, region 4 (Potsdam), at
        15 degC [8]_.
    factory_shift_shares : tuple of float
        Shares of one-, two- and three-shift plants [-], >= 0, sum > 0
        (judgement: most small plants work one shift; about a fifth of EU
        workers do shift work [9]_).
    factory_saturday_share : float
        Share of plants with a Saturday early shift [-], 0..1 (judgement).
    factory_start_h : float
        Local start of the first shift [h], 0..24.
    factory_shift_h : float
        Length of a shift [h], 4..8 (three shifts cover the day).
    factory_base_share : tuple of float
        ``(low, high)`` of the uniform share of production load drawn when
        closed [-], 0 <= low <= high < 1 (lighting, compressed air, IT,
        heating; 15-30 %, judgement).
    factory_ramp_min : float
        Start-up and shut-down ramp at the ends of production [min], > 0.
    factory_break_min, factory_break_level : float
        A break in the middle of every shift [min] (>= 0) during which the
        load drops to this share of production [-] (0..1): German
        ArbZG section 4 requires 30 min after at most 6 h of work [10]_; staggered
        breaks keep some machines running (judgement).
    factory_handover_level : float
        Load share at shift changes (over one ramp length) [-], 0..1.
    factory_christmas_shutdown : bool
        Plants stop from 24 to 31 December (works holidays).

    Raises
    ------
    ValueError
        At construction, naming every field out of range, its value and what
        is allowed (an unknown country or subdivision included).

    References
    ----------
    .. [1] ``holidays`` (Python package, vacanza/holidays), country holidays.
    .. [2] J. L. Mathieu, P. N. Price, S. Kiliccote, M. A. Piette,
       "Quantifying changes in building electricity use, with application
       to demand response", IEEE Trans. Smart Grid 2(3), 507-518, 2011.
    .. [3] VDE-AR-N 4100:2019, "Technische Regeln für den Anschluss von
       Kundenanlagen an das Niederspannungsnetz", 5.5.3 (symmetry, 4.6 kVA).
    .. [4] G. Auer et al., "How much energy is needed to run a wireless
       network?", IEEE Wireless Communications 18(5), 40-49, 2011 (EARTH
       power model, Table 2).
    .. [5] J. Lorincz, T. Garma, G. Petrovic, "Measurements and modelling of
       base station power consumption under real traffic loads", Sensors
       12(4), 4281-4310, 2012.
    .. [6] M. H. Alsharif, R. Nordin, M. Ismail, "Survey of green radio
       communications networks: techniques and recent advances", Journal of
       Computer Networks and Communications, 453893, 2013 (air conditioning
       17.5 % of base-station energy).
    .. [7] "Cooling technologies for data centres and telecommunication base
       stations - A comprehensive review" (its abstract: about 40 % of the
       energy of data centres and base stations goes to cooling).
    .. [8] Deutscher Wetterdienst / BBSR (2011), test reference years 2010,
       via demandlib 0.2 (:mod:`twin.devices.weather`).
    .. [9] Eurofound, "Sixth European Working Conditions Survey", 2016
       (about 21 % of workers do shift work).
    .. [10] Arbeitszeitgesetz (ArbZG), section 4 (rest breaks).
    """

    country: str = "DE"
    subdivision: str | None = None
    power_factor_commercial: float = 0.95
    power_factor_agricultural: float = 0.93
    power_factor_base_station: float = 0.98
    power_factor_factory: float = 0.90
    commercial: CustomerVariation = field(default_factory=partial(default_variation, "commercial"))
    agricultural: CustomerVariation = field(
        default_factory=partial(default_variation, "agricultural")
    )
    base_station: CustomerVariation = field(
        default_factory=partial(default_variation, "base_station")
    )
    factory: CustomerVariation = field(default_factory=partial(default_variation, "factory"))
    closed_day_probability: Mapping[str, float] = field(default_factory=_closed_days)
    closed_day_persistence: float = 0.5
    open_threshold: float = 0.35
    single_phase_max_kw: float = 4.6
    single_phase_share: float = 0.5
    three_phase_concentration: float = 400.0
    base_station_traffic_share: float = 0.2
    base_station_fan_share: float = 0.05
    base_station_cooling_per_k: float = 0.035
    base_station_cooling_sigma: float = 0.3
    base_station_set_point_c: float = 15.0
    base_station_cooling_max: float = 1.0
    base_station_reference_excess_k: float = 1.27
    factory_shift_shares: tuple[float, float, float] = (0.55, 0.30, 0.15)
    factory_saturday_share: float = 0.3
    factory_start_h: float = 6.0
    factory_shift_h: float = 8.0
    factory_base_share: tuple[float, float] = (0.15, 0.30)
    factory_ramp_min: float = 30.0
    factory_break_min: float = 30.0
    factory_break_level: float = 0.6
    factory_handover_level: float = 0.85
    factory_christmas_shutdown: bool = True

    def __post_init__(self) -> None:
        closed = MappingProxyType(dict(self.closed_day_probability))
        object.__setattr__(self, "closed_day_probability", closed)
        shares = tuple(float(s) for s in self.factory_shift_shares)
        lo_hi = tuple(float(s) for s in self.factory_base_share)
        unknown = [c for c in closed if c not in CUSTOMER_CLASSES]
        checks: list[tuple[bool, str]] = [
            (_holidays_known(self.country, self.subdivision), _holiday_message(self)),
            *(
                (0 < pf <= 1, f"{name} given {pf!r}; expected in (0, 1]")
                for name, pf in (
                    ("power_factor_commercial", self.power_factor_commercial),
                    ("power_factor_agricultural", self.power_factor_agricultural),
                    ("power_factor_base_station", self.power_factor_base_station),
                    ("power_factor_factory", self.power_factor_factory),
                )
            ),
            *(check for kind in CUSTOMER_KINDS for check in _variation_problems(self, kind)),
            (
                not unknown,
                f"closed_day_probability given unknown classes {unknown}; "
                f"expected some of {one_of(CUSTOMER_CLASSES)}",
            ),
            (
                all(0 <= float(v) < 1 for v in closed.values()),
                f"closed_day_probability given {dict(closed)!r}; expected values 0 <= p < 1",
            ),
            (
                0 <= self.closed_day_persistence < 1,
                f"closed_day_persistence given {self.closed_day_persistence!r}; "
                "expected 0 <= persistence < 1",
            ),
            (
                0 < self.open_threshold < 1,
                f"open_threshold given {self.open_threshold!r}; expected 0 < threshold < 1",
            ),
            (
                self.single_phase_max_kw > 0,
                f"single_phase_max_kw given {self.single_phase_max_kw!r}; expected > 0 [kW]",
            ),
            (
                0 <= self.single_phase_share <= 1,
                f"single_phase_share given {self.single_phase_share!r}; expected 0..1",
            ),
            (
                self.three_phase_concentration > 0,
                f"three_phase_concentration given {self.three_phase_concentration!r}; expected > 0",
            ),
            (
                0 <= self.base_station_traffic_share <= 1,
                f"base_station_traffic_share given {self.base_station_traffic_share!r}; "
                "expected 0..1",
            ),
            *(
                (value >= 0, f"{name} given {value!r}; expected >= 0")
                for name, value in (
                    ("base_station_fan_share", self.base_station_fan_share),
                    ("base_station_cooling_per_k", self.base_station_cooling_per_k),
                    ("base_station_cooling_sigma", self.base_station_cooling_sigma),
                    ("base_station_cooling_max", self.base_station_cooling_max),
                    ("base_station_reference_excess_k", self.base_station_reference_excess_k),
                )
            ),
            (
                math.isfinite(self.base_station_set_point_c),
                f"base_station_set_point_c given {self.base_station_set_point_c!r}; "
                "expected a finite temperature [degC]",
            ),
            (
                len(shares) == 3 and all(s >= 0 for s in shares) and sum(shares) > 0,
                f"factory_shift_shares given {self.factory_shift_shares!r}; expected three "
                "shares >= 0 (one, two, three shifts), at least one positive",
            ),
            (
                0 <= self.factory_saturday_share <= 1,
                f"factory_saturday_share given {self.factory_saturday_share!r}; expected 0..1",
            ),
            (
                0 <= self.factory_start_h < 24,
                f"factory_start_h given {self.factory_start_h!r}; expected 0 <= start < 24 [h]",
            ),
            (
                4 <= self.factory_shift_h <= 8,
                f"factory_shift_h given {self.factory_shift_h!r}; expected 4..8 [h]",
            ),
            (
                len(lo_hi) == 2 and 0 <= lo_hi[0] <= lo_hi[-1] < 1,
                f"factory_base_share given {self.factory_base_share!r}; expected (low, high) "
                "with 0 <= low <= high < 1",
            ),
            (
                0 < self.factory_ramp_min <= 120,
                f"factory_ramp_min given {self.factory_ramp_min!r}; expected 0 < ramp <= 120 [min]",
            ),
            (
                0 <= self.factory_break_min <= 120,
                f"factory_break_min given {self.factory_break_min!r}; expected 0..120 [min]",
            ),
            (
                0 <= self.factory_break_level <= 1,
                f"factory_break_level given {self.factory_break_level!r}; expected 0..1",
            ),
            (
                0 <= self.factory_handover_level <= 1,
                f"factory_handover_level given {self.factory_handover_level!r}; expected 0..1",
            ),
        ]
        raise_problems("CustomerParams", checks)
        object.__setattr__(self, "factory_shift_shares", shares)
        object.__setattr__(self, "factory_base_share", lo_hi)

    def variation(self, kind: str) -> CustomerVariation:
        """The :class:`CustomerVariation` of a kind of :data:`CUSTOMER_KINDS`."""
        if kind not in CUSTOMER_KINDS:
            raise ValueError(
                f"kind given an invalid value {kind!r}; expected one of {one_of(CUSTOMER_KINDS)}"
            )
        variation: CustomerVariation = getattr(self, kind)
        return variation

    def power_factor(self, kind: str) -> float:
        """Displacement power factor of a kind of :data:`CUSTOMER_KINDS` [-]."""
        self.variation(kind)
        pf: float = getattr(self, f"power_factor_{kind}")
        return pf


def _variation_problems(p: CustomerParams, kind: str) -> list[tuple[bool, str]]:
    variation = getattr(p, kind)
    if not isinstance(variation, CustomerVariation):
        return [(False, f"{kind} given {variation!r}; expected a CustomerVariation")]
    return variation.problems(kind)


def _holidays_known(country: str, subdivision: str | None) -> bool:
    import holidays

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except (NotImplementedError, KeyError, TypeError, ValueError):
        return False
    return True


def _holiday_message(p: CustomerParams) -> str:
    return (
        f"country/subdivision given {p.country!r}/{p.subdivision!r}; expected a country "
        "(and subdivision) known to the holidays package, e.g. 'DE' / 'BY'"
    )
