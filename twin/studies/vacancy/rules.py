"""The rules utilities and statistics offices use today: a threshold on energy.

A dwelling counts as vacant when its metered energy over a period is below a
threshold. Published instances are presets:

- ``cso_ireland``: under 180 kWh a quarter, "about the consumption of a
  fridge" (Central Statistics Office Ireland [1]_). The CSO also asks for four
  consecutive such quarters; on a study window of one quarter or less the
  rule can only look at that window.
- ``state_grid``: about 10 kWh over two months, as reported for State Grid's
  estimate of empty flats in Chinese cities in 2010 [2]_.

Over a window of another length the threshold is applied pro rata, as a rate
[kWh/d]. Missing readings are handled as a meter-data office would: the
measured energy is scaled up by the share of intervals measured, and a meter
with less than ``min_coverage`` of its intervals measured is not judged.

References
----------
.. [1] Central Statistics Office (Ireland), "Domestic Electricity Connections
   and Vacancy", statistical release (2021-2024): a dwelling with under
   180 kWh a quarter for four consecutive quarters is counted vacant;
   4.3 % in Q4 2021, 3.3 % in Q4 2023.
.. [2] As reported in 2010 of a State Grid survey of urban electricity
   meters: some 65 million flats with under about 10 kWh in two months.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from twin.studies.vacancy.data import MeterSeries
from twin.studies.vacancy.detection import Detection

__all__ = ["RULE_PRESETS", "EnergyThresholdRule"]

QUARTER_DAYS: Final = 365.25 / 4


@dataclass(frozen=True)
class EnergyThresholdRule:
    """Vacant when the energy over the window, pro rata, is below a threshold.

    Parameters
    ----------
    name : str
        Name in the metrics and the premise table.
    threshold_kwh : float
        Energy threshold [kWh] per ``period_days``, > 0.
    period_days : float
        Period the threshold refers to [d], > 0.
    reference : str
        Where the rule is published.
    min_coverage : float, default 0.5
        Least share of the window's intervals measured to judge a meter [-].
    """

    name: str
    threshold_kwh: float
    period_days: float
    reference: str = ""
    min_coverage: float = 0.5

    def __post_init__(self) -> None:
        if not (self.threshold_kwh > 0 and self.period_days > 0):
            raise ValueError(
                f"rule {self.name!r} given threshold_kwh={self.threshold_kwh!r}, "
                f"period_days={self.period_days!r}; expected both > 0"
            )
        if not 0 < self.min_coverage <= 1:
            raise ValueError(f"min_coverage given {self.min_coverage!r}; expected (0, 1]")

    @property
    def kwh_per_day(self) -> float:
        """The threshold as a rate [kWh/d]."""
        return self.threshold_kwh / self.period_days

    def detect(self, series: MeterSeries) -> Detection:
        """Flag meters whose mean daily energy over the window is below the rate.

        Parameters
        ----------
        series : MeterSeries
            Interval energy over the window (any resolution).

        Returns
        -------
        Detection
            ``score`` is the coverage-scaled mean energy [kWh/d].
        """
        energy = series.energy_wh
        measured = np.isfinite(energy)
        coverage = measured.mean(axis=1) if energy.shape[1] else np.zeros(series.n)
        total_kwh = np.where(measured, energy, 0.0).sum(axis=1, dtype=np.float64) / 1e3
        decided = coverage >= self.min_coverage
        with np.errstate(invalid="ignore", divide="ignore"):
            per_day = np.where(decided, total_kwh / (coverage * series.days), np.nan)
        vacant = decided & (per_day < self.kwh_per_day)
        return Detection(
            method=self.name,
            meter_id=series.meter_id,
            vacant=vacant,
            score=per_day.astype(np.float64),
            decided=decided,
            threshold=self.kwh_per_day,
            score_unit="kWh/d",
            details={"coverage": coverage.astype(np.float64)},
        )

    def describe(self) -> dict[str, object]:
        """Parameters for the metrics file."""
        return {
            "kind": "energy_threshold",
            "threshold_kwh": self.threshold_kwh,
            "period_days": round(self.period_days, 4),
            "threshold_kwh_per_day": round(self.kwh_per_day, 4),
            "min_coverage": self.min_coverage,
            "reference": self.reference,
        }


RULE_PRESETS: Final[dict[str, EnergyThresholdRule]] = {
    "cso_ireland": EnergyThresholdRule(
        "cso_ireland",
        180.0,
        QUARTER_DAYS,
        "CSO Ireland, Domestic Electricity Connections and Vacancy: < 180 kWh a quarter",
    ),
    "state_grid": EnergyThresholdRule(
        "state_grid",
        10.0,
        61.0,
        "State Grid survey as reported in 2010: about 10 kWh in two months",
    ),
}
"""Published instances of the energy-threshold rule."""
