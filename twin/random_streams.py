"""The run's random numbers: named generators, and counter-based streams per item.

Two kinds, both derived from the scenario seed alone:

- :class:`RandomTree`: one :class:`numpy.random.SeedSequence` built from the
  seed gives every component its own Generator, keyed by the component's
  name (not by the order of creation), so adding a component never shifts
  another one's stream and a shard or worker gets the same numbers wherever
  it runs. For draws made once for the whole fleet (at creation, or per
  interval for every premise).
- :class:`ItemStreams`: for draws whose size depends on what happens during
  the run (the meters a collection slot tries, the messages a channel
  carries), where a shared Generator would hand a meter different numbers
  depending on which other meters drew before it. Each item (meter,
  premise) owns a stream addressed by its full-fleet position and a
  per-item counter, so its numbers depend only on the seed, the stream
  name, the item and how often that item drew before: the same in a shard as
  in the whole run. The generator is SplitMix64 [1]_ applied to (stream key,
  item, counter), vectorised with numpy's wrapping unsigned arithmetic.
- :class:`FleetStreams`: the same streams for draws every item of a fleet
  makes together (one word per premise and interval), with one counter for
  all: a shard draws for its own premises only.

References
----------
.. [1] G. L. Steele, D. Lea, C. H. Flood (2014), "Fast splittable
   pseudorandom number generators", OOPSLA '14, 453-472.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from twin.members import Members

__all__ = ["FleetStreams", "ItemStreams", "RandomTree"]


class RandomTree:
    """Named, independent random generators derived from one seed.

    Parameters
    ----------
    seed : int
        The run's seed.
    """

    def __init__(self, seed: int):
        self.seed = int(seed)

    def child(self, name: str) -> RandomTree:
        """An independent tree for a part of the run that reuses component names."""
        key = zlib.crc32(name.encode("utf-8"))
        state = np.random.SeedSequence(self.seed, spawn_key=(key, 1)).generate_state(2, np.uint64)
        return RandomTree(int(state[0] >> np.uint64(1)))

    def generator(self, component: str) -> np.random.Generator:
        """The Generator of ``component`` (the same one for the same seed and name)."""
        key = zlib.crc32(component.encode("utf-8"))
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,)))
        )


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser (a bijection on uint64), on a new array; in place after
    the first add, so a fleet-sized call makes two temporaries, not nine."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        t = z >> np.uint64(30)
        z ^= t
        z *= _M1
        np.right_shift(z, np.uint64(27), out=t)
        z ^= t
        z *= _M2
        np.right_shift(z, np.uint64(31), out=t)
        z ^= t
    return z


def _item_keys(seed: int, name: str, items: NDArray[np.integer]) -> NDArray[np.uint64]:
    """Each item's stream key: a mix of the seed, the stream name and the item's position."""
    key = _mix(np.asarray([int(seed) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
    key = _mix(key ^ np.uint64(zlib.crc32(name.encode("utf-8"))))
    return _mix(np.asarray(items, dtype=np.int64).astype(np.uint64) ^ key[0])


class ItemStreams:
    """Independent random streams for the items of a fleet.

    Parameters
    ----------
    seed : int
        The run's seed.
    name : str
        The stream's name (one per purpose: ``"comms"``, ...).
    items : numpy.ndarray
        Full-fleet position of each local item (int, unique).
    """

    def __init__(self, seed: int, name: str, items: NDArray[np.integer]):
        self._item_key = _item_keys(seed, name, items)
        self._count = np.zeros(self._item_key.size, dtype=np.uint64)

    @property
    def n(self) -> int:
        """Number of local items."""
        return int(self._count.size)

    @classmethod
    def spawned(cls, rng: np.random.Generator, name: str, members: Members) -> ItemStreams:
        """Streams for a fleet's members, keyed by a seed drawn once from the fleet's own
        generator (one draw, the same in every shard).

        For the draws a fleet makes for each of its premises every interval: a member's
        numbers depend only on its position in the full fleet and on how many it has
        drawn, so a shard pays for its own premises, not for the whole fleet.
        """
        return cls(int(rng.integers(0, 2**63)), name, members.index)

    def bits(self, idx: NDArray[np.integer]) -> NDArray[np.uint64]:
        """64 random bits for the items ``idx`` (unique local positions), one word each."""
        return self._bits(idx, 1)[:, 0]

    def _bits(self, idx: NDArray[np.integer], size: int) -> NDArray[np.uint64]:
        idx = np.asarray(idx, dtype=np.intp)
        start = self._count[idx]
        with np.errstate(over="ignore"):
            if size == 1:
                counter = start * _GOLDEN
                counter ^= self._item_key[idx]
                bits = _mix(counter)[:, None]
            else:
                steps = np.arange(size, dtype=np.uint64)
                counter = (start[:, None] + steps[None, :]) * _GOLDEN
                bits = _mix(self._item_key[idx][:, None] ^ counter)
            start += np.uint64(size)
        self._count[idx] = start
        return bits

    def random(self, idx: NDArray[np.integer], size: int | None = None) -> NDArray[np.float64]:
        """Uniform numbers in [0, 1) for the items ``idx`` (unique local positions).

        Parameters
        ----------
        idx : numpy.ndarray
            Local item positions; each advances its own counter by ``size`` (or 1).
        size : int, optional
            Numbers per item; the result then has shape ``(len(idx), size)``.

        Returns
        -------
        numpy.ndarray
            float64, shape ``(len(idx),)`` or ``(len(idx), size)``.
        """
        bits = self._bits(idx, 1 if size is None else size)
        out = (bits >> np.uint64(11)).astype(np.float64) * _TO_UNIT
        return out[:, 0] if size is None else out

    def uniform(self, low: float, high: float, idx: NDArray[np.integer]) -> NDArray[np.float64]:
        """Uniform numbers in [low, high), one per item."""
        return low + (high - low) * self.random(idx)

    def standard_normal(self, idx: NDArray[np.integer]) -> NDArray[np.float64]:
        """Standard normal numbers, one per item (inverse CDF of an open-interval uniform)."""
        bits = self._bits(idx, 1)[:, 0]
        u = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT
        return np.asarray(ndtri(u), dtype=np.float64)


class FleetStreams:
    """The streams of :class:`ItemStreams` for a fleet whose items all draw together.

    Every call draws one 64-bit word for every local item, so the items'
    counters are always equal and one scalar holds them: no gather or scatter
    of counters, the cost of the mix alone. The words are those
    :class:`ItemStreams` gives the same items when each draws once per call,
    so they depend only on the seed, the name, an item's full-fleet position
    and the number of calls.

    Parameters
    ----------
    seed : int
        The stream's seed.
    name : str
        The stream's name.
    items : numpy.ndarray
        Full-fleet position of each local item (int, unique).
    """

    def __init__(self, seed: int, name: str, items: NDArray[np.integer]):
        self._item_key = _item_keys(seed, name, items)
        self._calls = 0

    @classmethod
    def spawned(cls, rng: np.random.Generator, name: str, members: Members) -> FleetStreams:
        """Streams for a fleet's members, keyed by a seed drawn once from the fleet's own
        generator (one draw, the same in every shard)."""
        return cls(int(rng.integers(0, 2**63)), name, members.index)

    @property
    def n(self) -> int:
        """Number of local items."""
        return int(self._item_key.size)

    def bits(self) -> NDArray[np.uint64]:
        """The next 64 random bits of every local item, ``(n,)`` uint64."""
        with np.errstate(over="ignore"):
            counter = np.uint64(self._calls) * _GOLDEN
        self._calls += 1
        return _mix(self._item_key ^ counter)

    def random(self) -> NDArray[np.float64]:
        """The next uniform number in [0, 1) of every local item, ``(n,)`` float64 (53 bits)."""
        return (self.bits() >> np.uint64(11)).astype(np.float64) * _TO_UNIT
