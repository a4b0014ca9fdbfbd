"""The run's scoreboard: what was injected, what the head-end detected, data completeness."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from twin.engine.ami import Ami
from twin.engine.faults import FirmwareRecorder

__all__ = ["scoreboard", "scoreboard_lines"]

_METER_DETECTORS = {
    "management_crash": "restart_seen",
    "management_hang": "restart_seen",
    "clock_drift": "clock_flagged",
    "tamper": "fraud_seen",
}


def scoreboard(ami: Ami, fw: FirmwareRecorder, meter_ids: Sequence[str]) -> dict[str, Any]:
    """Injected vs detected per fault kind, tampered records, completeness, overflows.

    Completeness is the share of legal intervals that reached the head-end
    as ``ok`` or ``backfilled`` by the end of the run.
    """
    assert ami.hes is not None
    hes = ami.hes
    st = hes.stats
    expected = ami.n * ami.axis.n_intervals
    q = st.by_quality
    faults: dict[str, dict[str, int]] = {}
    if ami.ledger.areas:
        areas = np.fromiter(ami.ledger.areas, dtype=np.int64)
        faults["concentrator_outage"] = {
            "injected": int(areas.size),
            "detected": int(ami.area_silent[areas].sum()),
        }
    for kind, meters in ami.ledger.meters.items():
        if kind.endswith("_observed"):
            continue
        idx = np.fromiter(meters, dtype=np.int64)
        if kind in _METER_DETECTORS:
            flag = getattr(ami, _METER_DETECTORS[kind])
            faults[kind] = {"injected": int(idx.size), "detected": int(flag[idx].sum())}
        elif kind == "firmware_failure":
            seen = ami.ledger.meters.get("firmware_failure_observed", set())
            faults[kind] = {"injected": int(idx.size), "detected": len(meters & seen)}
        elif kind == "compromised_management":
            active = hes.tampered_meters[idx]
            faults[kind] = {
                "injected": int(idx.size),
                "tampering": int(active.sum()),
                "detected": int((active & hes.rejected_meters[idx]).sum()),
            }
    worst = np.argsort(-hes.overflow, kind="stable")[:5]
    return {
        "data": {
            "expected_intervals": expected,
            **{k: int(v) for k, v in q.items()},
            "completeness_percent": round(
                100.0 * (q["ok"] + q["backfilled"]) / max(expected, 1), 4
            ),
        },
        "buffer_overflow": {
            "meters": int((hes.overflow > 0).sum()),
            "records": int(hes.overflow.sum()),
            "worst": [
                {"meter_id": meter_ids[i], "records": int(hes.overflow[i])}
                for i in worst.tolist()
                if hes.overflow[i] > 0
            ],
        },
        "tampered_records": {
            "injected": st.tampered_records,
            "detected": st.tampered_detected,
            "accepted": st.tampered_accepted,
        },
        "blocks": {
            "verified": st.blocks_verified,
            "rejected": st.blocks_rejected,
            "rejected_by_reason": dict(st.rejected_by_reason),
        },
        "faults": faults,
        "clock": {
            "syncs": int(ami.clocks.syncs.sum()),
            "meters_beyond_limit": int(ami.clock_flagged.sum()),
        },
        "firmware": dict(fw.results),
        "events": {
            "logged": dict(ami.metrology.events.counts),
            "received": st.events_received,
            "rejected": st.events_rejected,
            "undelivered": ami.metrology.events.pending,
        },
        "spi": {
            "readback_polls": ami.spi.stats.readback_polls,
            "deferred_polls": ami.spi.stats.deferred_polls,
        },
        "concentrator_outages": int(ami.concentrators.outage_count.sum()),
    }


def scoreboard_lines(board: dict[str, Any]) -> list[str]:
    """The scoreboard as summary lines."""
    d, t = board["data"], board["tampered_records"]
    lines = [
        f"  data completeness {d['completeness_percent']:.3f} % ({d['ok']:,} ok, "
        f"{d['backfilled']:,} backfilled, {d['estimated']:,} estimated, "
        f"{d['missing']:,} missing)",
        f"  buffer overflows  {board['buffer_overflow']['records']:,} record(s) on "
        f"{board['buffer_overflow']['meters']:,} meter(s)",
        f"  tampered records  {t['injected']:,} injected, {t['detected']:,} detected, "
        f"{t['accepted']:,} accepted",
        f"  clock             {board['clock']['syncs']:,} sync(s), "
        f"{board['clock']['meters_beyond_limit']:,} meter(s) beyond the limit",
    ]
    if board["firmware"]:
        lines.append(
            "  firmware          "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(board["firmware"].items()))
        )
    for kind, row in sorted(board["faults"].items()):
        lines.append(
            f"  fault {kind:<22} {row['injected']:,} injected, {row['detected']:,} detected"
        )
    return lines
