"""Thresholds and assumptions of the losses study, each with where it comes from.

References
----------
.. [1] State Grid Corporation of China, transformer-area ("tai qu") line-loss
   management: the loss rate is managed per LV area and day against a
   "qualified" band, commonly quoted as 0-10 %, LV areas typically 3-6 %
   (as gathered in the project's DOMAIN.md, "Losses and theft").
.. [2] IEC 61968-9 ReadingQuality categories: 0 valid, 8 estimated, 4 data
   collection (the ``ok``/``backfilled``, ``estimated`` and ``missing`` codes
   of ``internal/meter_interval``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

from twin.errors import TwinError

__all__ = [
    "DEFAULT_SETTINGS",
    "ROBUSTNESS_DAY_SHARES",
    "ROBUSTNESS_NON_TECHNICAL_SHARES",
    "LossSettings",
]

ROBUSTNESS_NON_TECHNICAL_SHARES: Final = (0.02, 0.03, 0.05)
"""Non-technical thresholds (share of supply) the scores are also reported at."""

ROBUSTNESS_DAY_SHARES: Final = (0.2, 0.3, 0.5)
"""Shares of abnormal complete days that flag an area, also reported."""


@dataclass(frozen=True)
class LossSettings:
    """What the study assumes and where it draws its lines.

    Attributes
    ----------
    qualified_band : tuple of float
        Line-loss rate band a State Grid area-day is "qualified" in [-]
        (0-10 %, [1]_). Above it an area-day is abnormal.
    typical_lv_band : tuple of float
        Typical LV area loss rate [-] (3-6 %, [1]_); drawn in the figures only.
    non_technical_share : float
        An area-day is also abnormal when its non-technical remainder (measured
        loss minus the technical estimate) exceeds this share of its supply
        [-]. 3 %: above the uncertainty of the technical estimate (balanced
        three-phase flows at an assumed power factor from interval means, a
        lower bound that can miss a third or more of the real line losses,
        which are themselves 3-6 % of supply in a typical LV area [1]_), and
        below what one customer stealing a fifth to a half of his use in an
        area of a few dozen customers adds.
    flag_day_share : float
        An area is flagged when at least this share of its complete days is
        abnormal [-]. 30 %: a theft that starts in the middle of the run is
        flagged, a few odd days (a meter exchange, one wrong estimate) are not.
    max_customer_missing_share : float
        An area-day with more than this share of its meters' intervals
        ``missing`` (or absent) is incomplete [-]; 1 %: a missing interval
        counts as zero sales and would read as loss.
    power_factor : float
        Power factor assumed for every metered flow in the technical estimate
        [-]: 0.95, the usual lower limit asked of LV customers.
    iron_loss_share : float
        No-load (iron) loss of a distribution transformer as a share of its
        rating [-], used where the network table gives none: 0.15 %, the order
        of the EU Ecodesign (Regulation 548/2014) limits for 250-630 kVA units
        (recalled, unverified). Reported, not subtracted (see
        ``include_transformer_losses``).
    include_transformer_losses : bool
        Whether the transformer's copper and iron losses are part of the
        technical estimate compared with the measured loss. False: the area
        check meter sits on the transformer's LV side, so its losses are
        upstream of the energy measured; they are reported apart.
    truth_min_share : float
        Scoring only: an area is a true positive when its theft (true minus
        metered energy, illegal connections included) is at least this share
        of its supply over the run [-] (0.5 %).
    regression_max_rows : int
        Most rows of the suspects' regression per area; longer runs are summed
        into blocks of consecutive intervals (one year of hours).
    """

    qualified_band: tuple[float, float] = (0.0, 0.10)
    typical_lv_band: tuple[float, float] = (0.03, 0.06)
    non_technical_share: float = 0.03
    flag_day_share: float = 0.30
    max_customer_missing_share: float = 0.01
    power_factor: float = 0.95
    iron_loss_share: float = 0.0015
    include_transformer_losses: bool = False
    truth_min_share: float = 0.005
    regression_max_rows: int = 8_784
    robustness_non_technical: tuple[float, ...] = field(default=ROBUSTNESS_NON_TECHNICAL_SHARES)
    robustness_day_shares: tuple[float, ...] = field(default=ROBUSTNESS_DAY_SHARES)

    def __post_init__(self) -> None:
        problems = []
        for name in (
            "non_technical_share",
            "flag_day_share",
            "max_customer_missing_share",
            "iron_loss_share",
            "truth_min_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                problems.append(f"{name} given an invalid value {value!r}; expected 0..1")
        if not 0.0 < self.power_factor <= 1.0:
            problems.append(
                f"power_factor given an invalid value {self.power_factor!r}; expected (0, 1]"
            )
        low, high = self.qualified_band
        if not low < high:
            problems.append(
                f"qualified_band given an invalid value {self.qualified_band!r}; "
                "expected (low, high) with low < high"
            )
        if self.regression_max_rows < 10:
            problems.append(
                f"regression_max_rows given an invalid value {self.regression_max_rows!r}; "
                "expected at least 10"
            )
        if problems:
            raise TwinError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


DEFAULT_SETTINGS: Final = LossSettings()
"""The settings ``twin study losses`` runs with."""
