"""Resolving candidate moves and holidays: the rounds give the premise-by-premise rules."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.devices.households.schedule import (
    MIN_SEPARATION_S,
    MIN_TENANCY_S,
    Episodes,
    resolve_conflicts,
)

DAY = 86_400


def _resolve_one_by_one(moves: Episodes, holidays: Episodes) -> Episodes:
    """The rules of :func:`resolve_conflicts` stated directly: one candidate at a time."""
    kept: dict[int, list[tuple[int, int]]] = {}
    keep_moves = np.zeros(len(moves), dtype=bool)
    for j in np.lexsort((moves.start_s, moves.premise)):
        p, a, b = int(moves.premise[j]), int(moves.start_s[j]), int(moves.end_s[j])
        spans = kept.setdefault(p, [])
        if b <= a or (spans and a < spans[-1][0] + MIN_TENANCY_S):
            continue
        if spans and a < spans[-1][1] + MIN_SEPARATION_S:
            continue
        spans.append((a, b))
        keep_moves[j] = True
    keep_hol = np.zeros(len(holidays), dtype=bool)
    last_end: dict[int, int] = {}
    for j in np.lexsort((holidays.start_s, holidays.premise)):
        p, a, b = int(holidays.premise[j]), int(holidays.start_s[j]), int(holidays.end_s[j])
        if b <= a or (p in last_end and a < last_end[p] + MIN_SEPARATION_S):
            continue
        if any(a < y + MIN_SEPARATION_S and x < b + MIN_SEPARATION_S for x, y in kept.get(p, [])):
            continue
        last_end[p] = b
        keep_hol[j] = True
    parts = [
        Episodes(e.premise[m], e.start_s[m], e.end_s[m], e.kind[m])
        for e, m in ((moves, keep_moves), (holidays, keep_hol))
    ]
    return Episodes.concat(parts)


def _candidates(kind: str) -> st.SearchStrategy[Episodes]:
    one = st.tuples(
        st.integers(0, 5), st.integers(-30, 400), st.integers(-2, 90), st.sampled_from([0, 1])
    )

    def build(rows: list[tuple[int, int, int, int]]) -> Episodes:
        premise = np.asarray([r[0] for r in rows], dtype=np.int64)
        start = np.asarray([r[1] * DAY + r[3] * DAY // 2 for r in rows], dtype=np.int64)
        end = start + np.asarray([r[2] * DAY for r in rows], dtype=np.int64)
        return Episodes(premise, start, end, np.full(len(rows), kind, dtype=object))

    return st.lists(one, max_size=40).map(build)


@settings(max_examples=200, deadline=None)
@given(moves=_candidates("between_tenants"), holidays=_candidates("holiday"))
def test_rounds_keep_what_the_one_by_one_rules_keep(moves: Episodes, holidays: Episodes) -> None:
    got, expected = resolve_conflicts(moves, holidays), _resolve_one_by_one(moves, holidays)
    for name in ("premise", "start_s", "end_s", "kind"):
        assert np.array_equal(getattr(got, name), getattr(expected, name)), name
    for p in np.unique(got.premise):
        mine = got.premise == p
        start, end = got.start_s[mine], got.end_s[mine]
        assert np.all(start[1:] >= end[:-1] + MIN_SEPARATION_S)  # apart, in order
