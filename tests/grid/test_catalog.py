"""Networks by name and path, and the errors for bad specs."""

from __future__ import annotations

import json
import pathlib
import shutil

import pandapower as pp
import pytest

from tests.grid.conftest import SHIPPED_MODEL, make_tiny_network
from twin.errors import TwinError
from twin.grid import NetworkError, list_networks, load_network
from twin.grid.catalog import CORE_SIMBENCH_CODES


def test_list_networks_has_cigre_and_the_core_simbench_codes() -> None:
    names = list_networks()
    assert names[0] == "cigre_lv"
    for code in CORE_SIMBENCH_CODES:
        assert f"simbench:{code}" in names
    assert len(names) == len(set(names))
    assert len(names) > 200  # every code simbench offers (246 with simbench 1.6)


@pytest.mark.parametrize(
    ("spec", "suggestion"),
    [
        ("cigre-lv", "'cigre_lv'"),
        ("simbench:1-LV-semiurb4--0-sv", "'simbench:1-LV-semiurb4--0-sw'"),
        ("1-LV-urban6--0-sw", "'simbench:1-LV-urban6--0-sw'"),
    ],
)
def test_unknown_name_suggests_close_names(spec: str, suggestion: str) -> None:
    with pytest.raises(NetworkError) as info:
        load_network(spec)
    message = str(info.value)
    assert repr(spec) in message
    assert suggestion in message
    assert "see `twin networks`" in message
    assert "simbench:<code>" in message


def test_unknown_name_is_a_value_error_and_a_twin_error() -> None:
    with pytest.raises(ValueError, match="unknown network 'atlantis'"):
        load_network("atlantis")
    assert issubclass(NetworkError, TwinError)


def test_missing_json_names_the_places_looked(tmp_path: pathlib.Path) -> None:
    with pytest.raises(NetworkError) as info:
        load_network("nets/absent.json", base_dir=tmp_path)
    message = str(info.value)
    assert "'nets/absent.json'" in message
    assert "not found" in message
    assert str(tmp_path / "nets" / "absent.json") in message


def test_json_that_is_not_a_pandapower_net(tmp_path: pathlib.Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text(json.dumps({"a": [1, 2, 3]}), encoding="utf-8")
    for name in ("broken.json", "other.json"):
        with pytest.raises(NetworkError, match=f"'{name}'.*pandapower"):
            load_network(name, base_dir=tmp_path)


def test_json_without_slack_is_refused(tmp_path: pathlib.Path) -> None:
    net = pp.create_empty_network()
    pp.create_bus(net, 0.4)
    pp.to_json(net, str(tmp_path / "noslack.json"))
    with pytest.raises(NetworkError, match="no slack"):
        load_network("noslack.json", base_dir=tmp_path)


def test_relative_path_resolves_against_base_dir_then_cwd(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (tmp_path / "models").mkdir()
    shutil.copy(SHIPPED_MODEL, tmp_path / "models" / "feeder.json")
    grid = load_network("../models/feeder.json", base_dir=scenarios)
    assert grid.name == "feeder"
    # the scenario's folder wins over the current directory
    shutil.copy(SHIPPED_MODEL, scenarios / "net.json")
    pp.to_json(make_tiny_network(), str(tmp_path / "net.json"))
    monkeypatch.chdir(tmp_path)
    assert len(load_network("net.json", base_dir=scenarios).net.load) == 6
    assert len(load_network("net.json").net.load) == 7
    # not next to the scenario: the current directory
    from_cwd = load_network("models/feeder.json", base_dir=scenarios)
    assert from_cwd.source is not None
    assert from_cwd.source.path == (tmp_path / "models" / "feeder.json").resolve()


def test_shipped_model_loads_as_the_cigre_residential_feeder() -> None:
    grid = load_network(str(SHIPPED_MODEL))
    assert len(grid.net.load) == 6
    assert grid.residential.all()
    assert len(grid.net.switch) == 0
    assert (grid.load_transformer == 0).all()
    # 3 kW per dwelling: 190 + 14.25 + 49.4 + 52.25 + 33.25 + 44.65 kW
    assert grid.dwelling_capacity == 63 + 5 + 16 + 17 + 11 + 15
