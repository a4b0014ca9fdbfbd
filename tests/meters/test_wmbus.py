"""Volume meters read over wireless M-Bus: registers, lost telegrams, backfill."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.meters.wmbus import QUALITY, WmbusMeters
from twin.random_streams import ItemStreams


def _meters(n: int, loss: float, depth: int, seed: int = 0) -> WmbusMeters:
    return WmbusMeters(ItemStreams(seed, "wmbus-test", np.arange(n)), loss=loss, log_depth=depth)


@settings(max_examples=40, deadline=None)
@given(
    loss=st.floats(0.0, 0.9),
    depth=st.integers(1, 30),
    readings=st.integers(1, 60),
    seed=st.integers(0, 1_000),
)
def test_every_reading_is_settled_once_and_volumes_add_up(
    loss: float, depth: int, readings: int, seed: int
) -> None:
    n = 5
    m = _meters(n, loss, depth, seed)
    rng = np.random.default_rng(seed)
    rows = []
    for j in range(readings):
        m.add(rng.exponential(7.3, n))
        rows.append(m.read(float((j + 1) * 3600), np.ones(n, dtype=bool)))
    rows.append(m.finish())
    meter = np.concatenate([r.meter for r in rows])
    reading = np.concatenate([r.reading for r in rows])
    litres = np.concatenate([r.litres for r in rows])
    quality = np.concatenate([r.quality for r in rows])
    # one row per meter and reading time
    assert meter.size == n * readings
    assert np.unique(meter * readings + reading).size == n * readings
    missing = quality == QUALITY.index("missing")
    assert np.all(litres[missing] == 0)
    assert np.all(litres >= 0)
    if not missing.any():  # nothing lost for good: the volumes are the registers
        np.testing.assert_array_equal(np.bincount(meter, litres, n), m.register_l)
    if loss == 0.0:
        assert np.all(quality == QUALITY.index("ok"))


def test_a_missed_reading_is_backfilled_from_the_log_or_missing_beyond_it() -> None:
    m = _meters(1, 0.0, 3)  # the log holds the registers of the last 3 readings
    down = np.zeros(1, dtype=bool)
    up = np.ones(1, dtype=bool)
    volumes = [10.4, 20.0, 30.0, 40.0, 50.0]  # registers 10, 30, 60, 100, 150 l
    got = []
    for j, v in enumerate(volumes):
        m.add(np.array([v]))
        got.append(m.read(float(j + 1), up if j in (0, 4) else down))
    last = got[4]
    assert last.reading.tolist() == [1, 2, 3, 4]
    # reading 2 needs the register at reading 1, which the log no longer holds
    assert [QUALITY[q] for q in last.quality] == ["missing", "missing", "backfilled", "ok"]
    assert last.litres.tolist() == [0, 0, 40, 50]
    assert got[0].litres.tolist() == [10]
    assert m.register_l.tolist() == [150]
    assert np.isnan(last.received_s[0]) and last.received_s[3] == 5.0 + 900


def test_a_core_that_is_down_hears_nothing() -> None:
    m = _meters(3, 0.0, 5)
    m.add(np.ones(3))
    rows = m.read(3600.0, np.array([True, False, True]))
    assert rows.meter.tolist() == [0, 2]
