"""Parameters of the electrical-safety model: sensors, hazards, operations, standards.

Every number here is a figure from a standard (cited) or an assumption
(named and said so); the scenario's ``safety`` section overrides the
sensor settings, the hazard rates and the operations.

References
----------
.. [1] GB 14287.2-2014, "Electrical fire monitoring system - Part 2: Residual
   current electrical fire monitoring detectors" (alarm setting adjustable in
   20-1000 mA; the detector alarms within 30 s of the setting being exceeded).
.. [2] GB 50116-2013, "Code for design of automatic fire alarm system", 9.2:
   the residual-current alarm of an electrical fire monitoring detector is set
   at 300-500 mA at the first level of distribution, above the natural leakage
   of the circuits it watches (commonly 100-200 mA at a building's supply).
.. [3] IEC 60364-5-52:2009, "Low-voltage electrical installations - Selection
   and erection of wiring systems", Table 52.1 (maximum conductor temperature:
   PVC 70 C, XLPE 90 C) and Table B.52.4 (current-carrying capacities, copper,
   reference method C, three loaded conductors, 30 C ambient).
.. [4] IEC 60502-1:2021, "Power cables with extruded insulation ... for rated
   voltages of 1 kV" (XLPE 90 C continuous).
.. [5] IEC 60364-4-43:2008, Table 43A (final temperature under short circuit:
   PVC 160 C up to 300 mm2, XLPE 250 C): the temperature at which the
   insulation is taken to fail and ignite here.
.. [6] IEC 61008-1:2010, "Residual current operated circuit-breakers without
   integral overcurrent protection for household and similar uses" (rated
   residual operating current 30 mA for additional protection; an RCCB must
   not trip below half of it and must trip at it).
.. [7] IEC 60364-4-42:2010, 422.3.9: an RCD of at most 300 mA protects against
   fires caused by insulation faults, since earth-fault currents of a few
   hundred mA can ignite (taken here as 500 mA held for an interval).
.. [8] IEC 62606:2013, "General requirements for arc fault detection devices"
   (series arcs at loose or damaged connections; repeated arcing half-cycles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "CABLE_AMPACITY_A",
    "CABLE_SIZES_MM2",
    "CIRCUITS",
    "FIRE_LEAKAGE_MA",
    "HAZARD_KINDS",
    "INSULATION_CRITICAL_C",
    "INSULATION_RATED_C",
    "NATURAL_LEAKAGE_MA_PER_CIRCUIT",
    "NOMINAL_VOLTAGE_V",
    "POWER_FACTOR",
    "PREMISE_KINDS",
    "PVC_SHARE",
    "RATED_AMBIENT_C",
    "RCD_RATED_MA",
    "RCD_SHARE",
    "SENSOR_KINDS",
    "SENSOR_UNITS",
    "SMALLEST_BUILDING_DWELLINGS",
    "SUSTAINED_ARCS_PER_MIN",
    "HazardRates",
    "OperationsParams",
    "SafetyParams",
    "SensorParams",
    "circuits_of",
    "natural_leakage_ma",
]

PremiseKind = Literal["commercial", "apartment_building", "household"]
PREMISE_KINDS: Final = ("commercial", "apartment_building", "household")
SensorKind = Literal["residual_current", "cable_temperature", "arc_fault"]
SENSOR_KINDS: Final = ("residual_current", "cable_temperature", "arc_fault")
SENSOR_UNITS: Final = {"residual_current": "mA", "cable_temperature": "degC", "arc_fault": "1/min"}
HazardKind = Literal["insulation_ageing", "insulation_damage", "overload", "arcing"]
HAZARD_KINDS: Final = ("insulation_ageing", "insulation_damage", "overload", "arcing")

# --- leakage -------------------------------------------------------------------------------

NATURAL_LEAKAGE_MA_PER_CIRCUIT: Final = 1.5
"""Natural (capacitive and equipment) leakage of one healthy final circuit [mA]. IEC
60364-5-53 531.3.2 asks that the protective-conductor currents behind an RCD stay below
30 % of its rated residual current (9 mA behind a 30 mA RCD) and IEC 61140 7.5.2 allows
3.5 mA per plug-connected appliance; 1.5 mA a circuit gives a dwelling of four circuits
6 mA and a 30-dwelling building 180 mA, GB 50116's 100-200 mA [2]_ (assumed within those)."""

CIRCUITS: Final[dict[str, int]] = {"commercial": 12, "household": 4}
"""Final circuits of a shop or office and of a dwelling (assumed); an apartment building's
supply carries its dwellings' circuits plus :data:`BUILDING_COMMON_CIRCUITS`."""

BUILDING_COMMON_CIRCUITS: Final = 4
"""Circuits of a building's common areas: stairwell lighting, lift, pumps, door entry
(assumed)."""


SMALLEST_BUILDING_DWELLINGS: Final = 6
"""Fewest dwellings of an apartment building: ``twin.engine.buildings.APARTMENT_MIN_DWELLINGS``
repeated here (a test holds them equal) for the scenario's check of the residual-current
setting, which cannot import the engine."""


def circuits_of(kind: str, dwellings: int = 0) -> int:
    """Final circuits downstream of a premise's sensors.

    Parameters
    ----------
    kind : str
        One of :data:`PREMISE_KINDS`.
    dwellings : int
        Dwellings of an apartment building (ignored otherwise).
    """
    if kind == "apartment_building":
        return int(dwellings) * CIRCUITS["household"] + BUILDING_COMMON_CIRCUITS
    return CIRCUITS[kind]


def natural_leakage_ma(kind: str, dwellings: int = 0) -> float:
    """Natural leakage of a healthy premise at its sensor [mA] (at full moisture factor 1)."""
    return NATURAL_LEAKAGE_MA_PER_CIRCUIT * circuits_of(kind, dwellings)


FIRE_LEAKAGE_MA: Final = 500.0
"""Earth-fault current through degraded insulation that ignites it when held for an
interval [mA]: the upper end of the few hundred mA IEC 60364-4-42 guards against [7]_."""

RCD_RATED_MA: Final = 30.0
"""Rated residual operating current of the RCDs of household-type circuits [mA] [6]_."""

RCD_SHARE: Final[dict[str, float]] = {
    "commercial": 0.3,
    "apartment_building": 0.3,
    "household": 0.5,
}
"""Share of final circuits behind a 30 mA RCD, by premise kind (assumed: older stock and
lighting and three-phase circuits often have none)."""

# --- cables --------------------------------------------------------------------------------

CABLE_SIZES_MM2: Final = (2.5, 4.0, 6.0, 10.0, 16.0, 25.0, 35.0, 50.0, 70.0, 95.0, 120.0, 150.0)
CABLE_AMPACITY_A: Final = (24.0, 32.0, 41.0, 57.0, 76.0, 96.0, 119.0, 144.0, 184.0, 223.0, 259.0,
                           299.0)  # fmt: skip
"""Current-carrying capacity of PVC copper cables, reference method C, three loaded
conductors, 30 C ambient [A] (IEC 60364-5-52 Table B.52.4 [3]_, as recalled; XLPE takes
the same size table here, its higher rating in :data:`INSULATION_RATED_C`)."""

RATED_AMBIENT_C: Final = 30.0
"""Ambient temperature of the ampacity tables [degC] [3]_."""

INSULATION_RATED_C: Final[dict[str, float]] = {"pvc": 70.0, "xlpe": 90.0}
"""Maximum continuous conductor temperature [degC] ([3]_ Table 52.1, [4]_)."""

INSULATION_CRITICAL_C: Final[dict[str, float]] = {"pvc": 160.0, "xlpe": 250.0}
"""Conductor temperature at which the insulation fails and ignites [degC] ([5]_)."""

PVC_SHARE: Final = 0.7
"""Share of premises wired with PVC cables, the rest XLPE (assumed)."""

DESIGN_MARGIN: Final = 1.25
"""Ratio of a cable's ampacity to its premise's design peak current [-] (assumed)."""

POWER_FACTOR: Final = 0.95
"""Power factor of premise loads for the circuit current [-] (assumed)."""

NOMINAL_VOLTAGE_V: Final = 230.0
"""Nominal phase voltage [V] (IEC 60038)."""

THERMAL_TAU_S: Final = 1200.0
"""Thermal time constant of a 16 mm2 cable in air [s] (assumed; 10-40 minutes for small
LV cables), scaled with the square root of the cross-section."""

INDOOR_MIN_C: Final = 18.0
"""Least air temperature around indoor wiring [degC] (assumed: heated buildings); above
it the cables' ambient follows the outdoor air of the bundled weather."""

# --- arcing --------------------------------------------------------------------------------

SUSTAINED_ARCS_PER_MIN: Final = 60.0
"""Arcing rate taken for sustained arcing that ignites nearby material [1/min] (assumed:
one arc a second held for an interval; arc fault detectors trip far sooner [8]_)."""


@dataclass(frozen=True)
class SensorParams:
    """One sensor kind's settings.

    Attributes
    ----------
    reporting_interval_s : int
        How often it reports [s] (a multiple of the metering interval).
    threshold : float
        Alarm setting [mA], [degC] or [1/min].
    delay_s : int
        How long the threshold must hold before an alarm [s].
    """

    reporting_interval_s: int
    threshold: float
    delay_s: int


@dataclass(frozen=True)
class HazardRates:
    """Onsets of hazards per premise and year [1/a] (assumed; a scenario raises them to
    study the platform), and the share of premises with an undersized cable [-]."""

    insulation_ageing: float = 0.05
    insulation_damage: float = 0.02
    overload: float = 0.03
    arcing: float = 0.01
    undersized_share: float = 0.02


@dataclass(frozen=True)
class OperationsParams:
    """Field crews.

    Attributes
    ----------
    crews : int
        Number of crews (each serves a patch of LV transformer areas).
    jobs_per_crew_day : int
        Jobs a crew starts per local day at most.
    shift_start_h, shift_end_h : int
        Local hours of the shift [h].
    travel_s, repair_s : float
        Mean travel and repair time [s].
    """

    crews: int = 2
    jobs_per_crew_day: int = 4
    shift_start_h: int = 8
    shift_end_h: int = 17
    travel_s: float = 2700.0
    repair_s: float = 7200.0


@dataclass(frozen=True)
class SafetyParams:
    """The safety section as the fleet takes it."""

    shares: dict[str, float] = field(
        default_factory=lambda: {"commercial": 1.0, "apartment_building": 1.0, "household": 0.0}
    )
    path: Literal["management_core", "iot_gateway"] = "management_core"
    residual_current: SensorParams = SensorParams(900, 300.0, 1800)
    cable_temperature: SensorParams = SensorParams(900, 70.0, 900)
    arc_fault: SensorParams = SensorParams(900, 1.0, 0)
    hazards: HazardRates = HazardRates()
    operations: OperationsParams = OperationsParams()

    def sensor(self, kind: str) -> SensorParams:
        """The settings of sensor ``kind``."""
        return {
            "residual_current": self.residual_current,
            "cable_temperature": self.cable_temperature,
            "arc_fault": self.arc_fault,
        }[kind]
