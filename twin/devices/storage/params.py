"""Parameters of a home-battery fleet: every one with its default and its check.

The scenario's ``storage`` section makes a :class:`StorageParams`
(:meth:`twin.scenario.models.StorageSection.params`) and takes its defaults
from here; :meth:`~twin.devices.storage.StorageFleet.create` takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

from twin.devices.checks import is_hour_window, one_of, raise_problems

__all__ = ["STRATEGIES", "StorageParams", "Strategy"]

Strategy = Literal["self_consumption", "time_of_use"]
STRATEGIES: Final = get_args(Strategy)
"""Dispatch strategies of :class:`~twin.devices.storage.StorageFleet`."""


@dataclass(frozen=True)
class StorageParams:
    """What every battery of a :class:`~twin.devices.storage.StorageFleet` is drawn from.

    Attributes
    ----------
    capacity_choices_kwh : tuple of float
        Usable capacities [kWh], each > 0, drawn uniformly (common sizes of
        home batteries; an assumption).
    c_rate_per_h : float
        Power limit per kWh of capacity [1/h], > 0.
    eta_round_trip : float
        AC round-trip efficiency [-], in (0, 1]; split as the square root for
        charge and discharge [1]_.
    soc_min_fraction : float
        Reserve never discharged, as a share of capacity [-], 0 .. ``soc_initial_fraction``.
    soc_initial_fraction : float
        Stored energy at the run start, as a share of capacity [-], .. 1.
    strategy : {"self_consumption", "time_of_use"}
        Dispatch rule: store the PV surplus and cover the deficit [1]_, or
        charge and discharge in fixed windows [2]_.
    charge_window_h, discharge_window_h : tuple of float
        ``time_of_use`` windows ``[start, end)``, local hours 0..24 [h],
        start != end (may wrap midnight).

    Raises
    ------
    ValueError
        At construction, naming every field out of range, its value and what
        is allowed.

    References
    ----------
    .. [1] Weniger, Tjaden, Quaschning (2014), "Sizing of residential PV battery
       systems", Energy Procedia 46, 78-87.
    .. [2] Hoppmann, Volland, Schmidt, Hoffmann (2014), "The economic viability
       of battery storage for residential solar photovoltaic systems",
       Renewable and Sustainable Energy Reviews 39, 1101-1118.
    """

    capacity_choices_kwh: tuple[float, ...] = (5.0, 7.5, 10.0, 13.5)
    c_rate_per_h: float = 0.5
    eta_round_trip: float = 0.90
    soc_min_fraction: float = 0.05
    soc_initial_fraction: float = 0.5
    strategy: Strategy = "self_consumption"
    charge_window_h: tuple[float, float] = (1.0, 5.0)
    discharge_window_h: tuple[float, float] = (17.0, 21.0)

    def __post_init__(self) -> None:
        for name in ("capacity_choices_kwh", "charge_window_h", "discharge_window_h"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        choices = self.capacity_choices_kwh
        raise_problems(
            "StorageParams",
            [
                (
                    len(choices) > 0 and all(c > 0 for c in choices),
                    f"capacity_choices_kwh given {choices!r}; expected capacities > 0 [kWh]",
                ),
                (self.c_rate_per_h > 0, f"c_rate_per_h given {self.c_rate_per_h!r}; expected > 0"),
                (
                    0 < self.eta_round_trip <= 1,
                    f"eta_round_trip given {self.eta_round_trip!r}; expected in (0, 1]",
                ),
                (
                    0 <= self.soc_min_fraction <= self.soc_initial_fraction <= 1,
                    f"soc_min_fraction/soc_initial_fraction given {self.soc_min_fraction!r}/"
                    f"{self.soc_initial_fraction!r}; expected 0 <= min <= initial <= 1",
                ),
                (
                    self.strategy in STRATEGIES,
                    f"strategy given an invalid value {self.strategy!r}; "
                    f"expected one of {one_of(STRATEGIES)}",
                ),
                *(
                    (
                        is_hour_window(getattr(self, name)),
                        f"{name} given {getattr(self, name)!r}; expected (start_h, end_h), "
                        "local hours 0..24, start != end",
                    )
                    for name in ("charge_window_h", "discharge_window_h")
                ),
            ],
        )
