"""The run summary's figures of the platform's services: alarms per source, open at the end,
safety outcomes, demand-response events and signals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["alarm_lines", "demand_response_lines", "merge_alarm_counts"]


def merge_alarm_counts(parts: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The whole run's alarm figures from its shards' (counts add up, key by key)."""
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, Mapping):
                inner = out.setdefault(key, {})
                for k, v in value.items():
                    inner[k] = inner.get(k, 0) + int(v)
            else:
                out[key] = out.get(key, 0) + int(value)
    for key, value in out.items():
        if isinstance(value, dict):
            out[key] = dict(sorted(value.items()))
    return out


def alarm_lines(counts: Mapping[str, Any]) -> list[str]:
    """Summary lines: alarms per source and open at the end; safety failures and work."""
    if not counts:
        return []
    raised: Mapping[str, int] = counts.get("raised", {})
    total = sum(raised.values())
    per = ", ".join(f"{k} {v:,}" for k, v in sorted(raised.items(), key=lambda kv: -kv[1]))
    lines = [
        f"  alarms            {total:,} raised{f' ({per})' if per else ''}, "
        f"{int(counts.get('open_at_end', 0)):,} open at the end"
    ]
    if "work_orders" in counts:
        failures: Mapping[str, int] = counts.get("failures", {})
        kinds = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in failures.items())
        lines.append(
            f"  safety            {sum(failures.values()):,} failure(s)"
            f"{f' ({kinds})' if kinds else ''}, {int(counts['work_orders']):,} work order(s)"
        )
    return lines


def demand_response_lines(counts: Mapping[str, int]) -> list[str]:
    """Summary line: demand-response events and what became of their signals."""
    if not counts:
        return []
    return [
        f"  demand response   {counts['events']:,} event(s), {counts['signals']:,} signal(s): "
        f"{counts['delivered']:,} delivered, {counts['acted']:,} acted on, "
        f"{counts['opted_out']:,} opted out"
    ]
