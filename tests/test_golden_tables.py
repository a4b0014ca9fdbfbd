"""The tables of fixed small runs stay what they were when they were committed.

Restructuring the code must not change what a run writes. The scenarios in
``tests/data/golden/`` were run once and their tables committed beside them
(``<name>/<side>/<table>.parquet``); these tests run them again and compare
every table value for value (floats to 1e-9 relative, so a newer solver
build's last bits do not count as a change), plus the manifest's row counts
and scoreboard.

When a change is *meant* to change the tables, regenerate the committed ones
on purpose and say why in the commit::

    python tests/test_golden_tables.py
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

import twin

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
SCENARIOS = sorted(p.stem for p in GOLDEN.glob("*.yaml"))
MEASURED = {"truth/power_flow": ["solve_ms"]}
"""Wall-clock measurements, never the same twice."""


def _run(name: str, out: Path) -> twin.RunDirectory:
    scenario = twin.load_scenario(GOLDEN / f"{name}.yaml")
    return twin.run(scenario, out=out, progress=False)


def _tables(path: Path) -> list[str]:
    return sorted(
        str(p.relative_to(path).with_suffix("")).replace("\\", "/")
        for p in path.glob("*/*.parquet")
    )


def _comparable(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = frame.drop(columns=MEASURED.get(name, []))
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    return frame.reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_tables_match_the_committed_ones(name: str, tmp_path: Path) -> None:
    expected_dir = GOLDEN / name
    run = _run(name, tmp_path / name)
    expected = twin.open_run(expected_dir)
    assert run.tables == _tables(expected_dir)
    for table in run.tables:
        got, want = run.table(table), expected.table(table)
        assert list(got.columns) == list(want.columns), table
        pd.testing.assert_frame_equal(
            _comparable(got, table),
            _comparable(want, table),
            check_exact=False,
            rtol=1e-9,
            atol=0.0,
            obj=table,
        )
    committed = expected.manifest
    assert run.manifest["row_counts"] == committed["row_counts"]
    assert run.manifest["scoreboard"] == committed["scoreboard"]


def regenerate() -> None:
    """Run every golden scenario and commit its tables and manifest (nothing else)."""
    for name in SCENARIOS:
        target = GOLDEN / name
        scratch = GOLDEN / f".{name}.new"
        shutil.rmtree(scratch, ignore_errors=True)
        run = _run(name, scratch / "run")
        scratch_keep = scratch / name
        scratch_keep.mkdir()
        for table in run.tables:
            side = scratch_keep / table.split("/")[0]
            side.mkdir(exist_ok=True)
            shutil.move(run.path / f"{table}.parquet", side / f"{table.split('/')[1]}.parquet")
        manifest = {k: run.manifest[k] for k in ("name", "seed", "row_counts", "scoreboard")}
        (scratch_keep / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(scratch_keep, target)
        shutil.rmtree(scratch)
        print(f"{name} -> {target}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
