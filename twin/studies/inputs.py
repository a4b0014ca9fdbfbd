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

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from twin.errors import TwinError

__all__ = [
    "INTERNAL",
    "TRUTH",
    "InternalData",
    "RunClock",
    "TruthAccessError",
    "TruthData",
    "open_inputs",
]

INTERNAL: Final = "internal"
TRUTH: Final = "truth"
_NAME = re.compile(r"^(?P<side>[a-z]+)/(?P<table>[a-z][a-z0-9_]*)$")


class TruthAccessError(TwinError):
    """A detector asked for a table outside ``internal/`` (ground truth or the user side)."""


@dataclass(frozen=True)
class RunClock:
    """What a utility knows about its own metering set-up (nothing about the homes).

    Attributes
    ----------
    interval_s : int
        Metering interval [s].
    timezone : str
        IANA time zone of the service area (local days, weekdays).
    start : pandas.Timestamp
        Start of the first metering interval (UTC).
    end : pandas.Timestamp
        End of the last metering interval (UTC).
    """

    interval_s: int
    timezone: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def n_intervals(self) -> int:
        """Number of metering intervals of the run."""
        return int((self.end - self.start).total_seconds()) // self.interval_s


class _SideView:
    """Read-only access to the tables of one side of a run directory."""

    _side: str = ""

    def __init__(self, run_dir: Path) -> None:
        self.__root = Path(run_dir)

    def _path(self, name: str) -> Path:
        match = _NAME.match(name)
        if match is None or match["side"] != self._side:
            raise TruthAccessError(
                f"table name given an invalid value {name!r}; this view reads only "
                f"'{self._side}/<table>' names"
            )
        return self.__root / f"{name}.parquet"

    @property
    def tables(self) -> list[str]:
        """Names of this side's tables present in the run, such as ``internal/meter_interval``."""
        folder = self.__root / self._side
        return sorted(f"{self._side}/{p.stem}" for p in folder.glob("*.parquet"))

    def has(self, name: str) -> bool:
        """Whether table ``name`` (of this side) exists in the run."""
        return self._path(name).exists()

    def dataset(self, name: str) -> ds.Dataset:
        """A lazy :class:`pyarrow.dataset.Dataset` over table ``name``.

        Raises
        ------
        TruthAccessError
            If ``name`` is not a table of this side.
        twin.errors.TwinError
            If the table is missing.
        """
        path = self._path(name)
        if not path.exists():
            raise TwinError(
                f"run has no table {name!r}, which this study needs; it has {self.tables}"
            )
        return ds.dataset(path, format="parquet")

    def arrow(self, name: str, columns: list[str] | None = None, filter: Any = None) -> pa.Table:
        """Table ``name`` as a :class:`pyarrow.Table` (optionally some columns, filtered)."""
        return self.dataset(name).to_table(columns=columns, filter=filter)

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Table ``name`` as a pandas DataFrame (timestamps tz-aware UTC)."""
        return self.arrow(name, columns).to_pandas()


class InternalData(_SideView):
    """The ``internal/`` tables of a run: what the utility really holds.

    Parameters
    ----------
    run_dir : pathlib.Path
        A finished run directory.
    clock : RunClock
        The metering set-up (interval, time zone, span).

    Notes
    -----
    Names outside ``internal/`` raise :class:`TruthAccessError`. The view does
    not expose the run's path or manifest: the manifest holds the scenario,
    whose vacancy shares a detector must not see.
    """

    _side = INTERNAL

    def __init__(self, run_dir: Path, clock: RunClock) -> None:
        super().__init__(run_dir)
        self.clock = clock

    def __repr__(self) -> str:
        return f"InternalData({len(self.tables)} tables, interval {self.clock.interval_s} s)"


class TruthData(_SideView):
    """The ``truth/`` tables of a run: the simulator's ground truth, for scoring only."""

    _side = TRUTH

    def __repr__(self) -> str:
        return f"TruthData({len(self.tables)} tables)"


def _timedelta(value: Any) -> pd.Timedelta:
    """A duration from the manifest: seconds as a number, or a string like ``15min``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return pd.Timedelta(seconds=float(value))
    return pd.Timedelta(str(value))


def _local(stamp: Any, zone: str) -> pd.Timestamp:
    value = pd.Timestamp(stamp)
    return value.tz_localize(zone) if value.tzinfo is None else value.tz_convert(zone)


def _clock(manifest: dict[str, Any], folder: Path) -> RunClock:
    """The metering set-up from the manifest's resolved scenario (and summary)."""
    try:
        time = manifest["scenario"]["time"]
        zone = str(time.get("timezone") or "UTC")
        start = _local(time["start"], zone)
        interval = _timedelta(time["interval"])
        if time.get("duration"):
            end = start + _timedelta(time["duration"])
        elif time.get("end"):
            end = _local(time["end"], zone)
        else:
            end = start + interval * int(manifest["summary"]["intervals"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TwinError(
            f"{str(folder)!r} has a manifest without a readable scenario time section "
            f"(problem: {exc!s}); expected the output folder of `twin run`"
        ) from None
    interval_s = int(interval.total_seconds())
    if interval_s <= 0 or end <= start:
        raise TwinError(
            f"{str(folder)!r} has a manifest with interval {interval!s} from {start} to {end}; "
            "expected a positive interval and end after start"
        )
    return RunClock(interval_s, zone, start.tz_convert("UTC"), end.tz_convert("UTC"))


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
        ``manifest.json``).
    """
    folder = Path(run_dir)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise TwinError(
            f"{str(folder)!r} is not a finished run directory (no manifest.json); "
            "expected the output folder of `twin run`"
        )
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise TwinError(f"{str(manifest_path)!r} cannot be read: {exc!s}") from None
    if not isinstance(manifest, dict):
        raise TwinError(f"{str(manifest_path)!r} is not a run manifest (not a JSON object)")
    clock = _clock(manifest, folder)
    return InternalData(folder, clock), TruthData(folder)
