"""Parameters of the lighting circuits: lamp kinds, control, dimming, failures.

Every number here is an assumption or a typical catalogue value, named and
cited; the scenario's ``lighting`` section overrides them.

References
----------
.. [1] CIE 115:2010, "Lighting of roads for motor and pedestrian traffic"
   (road-lighting classes; luminaire wattages of typical installations).
.. [2] EN 13201-5:2015, "Road lighting - Part 5: Energy performance
   indicators" (system power including control gear).
.. [3] U.S. DOE (2019), "Adoption of Light-Emitting Diodes in Common
   Lighting Applications" (street lighting: LED cobra heads 40-150 W,
   high-pressure sodium 70-400 W).
.. [4] R. Bond, S. Henderson (1963), "The Conquest of Darkness", AD 346297,
   U.S. Defense Documentation Center (illuminance against solar elevation
   in twilight, tabulated by the U.S. Naval Observatory).
.. [5] SLL Lighting Guide 9 (2013), "Lighting for communal residential
   buildings", CIBSE Society of Light and Lighting (stairwell, landing and
   corridor lighting; LED bulkheads and ceiling luminaires of about 8-18 W
   replacing 2D compact fluorescent ones of 16-38 W).
.. [6] EN 15193-1:2017, "Energy performance of buildings - Energy
   requirements for lighting - Part 1: Specifications, Module M9"
   (occupancy dependency factor F_O: presence detection that dims to a
   standby level while nobody is there saves in proportion to the absence
   factor, which is high in circulation areas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "ASTRONOMICAL_SUNSET_ELEVATION_DEG",
    "BALLAST_LOSS",
    "COMMON_AREA_RATED_W",
    "CYCLING_DUTY",
    "LAMP_KINDS",
    "LAMP_RATED_W",
    "POWER_FACTOR",
    "CommandParams",
    "CommonAreaParams",
    "DimmingWindow",
    "FailureParams",
    "LampKind",
    "StreetlightParams",
]

LampKind = Literal["led", "sodium"]
LAMP_KINDS: Final = ("led", "sodium")

LAMP_RATED_W: Final[dict[str, float]] = {"led": 55.0, "sodium": 100.0}
"""Default lamp rating [W]: an LED luminaire of 40-70 W and a high-pressure sodium
lamp of 70-150 W on a residential street ([1]_, [3]_)."""

COMMON_AREA_RATED_W: Final = 12.0
"""Default common-area luminaire [W]: an LED bulkhead or ceiling luminaire of a stairwell,
landing or corridor (8-18 W [5]_)."""

BALLAST_LOSS: Final[dict[str, float]] = {"led": 0.0, "sodium": 0.15}
"""Control-gear losses on top of the lamp rating [-]: an LED rating is the
luminaire's (driver included); a magnetic ballast adds 10-20 % to a sodium lamp [2]_."""

POWER_FACTOR: Final[dict[str, float]] = {"led": 0.95, "sodium": 0.90}
"""Displacement power factor of a lit circuit [-] (assumed: LED drivers with PFC,
compensated sodium ballasts)."""

CYCLING_DUTY: Final = 0.5
"""Share of the lit time an end-of-life sodium lamp glows between restrikes [-]
(assumed: it goes out when hot and restrikes after cooling, minutes each way)."""

ASTRONOMICAL_SUNSET_ELEVATION_DEG: Final = -0.833
"""Geometric elevation of the sun's centre at sunset and sunrise [deg]: 34' of
refraction plus 16' of semi-diameter, the definition of pvlib's and NOAA's
sunrise/sunset."""


@dataclass(frozen=True)
class DimmingWindow:
    """A window of local time with a dimming level.

    Attributes
    ----------
    from_h, to_h : float
        Start and end as local hours [h]; ``to_h < from_h`` wraps midnight.
    level : float
        Dimming level [-] in (0, 1]: share of full power.
    """

    from_h: float
    to_h: float
    level: float


@dataclass(frozen=True)
class FailureParams:
    """Lamp failures, each of one lamp, until repaired.

    Attributes
    ----------
    burn_out, day_burner, cycling : float
        Failures per lamp and year [1/a]. Assumed: a few per cent of lamps fail
        per year (sodium lamp life 16,000-24,000 h, about 4-6 years of
        4,100 burning hours; LED lumen maintenance life 50,000 h and more);
        cycling is a sodium end-of-life mode and is ignored for LED circuits.
    repair_days : tuple of float
        Days until a failed lamp is repaired, uniform [d] (assumed: patrols or
        complaints find it within days to weeks).
    """

    burn_out: float = 0.04
    day_burner: float = 0.01
    cycling: float = 0.02
    repair_days: tuple[float, float] = (3.0, 30.0)


@dataclass(frozen=True)
class CommandParams:
    """One scheduled platform command.

    Attributes
    ----------
    at_s : int
        When the platform sends it [s since the run start].
    circuit : int or None
        Circuit number (1-based, as in ``C000001``); None: every circuit.
    action : str
        ``on``, ``off`` (held until ``auto``), ``dim`` (level while lit, until
        ``auto``) or ``auto`` (back to the circuit's own control).
    level : float
        Dimming level of a ``dim`` [-].
    """

    at_s: int
    circuit: int | None
    action: Literal["on", "off", "dim", "auto"]
    level: float = 1.0


@dataclass(frozen=True)
class StreetlightParams:
    """Control, dimming and failures of the streetlight circuits.

    Attributes
    ----------
    lamps_per_km : float
        Lamps per km of feeder [1/km] (assumed 25: a lamp every 40 m, one side).
    lamp : {"led", "sodium"}
        Lamp kind of the default circuits.
    rated_w : float or None
        Lamp rating [W]; None: :data:`LAMP_RATED_W` of the kind.
    control : {"astronomical", "photocell"}
        Astronomical clock (sunset and sunrise at the site plus offsets) or a
        photocell in each cabinet.
    photocell_lux_on, photocell_lux_off : float
        Illuminance thresholds [lx]: on below ``on`` at dusk, off above ``off``
        at dawn (assumed 50 and 100 lx; typical photocells switch on at
        35-70 lx with a higher off level, see [4]_ for the illuminance scale).
    photocell_noise : float
        Standard deviation of the log of a photocell's threshold [-]: per
        cabinet calibration spread and per-night sensor noise (dirt, sky, cloud).
    offset_on_min, offset_off_min : float
        Astronomical clock: minutes after sunset to switch on and after sunrise
        to switch off [min] (negative: before).
    dimming : tuple of DimmingWindow
        Windows of local time with their dimming level.
    failures : FailureParams
    """

    lamps_per_km: float = 25.0
    lamp: LampKind = "led"
    rated_w: float | None = None
    control: Literal["astronomical", "photocell"] = "photocell"
    photocell_lux_on: float = 50.0
    photocell_lux_off: float = 100.0
    photocell_noise: float = 0.2
    offset_on_min: float = 0.0
    offset_off_min: float = 0.0
    dimming: tuple[DimmingWindow, ...] = ()
    failures: FailureParams = field(default_factory=FailureParams)

    def lamp_rated_w(self, kind: str) -> float:
        """Rating of a lamp of ``kind`` [W] (``rated_w`` applies to the default kind)."""
        if self.rated_w is not None and kind == self.lamp:
            return float(self.rated_w)
        return LAMP_RATED_W[kind]


@dataclass(frozen=True)
class CommonAreaParams:
    """Common-area lighting of the apartment buildings: one landlord circuit per building.

    Stairwells, landings and corridors are lit from dusk to dawn (an
    astronomical clock, as in most stairwells with windows), either at full
    power all the time (``timer``) or at a dimmed standby level raised to
    full while somebody passes (``motion``, presence detection [6]_).

    Attributes
    ----------
    lamps_per_dwelling : float
        Luminaires per dwelling [-] (assumed 1.0: with two flats per floor, a
        landing and a stair luminaire per floor); a building has at least one.
    rated_w : float
        Luminaire system power, LED driver included [W] (:data:`COMMON_AREA_RATED_W`).
    control : {"timer", "motion"}
    standby_level : float
        Share of full power a ``motion`` circuit draws with nobody passing [-]
        (assumed 0.2; dimmed standby of 10-30 % is usual for corridors [6]_).
    passages_per_hour : float
        Trips through the common areas per active household and hour [1/h]
        (assumed 0.5: a few trips out and back a day, visitors and deliveries
        included, over the hours a household is at home and awake).
    hold_s : float
        Time a detector holds the lights at full after a passage [s] (assumed
        120 s, a usual stairwell time-switch and detector setting).
    failures : FailureParams
        Lamp failures (LED: burn-outs and day burners).
    """

    lamps_per_dwelling: float = 1.0
    rated_w: float = COMMON_AREA_RATED_W
    control: Literal["timer", "motion"] = "timer"
    standby_level: float = 0.2
    passages_per_hour: float = 0.5
    hold_s: float = 120.0
    failures: FailureParams = field(default_factory=FailureParams)

    def streetlight_params(self) -> StreetlightParams:
        """The circuits' switching as the lighting fleet takes it: an astronomical clock,
        LED lamps of :attr:`rated_w`, no dimming schedule, these failures."""
        return StreetlightParams(
            lamps_per_km=0.0,
            lamp="led",
            rated_w=self.rated_w,
            control="astronomical",
            failures=self.failures,
        )
