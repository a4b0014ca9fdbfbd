"""Atomic output folders: write under a hidden name, rename into place when complete.

Everything gridtwin writes into a run directory (the run itself, a study's
results, the report) is first written into a hidden *partial* folder next to
its destination, ``.<name>.partial-<host>-<pid>-<token>``, and renamed into
place only when complete; an error removes it, so nothing half-written ever
looks finished. A process killed outright (SIGKILL, power loss) cannot remove
its partial folder: the next writer into the same destination removes it, but
only when the pid in its name is no longer alive on this host. A partial
folder of another host, of a live process, or without a pid in its name
(written by an older version) is left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "StagedFolder",
    "remove_stale_partials",
    "replace_file",
    "scratch_folder",
    "staged_folder",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._]")


def _host() -> str:
    """This machine's name, reduced to characters safe in a folder name."""
    return _UNSAFE.sub("_", socket.gethostname()) or "localhost"


def _hidden_name(destination: Path, kind: str) -> str:
    """``.<name>.<kind>-<host>-<pid>-<token>``: whose it is, for :func:`remove_stale_partials`."""
    token = uuid.uuid4().hex[:8]
    return f".{destination.name}.{kind}-{_host()}-{os.getpid()}-{token}"


def _hidden_pattern(destination: Path, kind: str) -> re.Pattern[str]:
    name = re.escape(destination.name)
    return re.compile(rf"^\.{name}\.{kind}-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{{8}}$")


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (True when that cannot be told)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, owned by someone else
        return True
    return True


def remove_stale_partials(destination: Path, kind: str = "partial") -> list[Path]:
    """Remove the partial folders of ``destination`` whose writer died on this host.

    Parameters
    ----------
    destination : pathlib.Path
        The folder being written (a run directory, ``studies/NAME``, ``report``).
    kind : str
        ``"partial"`` (:class:`StagedFolder`) or the kind of a :func:`scratch_folder`.

    Returns
    -------
    list of pathlib.Path
        The partial folders removed.
    """
    destination = Path(destination)
    pattern = _hidden_pattern(destination, kind)
    host = _host()
    removed: list[Path] = []
    if not destination.parent.is_dir():
        return removed
    for candidate in destination.parent.glob(f".{destination.name}.{kind}-*"):
        match = pattern.match(candidate.name)
        if match is None or match["host"] != host or _pid_alive(int(match["pid"])):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate)
    return removed


class StagedFolder:
    """A hidden partial folder that replaces ``destination`` on :meth:`commit`.

    Creating one removes the stale partial folders of the same destination
    (:func:`remove_stale_partials`).

    Parameters
    ----------
    destination : pathlib.Path
        The folder to create; its parent is created if needed.

    Attributes
    ----------
    path : pathlib.Path
        The partial folder to write into.
    """

    def __init__(self, destination: Path):
        self.destination = Path(destination)
        parent = self.destination.parent
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.destination)
        self.path = parent / _hidden_name(self.destination, "partial")
        self.path.mkdir()

    def commit(self) -> Path:
        """Move the partial folder into place, replacing any previous ``destination`` whole."""
        old = None
        if self.destination.exists():
            old = self.destination.parent / f".{self.destination.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(self.destination, old)
        os.replace(self.path, self.destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.destination

    def discard(self) -> None:
        """Remove the partial folder and everything in it; ``destination`` is left as it was."""
        shutil.rmtree(self.path, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(destination: Path) -> Iterator[Path]:
    """Yield a hidden partial folder that replaces ``destination`` when the block succeeds.

    On an exception the partial folder is removed and ``destination`` is left
    as it was.

    Examples
    --------
    >>> with staged_folder(run.path / "studies" / "vacancy") as out:  # doctest: +SKIP
    ...     write_json(out / "metrics.json", metrics)
    """
    staged = StagedFolder(destination)
    try:
        yield staged.path
    except BaseException:
        staged.discard()
        raise
    staged.commit()


@contextlib.contextmanager
def scratch_folder(destination: Path, kind: str) -> Iterator[Path]:
    """Yield a hidden work folder next to ``destination``, removed when the block ends.

    Named ``.<name>.<kind>-<host>-<pid>-<token>``: one left by a process
    killed outright is removed by the next scratch folder of the same kind
    and destination, as partial folders are (:func:`remove_stale_partials`).
    Used for what a run needs on the way but never keeps (the shards of a
    sharded run before the merge).
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(destination, kind)
    folder = destination.parent / _hidden_name(destination, kind)
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def replace_file(path: Path, write: Callable[[Path], object]) -> Path:
    """Write one file atomically: ``write`` fills a hidden sibling, renamed onto ``path``.

    A reader sees the old file or the new one, never a part of it; on an
    error the sibling is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : pathlib.Path
        The file to (re)place.
    write : callable
        Called with the temporary path to write, e.g.
        ``lambda p: frame.to_parquet(p, index=False)``.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
