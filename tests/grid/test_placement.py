"""Premise placement: exact sums, proportional shares, determinism, capacity limits."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.errors import TwinError
from twin.grid import CapacityError, GridModel, load_network, place_premises
from twin.grid.catalog import NetworkSource
from twin.grid.network import build_grid_model
from twin.grid.placement import largest_remainder


@pytest.fixture
def tiny_grid(tiny_network: pp.pandapowerNet) -> GridModel:
    return build_grid_model(tiny_network, NetworkSource("tiny", "file"))


def test_auto_places_one_premise_per_dwelling(tiny_grid: GridModel) -> None:
    placement = place_premises(tiny_grid, None)
    assert placement.n_premises == tiny_grid.dwelling_capacity == 12
    np.testing.assert_array_equal(placement.per_load(tiny_grid.n_loads), tiny_grid.dwellings)
    assert (np.diff(placement.load) >= 0).all()
    np.testing.assert_array_equal(placement.bus, tiny_grid.load_bus[placement.load])
    np.testing.assert_array_equal(placement.transformer, tiny_grid.load_transformer[placement.load])
    np.testing.assert_array_equal(placement.feeder, tiny_grid.load_feeder[placement.load])


@pytest.mark.parametrize("count", [1, 5, 7, 12, 13, 24])
def test_counts_sum_exactly_and_stay_within_one_of_the_quota(
    tiny_grid: GridModel, count: int
) -> None:
    placement = place_premises(tiny_grid, count)
    shares = placement.per_load(tiny_grid.n_loads)
    assert shares.sum() == count
    quota = count * tiny_grid.dwellings / tiny_grid.dwelling_capacity
    assert (np.abs(shares - quota) < 1).all()
    assert (shares[~tiny_grid.residential] == 0).all()


def test_largest_remainder_reference_case() -> None:
    # Hamilton's method, textbook example: quotas 3.6, 2.4, 1.6, 0.4 for 8 seats
    np.testing.assert_array_equal(largest_remainder(np.array([9, 6, 4, 1]), 8), [4, 2, 2, 0])
    # ties go to the lower position
    np.testing.assert_array_equal(largest_remainder(np.array([1, 1, 1]), 2), [1, 1, 0])


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=40).filter(
        lambda w: sum(w) > 0
    ),
    total=st.integers(min_value=0, max_value=5_000),
)
def test_largest_remainder_properties(weights: list[int], total: int) -> None:
    w = np.array(weights)
    shares = largest_remainder(w, total)
    assert shares.sum() == total
    quota = total * w / w.sum()
    assert (shares >= np.floor(quota) - 1e-9).all()
    assert (shares <= np.ceil(quota) + 1e-9).all()
    np.testing.assert_array_equal(shares, largest_remainder(w.copy(), total))


def test_placement_is_deterministic() -> None:
    grid = load_network("cigre_lv")
    first = place_premises(grid, 150)
    second = place_premises(load_network("cigre_lv"), 150)
    np.testing.assert_array_equal(first.load, second.load)


def test_twice_the_capacity_is_allowed_more_is_not(tiny_grid: GridModel) -> None:
    assert place_premises(tiny_grid, 24).n_premises == 24
    with pytest.raises(CapacityError) as info:
        place_premises(tiny_grid, 25)
    message = str(info.value)
    assert "25" in message  # the count
    assert "12" in message  # the capacity
    assert "'tiny'" in message  # the network
    assert "at most 24" in message  # the allowed maximum
    assert isinstance(info.value, ValueError) and isinstance(info.value, TwinError)


def test_network_without_households_cannot_host_premises() -> None:
    net = pp.create_empty_network()
    bus = pp.create_bus(net, 20.0)
    pp.create_ext_grid(net, bus)
    pp.create_load(net, bus, p_mw=1.0)
    grid = build_grid_model(net, NetworkSource("mv-only", "file"))
    with pytest.raises(CapacityError, match="'mv-only' has no residential loads"):
        place_premises(grid, None)


@pytest.mark.parametrize("count", [0, -3])
def test_count_must_be_positive(tiny_grid: GridModel, count: int) -> None:
    with pytest.raises(ValueError, match=f"given {count}"):
        place_premises(tiny_grid, count)
