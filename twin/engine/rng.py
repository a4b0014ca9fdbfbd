"""One random-number tree per run.

A single :class:`numpy.random.SeedSequence` built from the scenario seed gives
every component its own Generator, keyed by the component's name (not by the
order of creation), so adding a component never shifts another one's stream
and a shard or worker gets the same numbers wherever it runs.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["RandomTree"]


class RandomTree:
    """Named, independent random generators derived from one seed.

    Parameters
    ----------
    seed : int
        The run's seed.
    """

    def __init__(self, seed: int):
        self.seed = int(seed)

    def generator(self, component: str) -> np.random.Generator:
        """The Generator of ``component`` (the same one for the same seed and name)."""
        key = zlib.crc32(component.encode("utf-8"))
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,)))
        )
