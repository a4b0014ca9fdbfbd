"""Where a run's time goes: wall time per stage of the interval loop.

The interval loop laps a :class:`StageClock` after each of its stages
(devices, discrete events, power flow, metrology, ...), so each stage's
time is the wall time since the previous lap: two ``perf_counter`` calls per
stage and interval, a few microseconds per interval in all. The run
summary keeps the stages' time per simulated interval and the time each
table spent writing row groups (``summary.profile`` in the manifest;
``twin run --profile`` prints it). A table's writes inside the loop are
also inside the stage that appended its rows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

__all__ = ["StageClock", "merge_profiles", "profile_lines"]


class StageClock:
    """Wall time per named stage [s], accumulated over the run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def mark(self) -> None:
        """Start timing from now (time since the last lap is not counted)."""
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        """Count the time since the last mark or lap to ``stage``."""
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._t
        self._t = now

    def profile(self, intervals: int, table_write_s: Mapping[str, float]) -> dict[str, Any]:
        """The run summary's ``profile``: ms per interval per stage, seconds per table."""
        n = max(intervals, 1)
        return {
            "ms_per_interval": {k: round(v / n * 1e3, 4) for k, v in self.seconds.items()},
            "table_write_s": {k: round(v, 4) for k, v in sorted(table_write_s.items()) if v > 0},
        }


def merge_profiles(parts: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A sharded run's profile: the shards' times added up, stage by stage and table by
    table (the work of all shards, not the wall time of the slowest)."""
    out: dict[str, dict[str, float]] = {"ms_per_interval": {}, "table_write_s": {}}
    for part in parts:
        for block, values in out.items():
            for key, value in (part.get(block) or {}).items():
                values[key] = round(values.get(key, 0.0) + float(value), 4)
    return out


def profile_lines(profile: Mapping[str, Any]) -> list[str]:
    """The profile as aligned text: stages by time, then the tables' writes by time."""
    stages: Mapping[str, float] = profile.get("ms_per_interval", {})
    if not stages:
        return []
    total = sum(stages.values())
    lines = ["profile (wall time per simulated interval)"]
    for name, ms in sorted(stages.items(), key=lambda kv: -kv[1]):
        share = ms / total if total > 0 else 0.0
        lines.append(f"  {name:<36} {ms:8.3f} ms  {share:6.1%}")
    lines.append(f"  {'all stages':<36} {total:8.3f} ms")
    writes: Mapping[str, float] = profile.get("table_write_s", {})
    if writes:
        lines.append("table writes (row groups, whole run; inside the stages above)")
        for name, s in sorted(writes.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {name:<40} {s:8.3f} s")
    return lines
