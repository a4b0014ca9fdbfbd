"""The split between what a utility holds and what only the simulator knows.

A run directory keeps both: ``internal/`` (the head-end, meter-data
management and SCADA tables a utility really has) and ``truth/`` (who really
lived where, which homes stood empty). A study that detects something must
see only the first; only its scorer may read the second. This module makes
that split a matter of types, not of discipline:

- :class:`InternalData` opens the ``internal/`` tables of a run and nothing
  else: it refuses ``truth/`` and ``external/`` names, and never hands out
  the run directory, its path or its manifest;
- :class:`TruthData` opens only ``truth/`` tables, for scoring;
- :func:`open_inputs` checks that a directory is a finished run and returns
  both.

A detector takes an :class:`InternalData` and cannot reach the truth through
it. (Python cannot stop a determined caller from opening files itself; the
tests check that detectors give identical answers on a copy of a run whose
``truth/`` folder has been removed.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from twin.errors import TwinError
from twin.streams import RunClock, RunDirectory, open_run

__all__ = [
    "INTERNAL",
    "TRUTH",
    "InternalData",
    "TruthAccessError",
    "TruthData",
    "open_inputs",
]

INTERNAL: Final = "internal"
TRUTH: Final = "truth"
_NAME = re.compile(r"^(?P<side>[a-z]+)/(?P<table>[a-z][a-z0-9_]*)$")


class TruthAccessError(TwinError):
    """A detector asked for a table outside ``internal/`` (ground truth or the user side)."""


class _SideView:
    """Read-only access to the tables of one side of a run, through its :class:`RunDirectory`."""

    _side: str = ""

    def __init__(self, run: RunDirectory) -> None:
        self.__run = run

    def _of_side(self, name: str) -> str:
        """``name`` if it names a table of this side, else :class:`TruthAccessError`."""
        match = _NAME.match(name)
        if match is None or match["side"] != self._side:
            raise TruthAccessError(
                f"table name given an invalid value {name!r}; this view reads only "
                f"'{self._side}/<table>' names"
            )
        return name

    def _checked(self, name: str) -> str:
        """``name`` if it is a table of this side present in the run."""
        if not self.has(name):
            raise TwinError(
                f"run has no table {name!r}, which this study needs; it has {self.tables}"
            )
        return name

    @property
    def tables(self) -> list[str]:
        """Names of this side's tables present in the run, such as ``internal/meter_interval``."""
        return [name for name in self.__run.tables if name.startswith(f"{self._side}/")]

    def has(self, name: str) -> bool:
        """Whether table ``name`` (of this side) exists in the run."""
        return self.__run.has(self._of_side(name))

    def dataset(self, name: str) -> ds.Dataset:
        """A lazy :class:`pyarrow.dataset.Dataset` over table ``name``.

        Raises
        ------
        TruthAccessError
            If ``name`` is not a table of this side.
        twin.errors.TwinError
            If the table is missing.
        """
        return self.__run.dataset(self._checked(name))

    def arrow(self, name: str, columns: list[str] | None = None, filter: Any = None) -> pa.Table:
        """Table ``name`` as a :class:`pyarrow.Table` (optionally some columns, filtered)."""
        return self.__run.arrow(self._checked(name), columns, filter)

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Table ``name`` as a pandas DataFrame (see :meth:`twin.streams.RunDirectory.table`).

        Timestamps tz-aware UTC, integer columns with nulls nullable ``Int64``,
        a table written in parts in time-then-id order.
        """
        return self.__run.table(self._checked(name), columns)


class InternalData(_SideView):
    """The ``internal/`` tables of a run: what the utility really holds.

    Parameters
    ----------
    run : twin.streams.RunDirectory
        A finished run directory.

    Attributes
    ----------
    clock : twin.streams.RunClock
        The metering set-up (interval, time zone, start, number of intervals).

    Notes
    -----
    Names outside ``internal/`` raise :class:`TruthAccessError`. The view does
    not expose the run's path or manifest: the manifest holds the scenario,
    whose vacancy shares a detector must not see.
    """

    _side = INTERNAL

    def __init__(self, run: RunDirectory) -> None:
        super().__init__(run)
        self.clock: RunClock = run.clock

    def __repr__(self) -> str:
        return f"InternalData({len(self.tables)} tables, interval {self.clock.interval_s} s)"


class TruthData(_SideView):
    """The ``truth/`` tables of a run: the simulator's ground truth, for scoring only."""

    _side = TRUTH

    def __repr__(self) -> str:
        return f"TruthData({len(self.tables)} tables)"


def open_inputs(run_dir: str | Path) -> tuple[InternalData, TruthData]:
    """Open a finished run as its internal and its truth side.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        The output folder of ``twin run``.

    Returns
    -------
    InternalData, TruthData
        The utility's view, and the ground truth for scoring.

    Raises
    ------
    twin.errors.TwinError
        If the folder is missing or is not a finished run (no readable
        ``manifest.json``, or no readable time section in it).
    """
    run = open_run(run_dir)
    clock = run.clock
    if clock.n_intervals <= 0:
        raise TwinError(
            f"{str(run.path)!r} has a manifest with interval {clock.interval_s} s from "
            f"{clock.start} to {clock.end}; expected a positive interval and end after start"
        )
    return InternalData(run), TruthData(run)
