"""The run's scoreboard: what was injected, what the head-end saw, data completeness.

A fault counts as *detected* only by what a real head-end has: legal events
that arrived (cover opened), silent meters and areas, restarts, clocks
beyond the limit, firmware results, blocks that failed verification. The
tampered records are not a detection rate: the legal records are sealed and
chained, so an altered, dropped or replayed record cannot pass verification
(``tampered_records``: ``injected`` by the simulator, ``rejected`` with their
blocks, ``accepted``, which the chain guarantees is 0).

Every figure is a count over meters or areas, so the scoreboards of the
shards of a run (each over its own meters and areas) merge into the whole
run's (:func:`merge_scoreboards`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from twin.engine.ami import Ami
from twin.engine.faults import FirmwareRecorder

__all__ = ["merge_scoreboards", "scoreboard", "scoreboard_lines"]

_WORST = 5
"""Meters listed under the worst buffer overflows."""

_METER_DETECTORS = {
    "management_crash": "restart_seen",
    "management_hang": "restart_seen",
    "clock_drift": "clock_flagged",
    "tamper": "fraud_seen",
}


def scoreboard(ami: Ami, fw: FirmwareRecorder, meter_ids: Sequence[str]) -> dict[str, Any]:
    """Injected vs detected per fault kind, tampered records, completeness, overflows.

    ``tampered_records`` holds ``injected``, ``rejected`` (in blocks that
    failed verification) and ``accepted`` (must be 0): an integrity check of
    the record chain, not a detection rate.

    Completeness is the share of legal intervals that reached the head-end
    as ``ok`` or ``backfilled`` by the end of the run.

    Parameters
    ----------
    ami : Ami
        The run's (or a shard's) metering infrastructure, finished.
    fw : FirmwareRecorder
        The firmware tally of :func:`~twin.engine.faults.schedule_ami_events`.
    meter_ids : sequence of str
        Identifier of each meter of ``ami``, by local position.

    Returns
    -------
    dict
        JSON-ready sections ``data``, ``buffer_overflow``, ``tampered_records``,
        ``blocks``, ``faults``, ``clock``, ``firmware``, ``events``, ``spi`` and
        ``concentrator_outages``; named counts are in key order.
    """
    hes = ami.hes
    seen = ami.supervision
    st = hes.stats
    expected = ami.n * ami.axis.n_intervals
    q = st.by_quality
    faults: dict[str, dict[str, int]] = {}
    if ami.ledger.areas:
        areas = np.fromiter(ami.ledger.areas, dtype=np.int64)
        faults["concentrator_outage"] = {
            "injected": int(areas.size),
            "detected": int(seen.area_silent[areas].sum()),
        }
    for kind, meters in ami.ledger.meters.items():
        if kind.endswith("_observed"):
            continue
        idx = np.fromiter(meters, dtype=np.int64)
        if kind in _METER_DETECTORS:
            flag = getattr(seen, _METER_DETECTORS[kind])
            faults[kind] = {"injected": int(idx.size), "detected": int(flag[idx].sum())}
        elif kind == "firmware_failure":
            observed = ami.ledger.meters.get("firmware_failure_observed", set())
            faults[kind] = {"injected": int(idx.size), "detected": len(meters & observed)}
        elif kind == "compromised_management":
            active = hes.tampered_meters[idx]
            faults[kind] = {
                "injected": int(idx.size),
                "tampering": int(active.sum()),
                "detected": int((active & hes.rejected_meters[idx]).sum()),
            }
    worst = np.argsort(-hes.overflow, kind="stable")[:_WORST]
    return {
        "data": {
            "expected_intervals": expected,
            **{k: int(v) for k, v in q.items()},
            "completeness_percent": _completeness(q, expected),
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
            "rejected": st.tampered_rejected,
            "accepted": st.tampered_accepted,
        },
        "blocks": {
            "verified": st.blocks_verified,
            "rejected": st.blocks_rejected,
            "rejected_by_reason": _sorted(st.rejected_by_reason),
        },
        "faults": faults,
        "clock": {
            "syncs": int(ami.clocks.syncs.sum()),
            "meters_beyond_limit": int(seen.clock_flagged.sum()),
        },
        "firmware": _sorted(fw.results),
        "events": {
            "logged": _sorted(ami.metrology.events.counts),
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


def _completeness(quality: Mapping[str, int], expected: int) -> float:
    return round(100.0 * (quality["ok"] + quality["backfilled"]) / max(expected, 1), 4)


def _sorted(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: int(counts[k]) for k in sorted(counts)}


def _sum_counts(parts: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """Key-wise sums, keys in order of first appearance."""
    out: dict[str, int] = {}
    for part in parts:
        for key, value in part.items():
            out[key] = out.get(key, 0) + int(value)
    return out


def merge_scoreboards(boards: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The whole run's scoreboard from the scoreboards of its shards.

    Counts are summed, the completeness is recomputed from the summed counts
    and the worst buffer overflows are picked again from the shards' worst
    (most records first, ties by meter id, which orders meters by fleet
    position for the zero-padded ids of a run).

    Parameters
    ----------
    boards : sequence of dict
        :func:`scoreboard` of each shard (disjoint meters, whole areas), as
        returned or after a JSON round trip.

    Returns
    -------
    dict
        What :func:`scoreboard` gives for the unsharded run.

    Raises
    ------
    ValueError
        When ``boards`` is empty.
    """
    if not boards:
        raise ValueError("given no scoreboards; expected one per shard")

    def section(name: str) -> list[Mapping[str, Any]]:
        return [b[name] for b in boards]

    data: dict[str, Any] = _sum_counts(section("data"))
    data.pop("completeness_percent")
    data["completeness_percent"] = _completeness(data, data["expected_intervals"])
    worst = sorted(
        (dict(w) for b in section("buffer_overflow") for w in b["worst"]),
        key=lambda w: (-int(w["records"]), str(w["meter_id"])),
    )[:_WORST]
    overflow = section("buffer_overflow")
    blocks = section("blocks")
    faults: dict[str, dict[str, int]] = {}
    kinds = _sum_counts([dict.fromkeys(b, 0) for b in section("faults")])
    for kind in sorted(kinds, key=lambda k: k != "concentrator_outage"):
        faults[kind] = _sum_counts([b[kind] for b in section("faults") if kind in b])
    events = section("events")
    return {
        "data": data,
        "buffer_overflow": {
            "meters": sum(int(b["meters"]) for b in overflow),
            "records": sum(int(b["records"]) for b in overflow),
            "worst": [{"meter_id": w["meter_id"], "records": int(w["records"])} for w in worst],
        },
        "tampered_records": _sum_counts(section("tampered_records")),
        "blocks": {
            "verified": sum(int(b["verified"]) for b in blocks),
            "rejected": sum(int(b["rejected"]) for b in blocks),
            "rejected_by_reason": _sorted(_sum_counts([b["rejected_by_reason"] for b in blocks])),
        },
        "faults": faults,
        "clock": _sum_counts(section("clock")),
        "firmware": _sorted(_sum_counts(section("firmware"))),
        "events": {
            "logged": _sorted(_sum_counts([e["logged"] for e in events])),
            **{k: sum(int(e[k]) for e in events) for k in ("received", "rejected", "undelivered")},
        },
        "spi": _sum_counts(section("spi")),
        "concentrator_outages": sum(int(b["concentrator_outages"]) for b in boards),
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
        f"  tampered records  {t['injected']:,} injected, {t['rejected']:,} rejected by "
        f"verification, {t['accepted']:,} accepted",
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
