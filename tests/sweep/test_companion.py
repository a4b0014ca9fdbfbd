"""A companion run: the scenario of a run again, with another seed, capped in size."""

from __future__ import annotations

from pathlib import Path

import pytest

import twin
from tests.conftest import tiny_scenario_dict
from twin.errors import TwinError
from twin.scenario.loading import validate_scenario_dict
from twin.sweep import companion
from twin.sweep.companion import COMPANION_SEED_OFFSET, companion_run


@pytest.mark.slow
def test_companion_has_another_seed_fewer_homes_and_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = validate_scenario_dict(tiny_scenario_dict(**{"households.count": 12}))
    original = twin.run(scenario, out=tmp_path / "run", progress=False).path
    monkeypatch.setattr(companion, "COMPANION_MAX_HOUSEHOLDS", 10)
    made = companion_run(original, tmp_path / "companion")
    assert not made.reused
    assert made.seed == scenario.seed + COMPANION_SEED_OFFSET
    assert made.households == 10
    run = twin.open_run(made.path)
    assert run.manifest["seed"] == made.seed
    assert not run.has("internal/bus_voltage")
    again = companion_run(original, tmp_path / "companion")
    assert again.reused and again.path == made.path
    monkeypatch.setattr(companion, "COMPANION_MAX_HOUSEHOLDS", 11)  # another scenario: rerun
    assert companion_run(original, tmp_path / "companion").households == 11
    with pytest.raises(TwinError, match="the run itself"):
        companion_run(original, original)
    with pytest.raises(TwinError, match="not a finished run"):
        companion_run(tmp_path / "nothing", tmp_path / "c2")
