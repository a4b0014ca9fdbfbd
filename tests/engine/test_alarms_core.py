"""The alarm log and the condition tracker; apartment buildings from the meter points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.clock import TimeAxis
from twin.engine.alarm_summary import alarm_lines, merge_alarm_counts
from twin.engine.alarms import AlarmLog, ConditionTracker
from twin.engine.buildings import apartment_buildings
from twin.engine.meter_points import MeterPoints
from twin.streams import RunWriter


def _axis() -> TimeAxis:
    return TimeAxis(pd.Timestamp("2025-01-01", tz="Europe/Berlin"), 900, 96, "Europe/Berlin")


def test_ids_count_per_source_and_device_and_tables_hold_every_alarm(tmp_path):
    axis = _axis()
    with RunWriter(tmp_path / "run") as writer:
        log = AlarmLog(axis, writer)
        heard = []
        log.listeners.append(heard.append)
        kw = dict(premise_id="P1", kind="k", severity="major", value=1.0, threshold=0.5, unit="mA")
        a = log.raise_alarm(source="safety", device_id="S1", time_s=900, cause="false", **kw)
        b = log.raise_alarm(source="safety", device_id="S1", time_s=1800, cause="hazard", **kw)
        c = log.raise_alarm(source="voltage", device_id="S1", time_s=0, cause="condition", **kw)
        log.clear(a, 2700)
        log.clear(a, 3600)  # the first clear counts
        log.acknowledge(b, 1000)  # never before it was raised
        log.finish()
        path = writer.commit(manifest={}, scenario={})
    assert [x.alarm_id for x in heard] == ["A-safety-S1-0001", "A-safety-S1-0002", c.alarm_id]
    alarms = pd.read_parquet(path / "external/alarm.parquet")
    assert list(alarms.alarm_id) == [c.alarm_id, a.alarm_id, b.alarm_id]  # by raised time
    assert alarms.set_index("alarm_id").cleared_at[a.alarm_id] == axis.start + pd.Timedelta("45min")
    ack = alarms.set_index("alarm_id").acknowledged_at[b.alarm_id]
    assert ack == axis.start + pd.Timedelta("30min")
    safety = pd.read_parquet(path / "external/safety_alarm.parquet")
    assert set(safety.alarm_id) == {a.alarm_id, b.alarm_id}
    cause = pd.read_parquet(path / "truth/alarm_cause.parquet")
    assert dict(zip(cause.alarm_id, cause.cause, strict=True))[b.alarm_id] == "hazard"
    with pytest.raises(ValueError, match="severity"):
        log.raise_alarm(
            source="x", device_id="d", time_s=0, cause="false", **{**kw, "severity": "bad"}
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.booleans(), min_size=1, max_size=60),
    st.integers(1, 5),
    st.integers(1, 5),
)
def test_tracker_raises_after_the_delay_and_clears_after_the_clear_delay(cond, up, down):
    tracker = ConditionTracker(1, up, down)
    state, run_on, run_off = False, 0, 0
    for c in cond:
        raised, cleared = tracker.step(np.array([c]))
        run_on, run_off = (run_on + 1, 0) if c else (0, run_off + 1)
        if not state and run_on >= up:
            assert raised.tolist() == [0]
            state = True
        elif state and run_off >= down:
            assert cleared.tolist() == [0]
            state = False
        else:
            assert raised.size == 0 and cleared.size == 0
        assert bool(tracker.active[0]) is state


def test_buildings_are_buses_with_enough_dwellings():
    bus = np.array([3, 3, 3, 5, 3, 3, 3, 7, 9], dtype=np.int64)
    n = bus.size
    points = MeterPoints(
        bus=bus,
        transformer=np.where(bus == 3, 0, 1).astype(np.int64),
        feeder=np.zeros(n, dtype=np.int64),
        load_row=np.arange(n, dtype=np.int64),
        sgen_row=np.full(n, -1, dtype=np.int64),
        kind=np.array(["household"] * 8 + ["commercial"], dtype=object),
        customer_class=np.array(["H0"] * 8 + ["G0"], dtype=object),
        annual_kwh=np.full(n, np.nan),
        rated_kw=np.full(n, np.nan),
        n_households=8,
        n_customers=1,
        n_generators=0,
    )
    b = apartment_buildings(points)
    assert b.bus.tolist() == [3] and b.dwellings.tolist() == [6] and b.transformer.tolist() == [0]
    assert b.building_of.tolist() == [0, 0, 0, -1, 0, 0, 0, -1]
    assert b.ids(np.arange(10) * 10) == ["B30"]
    assert apartment_buildings(points, 7).n == 0


def test_shards_alarm_counts_add_up_and_print() -> None:
    a = {
        "raised": {"safety": 2, "meter": 1},
        "open_at_end": 1,
        "failures": {"fire": 1},
        "work_orders": 2,
    }
    b = {
        "raised": {"safety": 1},
        "open_at_end": 0,
        "failures": {"protective_trip": 2},
        "work_orders": 1,
    }
    merged = merge_alarm_counts([a, b])
    assert merged == {
        "raised": {"meter": 1, "safety": 3},
        "open_at_end": 1,
        "failures": {"fire": 1, "protective_trip": 2},
        "work_orders": 3,
    }
    lines = alarm_lines(merged)
    assert "4 raised (safety 3, meter 1), 1 open at the end" in lines[0]
    assert "3 failure(s) (1 fire, 2 protective trip), 3 work order(s)" in lines[1]
    assert alarm_lines({}) == []
