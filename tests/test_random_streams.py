"""Per-item streams: an item's numbers depend on the seed, the name, the item and its count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.random_streams import FleetStreams, ItemStreams, _mix

_U64 = st.integers(min_value=0, max_value=2**64 - 1)


def _mix_reference(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser as published (Steele et al. 2014), one step at a time."""
    out = []
    for value in x.tolist():
        z = (value + 0x9E3779B97F4A7C15) % 2**64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
        out.append(z ^ (z >> 31))
    return np.asarray(out, dtype=np.uint64)


@given(st.lists(_U64, min_size=1, max_size=50))
def test_mix_is_splitmix64(values: list[int]) -> None:
    x = np.asarray(values, dtype=np.uint64)
    kept = x.copy()
    assert np.array_equal(_mix(x), _mix_reference(x))
    assert np.array_equal(x, kept)  # the input is not changed


@settings(max_examples=50)
@given(
    seed=st.integers(min_value=0, max_value=2**40),
    n=st.integers(min_value=1, max_value=40),
    draws=st.integers(min_value=1, max_value=4),
    data=st.data(),
)
def test_an_items_numbers_do_not_depend_on_who_else_draws(
    seed: int, n: int, draws: int, data: st.DataObject
) -> None:
    """A shard (any subset of the items, in any order of calls) gets the whole fleet's numbers."""
    items = np.arange(n, dtype=np.int64) * 7 + 3
    whole = ItemStreams(seed, "test", items)
    every = np.arange(n)
    expected = np.stack([whole.bits(every) for _ in range(draws)], axis=1)
    subset = np.asarray(
        data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)),
        dtype=np.int64,
    )
    part = ItemStreams(seed, "test", items[subset])
    local = np.arange(subset.size)
    got = np.stack([part.bits(local) for _ in range(draws)], axis=1)
    assert np.array_equal(got, expected[subset])
    # several numbers at once are the next ones of the same stream
    again = ItemStreams(seed, "test", items)
    block = again.random(every, size=draws)
    assert np.array_equal(block, (expected >> np.uint64(11)).astype(np.float64) * 2.0**-53)
    assert np.all((block >= 0.0) & (block < 1.0))


@settings(max_examples=30)
@given(
    seed=st.integers(min_value=0, max_value=2**40),
    n=st.integers(min_value=1, max_value=30),
    calls=st.integers(min_value=1, max_value=4),
    data=st.data(),
)
def test_fleet_streams_are_the_item_streams_of_items_that_draw_together(
    seed: int, n: int, calls: int, data: st.DataObject
) -> None:
    """Every item drawing once per call: the words of ItemStreams, and a shard's are its own."""
    items = np.arange(n, dtype=np.int64) * 5 + 1
    every = np.arange(n)
    per_item = ItemStreams(seed, "fleet", items)
    expected = np.stack([per_item.bits(every) for _ in range(calls)], axis=1)
    fleet = FleetStreams(seed, "fleet", items)
    assert np.array_equal(np.stack([fleet.bits() for _ in range(calls)], axis=1), expected)
    subset = np.asarray(
        sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n))), dtype=np.int64
    )
    part = FleetStreams(seed, "fleet", items[subset])
    assert np.array_equal(np.stack([part.bits() for _ in range(calls)], axis=1), expected[subset])
    u = FleetStreams(seed, "fleet", items).random()
    assert np.array_equal(u, (expected[:, 0] >> np.uint64(11)).astype(np.float64) * 2.0**-53)
