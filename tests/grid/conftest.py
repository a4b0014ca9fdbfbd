"""Fixtures for the grid tests: a hand-built MV/LV network and cached SimBench data."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import numpy as np
import pandapower as pp
import pytest

from tests.conftest import REPO

SEMIURB4 = "1-LV-semiurb4--0-sw"
SHIPPED_MODEL = REPO / "models" / "cigre_lv_residential.json"


def make_tiny_network() -> pp.pandapowerNet:
    """A small MV/LV network exercising every preparation step.

    ::

        b0 (20 kV, ext_grid) --l0-- b1 (20 kV, MV load)
        b1 =T0=> b2 (LV busbar, load) --l1-- b4 --l2-- b5 (load) ==closed b-switch== b8 (load)
                 b2 --l3-- b6 (load)
                 b2 --l4 (open switch)-- b9 (load, islanded)
        b1 =T1=> b3 (LV busbar) --l5-- b7 (load)

    Bus ids are not contiguous (they start at 100) to exercise the renumbering.
    """
    net = pp.create_empty_network(name="tiny")
    ids = {}
    for name, vn in [
        ("b0", 20.0),
        ("b1", 20.0),
        ("b2", 0.4),
        ("b3", 0.4),
        ("b4", 0.4),
        ("b5", 0.4),
        ("b6", 0.4),
        ("b7", 0.4),
        ("b8", 0.4),
        ("b9", 0.4),
    ]:
        ids[name] = pp.create_bus(net, vn_kv=vn, name=name, index=100 + int(name[1:]))
    pp.create_ext_grid(net, ids["b0"], vm_pu=1.02)
    pp.create_line(net, ids["b0"], ids["b1"], 2.0, "NA2XS2Y 1x95 RM/25 12/20 kV", name="l0")
    pp.create_transformer(net, ids["b1"], ids["b2"], "0.25 MVA 20/0.4 kV", name="T0")
    pp.create_transformer(net, ids["b1"], ids["b3"], "0.25 MVA 20/0.4 kV", name="T1")
    for name, a, b in [("l1", "b2", "b4"), ("l2", "b4", "b5"), ("l3", "b2", "b6")]:
        pp.create_line(net, ids[a], ids[b], 0.1, "NAYY 4x150 SE", name=name)
    l4 = pp.create_line(net, ids["b2"], ids["b9"], 0.1, "NAYY 4x150 SE", name="l4")
    pp.create_line(net, ids["b3"], ids["b7"], 0.1, "NAYY 4x150 SE", name="l5")
    pp.create_switch(net, ids["b9"], l4, et="l", closed=False, name="open")
    pp.create_switch(net, ids["b5"], ids["b8"], et="b", closed=True, name="coupler")
    for bus, p_mw in [("b1", 0.2), ("b2", 0.012), ("b5", 0.006), ("b6", 0.003), ("b7", 0.009)]:
        pp.create_load(net, ids[bus], p_mw=p_mw, q_mvar=p_mw * 0.3, name=f"load {bus}")
    pp.create_load(net, ids["b8"], p_mw=0.0045, q_mvar=0.001, name="load b8")
    pp.create_load(net, ids["b9"], p_mw=0.003, q_mvar=0.001, name="load b9")
    pp.create_sgen(net, ids["b6"], p_mw=0.005, name="pv b6")
    return net


@pytest.fixture
def tiny_network() -> pp.pandapowerNet:
    """A fresh hand-built MV/LV network (see :func:`make_tiny_network`)."""
    return make_tiny_network()


@pytest.fixture(scope="session")
def _semiurb4_raw_cached() -> pp.pandapowerNet:
    import simbench

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simbench.get_simbench_net(SEMIURB4)


@pytest.fixture
def semiurb4_raw(_semiurb4_raw_cached: pp.pandapowerNet) -> pp.pandapowerNet:
    """The raw SimBench 1-LV-semiurb4 network with its profiles (a fresh copy)."""
    return copy.deepcopy(_semiurb4_raw_cached)


def random_injections(
    rng: np.random.Generator, load_p: np.ndarray, load_q: np.ndarray, sgen_p: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loads at 0-2x and sgens at 0-1x nominal, independently per element."""
    f = rng.uniform(0.0, 2.0, len(load_p))
    return load_p * f, load_q * f, sgen_p * rng.uniform(0.0, 1.0, len(sgen_p))


InjectionMaker = Callable[
    [np.random.Generator, np.ndarray, np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray, np.ndarray],
]
