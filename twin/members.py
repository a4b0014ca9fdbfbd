"""Which premises a process simulates: all of them, or one shard's share.

A sharded run splits the premises by LV transformer area. Every random draw
that concerns a premise is made as if the whole fleet were simulated (one
draw per premise of the full fleet, in the same order) and then restricted
to the members, so a shard's premises get exactly the numbers they get in
the unsharded run. :class:`Members` carries what that restriction needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["Members"]

_S = TypeVar("_S", bound=np.generic)


@dataclass(frozen=True, eq=False)
class Members:
    """The premises simulated here, as positions in the full fleet.

    Attributes
    ----------
    index : numpy.ndarray
        int64 positions in the full fleet, strictly increasing.
    n_total : int
        Size of the full fleet.
    """

    index: NDArray[np.int64]
    n_total: int

    def __post_init__(self) -> None:
        index = np.asarray(self.index, dtype=np.int64)
        if index.ndim != 1 or (index.size and (index[0] < 0 or index[-1] >= self.n_total)):
            raise ValueError(f"member positions must lie in 0 .. {self.n_total - 1}")
        if np.any(np.diff(index) <= 0):
            raise ValueError("member positions must be strictly increasing")
        object.__setattr__(self, "index", index)

    @classmethod
    def all(cls, n: int) -> Members:
        """Every premise of a fleet of ``n``."""
        return cls(np.arange(n, dtype=np.int64), n)

    @property
    def n(self) -> int:
        """Number of members."""
        return int(self.index.size)

    @property
    def is_all(self) -> bool:
        """True when every premise of the fleet is a member."""
        return self.n == self.n_total

    def segment(self, start: int, stop: int) -> tuple[Members, slice]:
        """The members inside positions ``start .. stop - 1`` of the full fleet.

        Returns
        -------
        members : Members
            Of a fleet of ``stop - start``, positions counted from ``start``.
        local : slice
            Where those members sit among the local positions (a contiguous
            run, since members are sorted).
        """
        if not 0 <= start <= stop <= self.n_total:
            raise ValueError(f"segment {start}..{stop} outside a fleet of {self.n_total}")
        lo, hi = (int(i) for i in np.searchsorted(self.index, [start, stop]))
        return Members(self.index[lo:hi] - start, stop - start), slice(lo, hi)

    def within(self, chosen: NDArray[np.bool_]) -> tuple[Members, NDArray[np.bool_]]:
        """The members among the chosen positions of the full fleet, as a fleet of their own.

        Parameters
        ----------
        chosen : numpy.ndarray
            bool per position of the full fleet (``n_total``).

        Returns
        -------
        members : Members
            Of a fleet of ``chosen.sum()``, numbered in the order of the
            chosen positions.
        keep : numpy.ndarray
            bool per member: its position is chosen.
        """
        mask = np.asarray(chosen, dtype=bool)
        if mask.shape != (self.n_total,):
            raise ValueError(f"chosen given for {mask.size} positions; expected {self.n_total}")
        keep = mask[self.index]
        rank = np.cumsum(mask, dtype=np.int64) - 1
        return Members(rank[self.index[keep]], int(mask.sum())), keep

    def take(self, full: NDArray[_S]) -> NDArray[_S]:
        """Rows of a full-fleet array (first axis) that belong to the members."""
        return full if self.is_all else full[self.index]

    def localise(
        self, positions: NDArray[np.integer]
    ) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
        """Map full-fleet positions to member positions.

        Parameters
        ----------
        positions : numpy.ndarray
            Positions in the full fleet (any order, repeats allowed).

        Returns
        -------
        keep : numpy.ndarray
            bool per input: the position is a member.
        local : numpy.ndarray
            int64 member positions of the kept inputs (``positions[keep]`` mapped).
        """
        full: NDArray[np.int64] = np.asarray(positions, dtype=np.int64)
        if self.is_all:
            return np.ones(full.shape, dtype=bool), full
        if self.n == 0:
            return np.zeros(full.shape, dtype=bool), np.zeros(0, dtype=np.int64)
        at = np.searchsorted(self.index, full).astype(np.int64)
        keep: NDArray[np.bool_] = (at < self.n) & (self.index[np.minimum(at, self.n - 1)] == full)
        return keep, at[keep]
