"""A city of SimBench MV/LV grids under one HV/MV substation: spec, composition, power flow."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.conftest import tiny_scenario_dict
from twin.cli import main
from twin.grid import GridModel, NetworkError, load_network
from twin.grid.city import CITY_BUSBAR_NAME, MAX_CITY_GRIDS, CityPart, parse_city
from twin.grid.islands import lv_areas, solve_units
from twin.grid.solver import LightSim2gridSolver, PandapowerSolver

RURAL = "1-MVLV-rural-all-0-sw"
TWO_RURAL = f"city:{RURAL}*2"


@pytest.fixture(scope="module")
def rural() -> GridModel:
    """The single SimBench rural MV/LV grid, prepared."""
    return load_network(f"simbench:{RURAL}")


@pytest.fixture(scope="module")
def city() -> GridModel:
    """Two copies of the rural MV/LV grid under one substation, prepared."""
    return load_network(TWO_RURAL)


def _injections(grid: GridModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rated injections of every load and generator [MW], [Mvar]."""
    net = grid.net
    return (
        net.load["p_mw"].to_numpy(dtype=np.float64),
        net.load["q_mvar"].to_numpy(dtype=np.float64),
        net.sgen["p_mw"].to_numpy(dtype=np.float64),
    )


def test_spec_forms() -> None:
    assert parse_city(f"city:{RURAL}") == (CityPart(RURAL, 1),)
    parts = parse_city(f"city: simbench:{RURAL} * 3 + 1-MVLV-urban-all-0-sw*2")
    assert parts == (CityPart(RURAL, 3), CityPart("1-MVLV-urban-all-0-sw", 2))


@pytest.mark.parametrize(
    ("spec", "fragments"),
    [
        ("city:", ["no grids named"]),
        ("city:1-MVLV-rurl-all-0-sw*2", ["'1-MVLV-rurl-all-0-sw'", "not a SimBench code", RURAL]),
        ("city:1-LV-rural1--0-sw*2", ["'1-LV-rural1--0-sw'", "not an MV/LV grid"]),
        (f"city:{RURAL}*0", ["count '0'", "integer >= 1"]),
        (f"city:{RURAL}*two", ["count 'two'"]),
        (f"city:{RURAL}*-1", ["count '-1'"]),
        (f"city:{RURAL}**2", ["is not '<code>' or '<code>*<count>'"]),
        (f"city:{RURAL}*{MAX_CITY_GRIDS + 1}", [f"{MAX_CITY_GRIDS + 1} grids in all"]),
    ],
)
def test_bad_specs_name_the_value_and_what_is_allowed(spec: str, fragments: list[str]) -> None:
    with pytest.raises(NetworkError) as info:
        parse_city(spec)
    message = str(info.value)
    assert repr(spec) in message
    assert "city:<code>*<count>" in message and "SimBench MV/LV codes" in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("network", ["city:1-MVLV-rural-all-0-sw*0", "city:1-LV-rural1--0-sw"])
def test_bad_spec_exits_2_naming_grid_network(
    network: str, write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tiny_scenario_dict(**{"grid.network": network}))
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "grid.network" in err and repr(network) in err and "city:<code>*<count>" in err
    assert "Traceback" not in err


def test_copies_keep_unique_ids_and_traceable_names(rural: GridModel, city: GridModel) -> None:
    net = city.net
    for table in ("bus", "line", "trafo", "load", "sgen"):
        assert net[table].index.is_unique, table
        assert len(net[table]) == 2 * len(rural.net[table]) - (table == "bus"), table
    names = net.bus["name"].astype(str)
    for k in (1, 2):
        # each copy but its HV busbar (the first's renamed, the second's fused into it)
        assert names.str.startswith(f"{RURAL}#{k}/").sum() == len(rural.net.bus) - 1
    assert (names == CITY_BUSBAR_NAME).sum() == 1
    assert net.load["name"].str.startswith(f"{RURAL}#2/").sum() == len(rural.net.load)
    # one external grid, on the city busbar, which feeds all four HV/MV transformers
    assert len(net.ext_grid) == 1
    busbar = int(net.ext_grid["bus"].iat[0])
    assert net.bus.at[busbar, "name"] == CITY_BUSBAR_NAME
    hv_mv = net.trafo[net.trafo["vn_hv_kv"] > 100]
    assert len(hv_mv) == 4 and (hv_mv["hv_bus"] == busbar).all()
    assert set(hv_mv["std_type"]) == set(
        rural.net.trafo.loc[rural.net.trafo["vn_hv_kv"] > 100, "std_type"]
    )
    # every household of the grid, twice
    assert city.dwelling_capacity == 2 * rural.dwelling_capacity
    assert city.residential.sum() == 2 * rural.residential.sum()


def test_profiles_line_up_with_every_copys_elements(rural: GridModel, city: GridModel) -> None:
    table, net = city.profiles, city.net
    assert table is not None and rural.profiles is not None
    columns = np.asarray([*table.columns, ""], dtype=object)
    expected = net.load["profile"].astype(str) + "_pload"
    assert (columns[table.load_p_column] == expected.to_numpy()).all()
    assert (columns[table.sgen_p_column] == net.sgen["profile"].astype(str).to_numpy()).all()
    # the second copy reads exactly the values the single grid does
    n = len(rural.net.load)
    own = rural.profiles.values[:, rural.profiles.load_p_column]
    second = table.values[:, table.load_p_column[n:]]
    np.testing.assert_array_equal(second, own)


def test_the_city_converges_and_both_solvers_agree(rural: GridModel, city: GridModel) -> None:
    ours = LightSim2gridSolver(city).solve(*_injections(city))
    reference = PandapowerSolver(city).solve(*_injections(city))
    assert ours.converged and reference.converged
    np.testing.assert_allclose(ours.vm_pu, reference.vm_pu, atol=1e-8)
    # below the stiff 110 kV busbar each copy is the single grid: the same voltages by name
    single = LightSim2gridSolver(rural).solve(*_injections(rural))
    by_name = dict(zip(rural.net.bus["name"], single.vm_pu, strict=True))
    for k in (1, 2):
        prefix = f"{RURAL}#{k}/"
        mine = city.net.bus["name"].astype(str).str.startswith(prefix).to_numpy()
        names = city.net.bus["name"][mine].str.removeprefix(prefix)
        theirs = np.asarray([by_name[n] for n in names])
        np.testing.assert_allclose(ours.vm_pu[mine], theirs, atol=1e-8)


def test_loading_again_gives_an_independent_copy(city: GridModel) -> None:
    again = load_network(TWO_RURAL)
    assert again.net is not city.net
    again.net.load.loc[again.net.load.index[0], "p_mw"] = 123.0
    assert load_network(TWO_RURAL).net.load["p_mw"].iat[0] != 123.0


def test_solve_units_never_mix_mv_voltages() -> None:
    grid = load_network(f"city:{RURAL}+1-MVLV-urban-all-0-sw")  # 20 kV and 10 kV
    areas = lv_areas(grid)
    units = solve_units(areas)
    assert len(units) <= 32
    assert [a for u in units for a in u] == areas  # every area once, in order
    levels = [{a.vn_hv_kv for a in u} for u in units]
    assert all(len(level) == 1 for level in levels)
    assert {20.0, 10.0} == set().union(*levels)


def test_a_city_too_small_for_its_households_says_to_add_copies(city: GridModel) -> None:
    from twin.grid import CapacityError, place_premises

    placed = place_premises(city, city.dwelling_capacity)
    assert placed.n_premises == city.dwelling_capacity  # every dwelling of both copies
    with pytest.raises(CapacityError, match=r"more copies of its grids, '<code>\*<count>'"):
        place_premises(city, 2 * city.dwelling_capacity + 1)
