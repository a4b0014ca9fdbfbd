"""Atomic output folders: replaced whole on success, untouched on error, stale partials removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from twin.streams import (
    RunWriter,
    StagedFolder,
    open_run,
    remove_stale_partials,
    replace_file,
    scratch_folder,
    staged_folder,
)

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from twin.streams import StagedFolder
staged = StagedFolder(Path(sys.argv[1]))
(staged.path / "half.parquet").write_bytes(b"half")
print(staged.path.name, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _killed_writer_partial(destination: Path) -> Path:
    """The partial folder of a writer killed with SIGKILL while writing ``destination``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(destination)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    partial = destination.parent / done.stdout.strip()
    assert partial.is_dir() and (partial / "half.parquet").is_file()
    return partial


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.skipif(os.name == "nt", reason="pids are checked with os.kill(pid, 0)")
def test_a_writer_removes_partials_of_dead_writers_only(tmp_path: Path) -> None:
    destination = tmp_path / "run"
    dead = _killed_writer_partial(destination)
    pid = int(dead.name.rsplit("-", 2)[1])
    live = StagedFolder(destination)  # still being written by this process
    other_host = tmp_path / f".run.partial-elsewhere.example-{pid}-0123abcd"
    older = tmp_path / ".run.partial-89abcdef"  # no pid: written by an older version
    sibling = _killed_writer_partial(tmp_path / "other")  # another destination's
    for folder in (other_host, older):
        folder.mkdir()

    with RunWriter(destination) as writer:
        writer.commit(manifest={"name": "x"}, scenario={"name": "x"})

    assert not dead.exists()
    assert live.path.is_dir() and other_host.is_dir() and older.is_dir() and sibling.is_dir()
    assert open_run(destination).manifest["name"] == "x"
    live.discard()
    assert remove_stale_partials(tmp_path / "other") == [sibling]
    assert _hidden(tmp_path) == sorted([other_host.name, older.name])


@pytest.mark.skipif(os.name == "nt", reason="pids are checked with os.kill(pid, 0)")
def test_staged_folder_removes_stale_partials_of_its_destination(tmp_path: Path) -> None:
    destination = tmp_path / "studies" / "vacancy"
    dead = _killed_writer_partial(destination)
    with staged_folder(destination) as out:
        (out / "metrics.json").write_text("{}")
    assert not dead.exists()
    assert sorted(p.name for p in destination.parent.iterdir()) == ["vacancy"]


def test_staged_folder_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    destination = tmp_path / "report"
    with staged_folder(destination) as out:
        assert out.parent == tmp_path and out.name.startswith(".report.partial-")
        (out / "index.html").write_text("first")
        (out / "old.png").write_text("png")
    with pytest.raises(RuntimeError), staged_folder(destination) as out:
        (out / "index.html").write_text("half")
        raise RuntimeError("figure failed")
    assert (destination / "index.html").read_text() == "first"
    with staged_folder(destination) as out:
        (out / "index.html").write_text("second")
    assert sorted(p.name for p in destination.iterdir()) == ["index.html"]
    assert (destination / "index.html").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_a_scratch_folder_is_removed_whatever_happens(tmp_path: Path) -> None:
    destination = tmp_path / "city"
    with scratch_folder(destination, "shards") as work:
        (work / "shard-000").mkdir()
        assert work.parent == tmp_path and work.name.startswith(".city.shards-")
    assert not work.exists()
    with pytest.raises(RuntimeError), scratch_folder(destination, "shards") as work:
        raise RuntimeError("a shard failed")
    assert not work.exists()
    # one left by a killed process (a dead pid on this host) goes with the next one
    dead = tmp_path / work.name.replace(f"-{os.getpid()}-", "-999999999-")
    dead.mkdir()
    with scratch_folder(destination, "shards"):
        assert not dead.exists()


def test_replace_file_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "sweep.parquet"
    replace_file(path, lambda p: p.write_text("old"))

    def half(p: Path) -> None:
        p.write_text("ha")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_file(path, half)
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.parquet"]
    replace_file(path, lambda p: p.write_text("new"))
    assert path.read_text() == "new"
