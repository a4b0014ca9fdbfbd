"""IR46 split: exact energy accounting in the metrology core, read-only SPI, no lost record."""

from __future__ import annotations

import hmac

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from twin.meters import (
    FREEZE_COLUMNS,
    LegalClocks,
    ManagementCores,
    MetrologyCores,
    SpiLink,
    derive_keys,
    draw_accuracy,
    split_import_export_wh,
)
from twin.meters.management import RELAY_PREPAID, RELAY_SCHEDULED
from twin.meters.sealing import ZERO_MAC, header_matrix, record_matrix


def _link(cores: MetrologyCores, queue_frames: int = 16) -> SpiLink:
    return SpiLink(cores.port(), bit_rate_bps=1_000_000, frame_bytes=256, queue_frames=queue_frames)


power_series = arrays(
    np.float64,
    st.tuples(st.integers(1, 60), st.integers(1, 5)),
    elements=st.floats(-30.0, 60.0, allow_nan=False, width=64),
)


@settings(max_examples=60, deadline=None)
@given(
    p_kw=power_series,
    dt_s=st.sampled_from([300, 900, 1800, 3600]),
    seed=st.integers(0, 2**32 - 1),
    accuracy=st.sampled_from(["A", "B", "C"]),
)
def test_interval_energy_sums_to_register_delta_exactly(
    p_kw: np.ndarray, dt_s: int, seed: int, accuracy: str
) -> None:
    k, n = p_kw.shape
    rng = np.random.default_rng(seed)
    _, error = draw_accuracy(rng, n, accuracy)
    cores = MetrologyCores(n, profile_capacity=k + 1, accuracy_error=error)
    port = cores.port()
    previous = port.read_registers()[0]
    freezes = []
    for i in range(k):
        cores.integrate(
            p_kw[i], dt_s=dt_s, interval_end_s=(i + 1) * dt_s, tariff=int(rng.integers(1, 5))
        )
        now_imp, _ = port.read_registers()
        assert np.all(now_imp >= previous)  # registers never decrease
        previous = now_imp
        if rng.random() < 0.2:
            block = cores.freeze_daily((i + 1) * dt_s)
            assert block is not None
            registers = port.read_registers(), port.read_tariff_registers()
            freezes.append((block.freeze.copy(), *registers))
    after_imp, after_exp = port.read_registers()
    records = port.read_intervals(0, k)
    np.testing.assert_array_equal(records.import_wh.sum(axis=0), after_imp)
    np.testing.assert_array_equal(records.export_wh.sum(axis=0), after_exp)
    t_imp, t_exp = port.read_tariff_registers()
    np.testing.assert_array_equal(t_imp.sum(axis=0), after_imp)  # tariffs sum to the total
    np.testing.assert_array_equal(t_exp.sum(axis=0), after_exp)
    for frozen, (imp, exp), (ti, te) in freezes:  # frozen values == registers at freeze time
        np.testing.assert_array_equal(frozen[:, 0], imp)
        np.testing.assert_array_equal(frozen[:, 1:5], ti.T)
        np.testing.assert_array_equal(frozen[:, 5], exp)
        np.testing.assert_array_equal(frozen[:, 6:10], te.T)
    # the registers hold the measured energy, true x (1 + error), to within one watt-hour
    e_imp, e_exp = split_import_export_wh(p_kw * (1 + error), dt_s)
    assert np.all(np.abs(after_imp - e_imp.sum(axis=0)) < 1.0)
    assert np.all(np.abs(after_exp - e_exp.sum(axis=0)) < 1.0)


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 80), queue_frames=st.integers(1, 4), seed=st.integers(0, 1000))
def test_no_record_lost_or_duplicated_when_cores_go_down(
    k: int, queue_frames: int, seed: int
) -> None:
    """Management cores are down at random polls; with readback every record is read once."""
    rng = np.random.default_rng(seed)
    cores = MetrologyCores(3, profile_capacity=200)
    link = _link(cores, queue_frames=queue_frames)
    read_upto = np.zeros(3, dtype=np.int64)
    for i in range(k):
        cores.integrate(np.array([1.0, 2.0, 0.5]), dt_s=900, interval_end_s=(i + 1) * 900)
        before = read_upto.copy()
        read_upto = link.poll(read_upto, rng.random(3) < 0.6)
        assert np.all(read_upto >= before) and np.all(read_upto - before <= link.records_per_poll)
    polls = 0
    while (read_upto < k).any():
        read_upto = link.poll(read_upto, np.ones(3, dtype=bool))
        polls += 1
    assert np.all(read_upto == k)
    assert polls <= -(-k // link.records_per_poll)


def test_overwritten_records_are_skipped_by_the_reader() -> None:
    cores = MetrologyCores(2, profile_capacity=4)
    link = _link(cores)
    for i in range(10):
        cores.integrate(np.ones(2), dt_s=900, interval_end_s=(i + 1) * 900)
    assert cores.port().read_intervals(0, 10).seq_no.tolist() == [6, 7, 8, 9]
    assert link.poll(np.zeros(2, dtype=np.int64), np.ones(2, dtype=bool)).tolist() == [10, 10]


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
    cores.freeze_daily(900)
    read = port.read_block(0, np.arange(2))
    read.import_wh[:] = 0
    np.testing.assert_array_equal(port.read_registers()[0], [1000, 2000])
    np.testing.assert_array_equal(port.read_intervals(0, 10).import_wh, [[1000, 2000]])
    np.testing.assert_array_equal(port.read_block(0, np.arange(2)).import_wh, [[1000, 2000]])


def test_monthly_freeze_carries_max_demand_and_resets_it() -> None:
    cores = MetrologyCores(2, demand_intervals=2)
    powers = [[1.0, 0.0], [3.0, 0.0], [2.0, 4.0], [2.0, 4.0]]  # demand periods: 2 kW, 2/4 kW
    for i, p in enumerate(powers):
        cores.integrate(np.array(p), dt_s=900, interval_end_s=(i + 1) * 900)
    block = cores.freeze_daily(3600, monthly=True)
    assert block is not None and block.kind == "monthly"
    md = [name for name, _ in FREEZE_COLUMNS].index("max_demand_w")
    assert block.freeze[:, md].tolist() == [2000, 4000]
    assert block.freeze[:, md + 1].tolist() == [1800, 3600]
    cores.integrate(np.array([0.5, 0.5]), dt_s=900, interval_end_s=4500)
    cores.integrate(np.array([0.5, 0.5]), dt_s=900, interval_end_s=5400)
    again = cores.freeze_daily(5400, monthly=True)
    assert again is not None and again.freeze[:, md].tolist() == [500, 500]


def test_sealed_blocks_verify_and_any_change_breaks_the_mac() -> None:
    keys = derive_keys(b"secret", 2)
    cores = MetrologyCores(2, keys=keys)
    for i in range(5):
        cores.integrate(np.array([1.0, 0.3]), dt_s=900, interval_end_s=(i + 1) * 900)
    cores.freeze_daily(4500)
    cores.integrate(np.array([1.0, 0.3]), dt_s=900, interval_end_s=5400)
    last = cores.seal_final(5400)
    assert last is not None and (last.first_seq, last.count) == (5, 1)
    port = cores.port()
    chain = [ZERO_MAC, ZERO_MAC]
    for b in range(2):
        read = port.read_block(b, np.arange(2))
        heads = header_matrix(read.meters, read.first_seq, read.count, read.freeze)
        recs = record_matrix(read.import_wh, read.export_wh, read.offset_s)
        for m in range(2):
            msg = heads[m].tobytes() + recs[m].tobytes() + chain[m]
            assert hmac.digest(keys[m], msg, "sha256") == read.macs[m]
            assert read.previous[m] == chain[m]
            recs2 = recs.copy()
            recs2[m, 0] += 1
            bad = heads[m].tobytes() + recs2[m].tobytes() + chain[m]
            assert hmac.digest(keys[m], bad, "sha256") != read.macs[m]
        chain = read.macs


def test_legal_firmware_is_immutable_and_the_refusal_logged() -> None:
    cores = MetrologyCores(3, legal_firmware_id="MC-1.00")
    port = cores.port()
    port.offer_firmware(np.array([0, 2]), 100.0, np.zeros(2))
    assert port.legal_firmware_id == "MC-1.00"
    rows = port.read_events(np.arange(3))
    assert rows.meter.tolist() == [0, 2] and set(rows.code.tolist()) == {230}
    assert port.read_events(np.arange(3)).count == 0  # handed over once


def test_clock_offset_grows_with_drift_and_is_set() -> None:
    clocks = LegalClocks(np.array([10.0, -5.0]))
    np.testing.assert_allclose(clocks.offset_s(86_400), [0.864, -0.432])
    old = clocks.set_time(np.array([0]), 86_400)
    np.testing.assert_allclose(old, [0.864])
    np.testing.assert_allclose(clocks.offset_s(2 * 86_400), [0.864, -0.864])
    clocks.set_drift(np.array([1]), 1000.0, 2 * 86_400)
    np.testing.assert_allclose(clocks.offset_s(3 * 86_400)[1], -0.864 + 86.4)


@pytest.mark.parametrize(("cls", "mpe"), [("A", 0.035), ("B", 0.02), ("C", 0.007)])
def test_accuracy_errors_stay_within_the_class(cls: str, mpe: float) -> None:
    names, error = draw_accuracy(np.random.default_rng(1), 20_000, cls)
    assert set(names.tolist()) == {cls}
    assert np.abs(error).max() <= mpe
    assert error.std() == pytest.approx(mpe / 3, rel=0.05)
    mixed, _ = draw_accuracy(np.random.default_rng(1), 10_000, {"A": 0.5, "C": 0.5})
    assert set(mixed.tolist()) == {"A", "C"}


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
    with pytest.raises(ValueError, match="tariff"):
        cores.integrate(np.ones(2), dt_s=900, interval_end_s=900, tariff=5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from([RELAY_SCHEDULED, RELAY_PREPAID]),
                  st.lists(st.integers(0, 5), min_size=1, max_size=4)),
        max_size=30,
    )
)  # fmt: skip
def test_a_relay_is_closed_exactly_when_no_reason_holds_it(
    steps: list[tuple[bool, int, list[int]]],
) -> None:
    """Scheduled disconnections and prepaid credit hold the relay each for their own
    reason; what each call reports as opened or closed is what changed."""
    mgmt = ManagementCores(_link(MetrologyCores(6)))
    held: list[set[int]] = [set() for _ in range(6)]
    for hold, reason, meters in steps:
        before = mgmt.relay_closed.copy()
        idx = np.asarray(meters, dtype=np.int64)
        if hold:
            changed = mgmt.hold_relay(idx, reason)
            for m in meters:
                held[m].add(reason)
        else:
            changed = mgmt.release_relay(idx, reason)
            for m in meters:
                held[m].discard(reason)
        expected = np.array([not h for h in held])
        assert (mgmt.relay_closed == expected).all()
        assert set(changed.tolist()) == set(np.flatnonzero(before != expected).tolist())
