"""IR46 split: exact energy accounting in the metrology core, read-only SPI, no lost record."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from twin.meters import ManagementCores, MetrologyCores, SpiLink, split_import_export_wh


def _link(cores: MetrologyCores, queue_frames: int = 16) -> SpiLink:
    return SpiLink(cores.port(), bit_rate_bps=1_000_000, frame_bytes=256, queue_frames=queue_frames)


power_series = arrays(
    np.float64,
    st.tuples(st.integers(1, 60), st.integers(1, 5)),
    elements=st.floats(-30.0, 60.0, allow_nan=False, width=64),
)


@settings(max_examples=60, deadline=None)
@given(p_kw=power_series, dt_s=st.sampled_from([300, 900, 1800, 3600]))
def test_interval_energy_sums_to_register_delta_exactly(p_kw: np.ndarray, dt_s: int) -> None:
    k, n = p_kw.shape
    cores = MetrologyCores(n, profile_capacity=k + 1)
    mgmt = ManagementCores(_link(cores, queue_frames=64))
    before_imp, before_exp = cores.port().read_registers()
    received_imp = np.zeros(n, dtype=np.int64)
    received_exp = np.zeros(n, dtype=np.int64)
    previous = before_imp.copy()
    for i in range(k):
        cores.integrate(p_kw[i], dt_s=dt_s, interval_end_s=(i + 1) * dt_s)
        now_imp, _ = cores.port().read_registers()
        assert np.all(now_imp >= previous)  # registers never decrease
        previous = now_imp
        poll = mgmt.poll()
        received_imp += poll.intervals.import_wh.sum(axis=0)
        received_exp += poll.intervals.export_wh.sum(axis=0)
    after_imp, after_exp = cores.port().read_registers()
    np.testing.assert_array_equal(received_imp, after_imp - before_imp)
    np.testing.assert_array_equal(received_exp, after_exp - before_exp)
    # and the registers hold the true energy to within one watt-hour
    e_imp, e_exp = split_import_export_wh(p_kw, dt_s)
    assert np.all(np.abs(after_imp - e_imp.sum(axis=0)) < 1.0)
    assert np.all(np.abs(after_exp - e_exp.sum(axis=0)) < 1.0)


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 80), queue_frames=st.integers(1, 4), skip=st.integers(0, 5))
def test_no_record_lost_or_duplicated_when_polls_lag(k: int, queue_frames: int, skip: int) -> None:
    """The master polls only every few intervals, with a small queue: still every record once."""
    cores = MetrologyCores(3, profile_capacity=200)
    mgmt = ManagementCores(_link(cores, queue_frames=queue_frames))
    seen: list[int] = []
    for i in range(k):
        cores.integrate(np.array([1.0, 2.0, 0.5]), dt_s=900, interval_end_s=(i + 1) * 900)
        if skip == 0 or i % (skip + 1) == 0:
            seen += mgmt.poll().intervals.seq_no.tolist()
    while mgmt.backlog:
        seen += mgmt.poll().intervals.seq_no.tolist()
    assert seen == list(range(k))
    assert mgmt.missed_records == 0


def test_overwritten_records_are_counted_as_missed() -> None:
    cores = MetrologyCores(2, profile_capacity=4)
    mgmt = ManagementCores(_link(cores))
    for i in range(10):
        cores.integrate(np.ones(2), dt_s=900, interval_end_s=(i + 1) * 900)
    poll = mgmt.poll()
    assert poll.intervals.seq_no.tolist() == [6, 7, 8, 9]
    assert poll.missed_records == 6


def test_management_core_cannot_write_metrology_registers() -> None:
    cores = MetrologyCores(2)
    cores.integrate(np.array([4.0, 8.0]), dt_s=900, interval_end_s=900)
    mgmt = ManagementCores(_link(cores))
    # the management core holds the SPI link only, never the metrology object
    assert not any(isinstance(v, MetrologyCores) for v in vars(mgmt).values())
    port = cores.port()
    assert not any(name.startswith(("write", "set")) for name in dir(port))
    imp, _ = port.read_registers()
    imp[:] = 10**9  # tampering with an answer changes nothing
    poll = mgmt.poll()
    poll.intervals.import_wh[:] = 0
    np.testing.assert_array_equal(port.read_registers()[0], [1000, 2000])
    np.testing.assert_array_equal(port.read_intervals(0, 10).import_wh, [[1000, 2000]])


def test_daily_freeze_equals_registers_at_freeze_time() -> None:
    cores = MetrologyCores(2)
    mgmt = ManagementCores(_link(cores))
    for i in range(96):
        cores.integrate(np.array([0.4, 1.0]), dt_s=900, interval_end_s=(i + 1) * 900)
    registers = cores.port().read_registers()
    cores.freeze_daily(86_400)
    cores.integrate(np.array([0.4, 1.0]), dt_s=900, interval_end_s=86_400 + 900)
    freezes = mgmt.poll().freezes
    assert [f.freeze_time_s for f in freezes] == [86_400]
    np.testing.assert_array_equal(freezes[0].import_total_wh, registers[0])
    np.testing.assert_array_equal(freezes[0].import_total_wh, [9600, 24000])
    assert mgmt.poll().freezes == []  # read once


def test_spi_accounts_frames_and_time() -> None:
    cores = MetrologyCores(1)
    link = _link(cores)
    for i in range(20):
        cores.integrate(np.ones(1), dt_s=900, interval_end_s=(i + 1) * 900)
    records = link.read_intervals(0)
    assert records.count == 20
    # 10 records of 24 bytes fit a 256-byte frame after 12 bytes overhead: 2 frames
    assert link.stats.frames == 2
    assert link.last_transfer_s == pytest.approx((20 * 24 + 2 * 12) * 8 / 1_000_000)


def test_bad_power_is_refused() -> None:
    cores = MetrologyCores(2)
    with pytest.raises(ValueError, match="shape"):
        cores.integrate(np.ones(3), dt_s=900, interval_end_s=900)
    with pytest.raises(ValueError, match="non-finite"):
        cores.integrate(np.array([1.0, np.nan]), dt_s=900, interval_end_s=900)
