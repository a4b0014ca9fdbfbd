"""Place premises (one metered household each) on the residential loads.

Premises are shared out over the residential loads in proportion to their
dwelling capacity with the largest remainder (Hamilton) method [1]_: each load
first gets the whole part of its quota, and the premises left over go to the
loads with the largest fractional parts, ties to the lower load position. The
result is deterministic, sums exactly to the count, and never departs from a
load's quota by one premise or more.

References
----------
.. [1] M. L. Balinski and H. P. Young, "Fair Representation: Meeting the Ideal
   of One Man, One Vote", 2nd ed., Brookings Institution Press, 2001, ch. 2
   (Hamilton's method).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import TwinError
from twin.grid.network import GridModel

__all__ = [
    "MAX_OCCUPANCY_FACTOR",
    "CapacityError",
    "PremisePlacement",
    "largest_remainder",
    "place_premises",
]

MAX_OCCUPANCY_FACTOR = 2
"""At most this many premises per dwelling of capacity (denser is not credible)."""


class CapacityError(TwinError, ValueError):
    """More premises asked for than the network can credibly host."""


@dataclass(frozen=True)
class PremisePlacement:
    """Where each premise sits (arrays of length ``n_premises``, sorted by load).

    Attributes
    ----------
    load : numpy.ndarray
        int64 position of the premise's load in ``net.load``.
    bus : numpy.ndarray
        int64 bus index.
    transformer : numpy.ndarray
        int64 ``net.trafo`` index of the LV transformer, -1 if none.
    feeder : numpy.ndarray
        int64 ``net.line`` index of the feeder, -1 on the LV busbar.
    """

    load: np.ndarray
    bus: np.ndarray
    transformer: np.ndarray
    feeder: np.ndarray

    @property
    def n_premises(self) -> int:
        """Number of premises."""
        return len(self.load)

    def per_load(self, n_loads: int) -> np.ndarray:
        """Premises per ``net.load`` row (int64, length ``n_loads``)."""
        return np.bincount(self.load, minlength=n_loads).astype(np.int64)


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Share ``total`` whole units in proportion to ``weights``.

    Parameters
    ----------
    weights : numpy.ndarray
        Non-negative weights, not all zero.
    total : int
        Units to share, >= 0.

    Returns
    -------
    numpy.ndarray
        int64 shares, summing to ``total``; ``floor(quota) <= share <= ceil(quota)``.
    """
    w = np.asarray(weights, dtype=np.float64)
    if total < 0 or w.sum() <= 0 or (w < 0).any():
        raise ValueError(
            f"largest_remainder given total={total} and weights summing to {w.sum()}; "
            "expected total >= 0 and non-negative weights with a positive sum"
        )
    # exact integer arithmetic where the weights are integers (dwellings)
    if np.all(w == np.floor(w)):
        wi = w.astype(np.int64)
        num = wi * int(total)
        den = int(wi.sum())
        shares = num // den
        remainder = num - shares * den
    else:
        quota = w * total / w.sum()
        shares = np.floor(quota).astype(np.int64)
        remainder = quota - shares
    left = int(total - shares.sum())
    if left:
        order = np.lexsort((np.arange(len(w)), -remainder))
        shares[order[:left]] += 1
    return shares.astype(np.int64)


def place_premises(grid: GridModel, count: int | None) -> PremisePlacement:
    """Allocate premises over the residential loads in proportion to their dwellings.

    Parameters
    ----------
    grid : GridModel
        The network.
    count : int or None
        Number of premises; None ("auto") means the dwelling capacity.

    Returns
    -------
    PremisePlacement
        Premises sorted by load position.

    Raises
    ------
    CapacityError
        ``count`` exceeds twice the dwelling capacity, or the network has no
        residential loads.
    ValueError
        ``count`` is not a positive whole number.
    """
    capacity = grid.dwelling_capacity
    if capacity <= 0:
        raise CapacityError(
            f"network {grid.name!r} has no residential loads (dwelling capacity 0), so "
            "it cannot host households; expected a network with household loads, such "
            "as 'cigre_lv' or 'simbench:1-LV-semiurb4--0-sw'"
        )
    n = capacity if count is None else count
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"count given {count!r}; expected 'auto' or an integer >= 1")
    n = int(n)
    allowed = MAX_OCCUPANCY_FACTOR * capacity
    if n > allowed:
        more = (
            " (a city hosts more households with more copies of its grids, '<code>*<count>')"
            if grid.source is not None and grid.source.kind == "city"
            else ""
        )
        raise CapacityError(
            f"given {n} households, but network {grid.name!r} has a dwelling capacity of "
            f"{capacity}; expected at most {allowed} ({MAX_OCCUPANCY_FACTOR} x capacity) "
            f"or 'auto'{more}"
        )
    shares = largest_remainder(grid.dwellings, n)
    load = np.repeat(np.arange(len(shares), dtype=np.int64), shares)
    return PremisePlacement(
        load=load,
        bus=grid.load_bus[load].astype(np.int64),
        transformer=grid.load_transformer[load].astype(np.int64),
        feeder=grid.load_feeder[load].astype(np.int64),
    )
