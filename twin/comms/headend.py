"""The head-end system (HES): collects sealed load-profile blocks, verifies, backfills.

Collection is on a schedule, vectorised over meters: block ``b`` of meter
``m`` is due at ``seal_b + read_delay + offset_m`` (``offset_m`` uniform in
``[0, read_spread)``), and collection slots come every ``retry_every``. At
each slot every meter with a due block is tried (up to ``1 + retries``
attempts, :class:`~twin.comms.technology.Channel`); a meter answers only when
its concentrator is up and its management core runs and has read the block
over SPI. A meter that answers hands over every due block it holds. Readings
delivered at the first slot after they are due are ``ok``; later ones are
``backfilled``. ``received_at`` is the real arrival time.

Everything is per meter (or per concentrator area), and a meter's random
numbers come from its own streams, so a shard of whole areas collects its
meters exactly as the whole run does.

Every block is verified (:mod:`twin.meters.sealing`): the MAC with the
meter's key, the sequence number the HES expects next, the record count of
the block, and the chain value. A rejected block's records are never
``ok``: they are written as ``estimated`` (the same time-of-day readings of
the meter's last verified day, zero before any) and counted as detected.
A block overwritten in the meter's ring before the HES got it is a buffer
overflow: its intervals become ``missing`` rows (counted per meter). At the
end of the run a final collection flushes what it can; what is still not
delivered becomes ``missing``. Sequence numbers make duplicates impossible.

Quality codes after IEC 61968-9 ReadingQuality categories: 0 valid (``ok``;
``backfilled`` = valid, collected late), 8 estimated, 4 data collection
(``missing``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from twin.comms.concentrators import Concentrators
from twin.comms.supervision import MeterSupervision
from twin.comms.technology import Channel
from twin.meters.events import EventRows, event_mac
from twin.meters.management import ManagementCores, Transmission
from twin.meters.metrology import MetrologySlavePort
from twin.meters.records import BlockRead
from twin.meters.sealing import ZERO_MAC, header_matrix, record_matrix
from twin.random_streams import ItemStreams

__all__ = ["QUALITY_CODES", "HeadEnd", "HeadEndStats", "IntervalBatch", "RegisterBatch"]

QUALITY_OK, QUALITY_BACKFILLED, QUALITY_ESTIMATED, QUALITY_MISSING = 0, 1, 2, 3
QUALITY_CODES = ("ok", "backfilled", "estimated", "missing")
"""Reading quality, after IEC 61968-9 ReadingQuality categories (0 valid, 8 estimated)."""


@dataclass(frozen=True)
class IntervalBatch:
    """Interval readings, long format.

    Attributes
    ----------
    meter, seq_no, interval_end_s : numpy.ndarray
        Meter index, load-profile sequence number, nominal interval end [s].
    import_wh, export_wh : numpy.ndarray
        Interval energy [Wh], int64 (meaningless where ``quality`` is missing).
    quality : numpy.ndarray
        Index into :data:`QUALITY_CODES`, int8.
    received_at_s : numpy.ndarray
        Arrival at the HES [s since run start], float64; NaN when missing.
    meter_time_s : numpy.ndarray
        The record's stamp by the meter's own clock [s since run start]; NaN when not known.
    """

    meter: np.ndarray
    seq_no: np.ndarray
    interval_end_s: np.ndarray
    import_wh: np.ndarray
    export_wh: np.ndarray
    quality: np.ndarray
    received_at_s: np.ndarray
    meter_time_s: np.ndarray


@dataclass(frozen=True)
class RegisterBatch:
    """Frozen registers of some meters at one freeze (verified blocks only)."""

    meter: np.ndarray
    freeze_time_s: int
    kind: str
    freeze: np.ndarray
    received_at_s: np.ndarray


@dataclass
class HeadEndStats:
    """What the HES received and detected."""

    interval_readings: int = 0
    register_readings: int = 0
    duplicates_refused: int = 0
    gaps: int = 0
    import_wh: int = 0
    export_wh: int = 0
    by_quality: dict[str, int] = field(default_factory=lambda: dict.fromkeys(QUALITY_CODES, 0))
    blocks_verified: int = 0
    blocks_rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    tampered_records: int = 0
    tampered_rejected: int = 0
    tampered_accepted: int = 0
    events_received: int = 0
    events_rejected: int = 0


class HeadEnd:
    """Head-end system for a fleet of ``n`` meters.

    Parameters
    ----------
    port : MetrologySlavePort
        Used only for the public block schedule and, through the management
        cores, the blocks themselves (the HES never reads a meter directly).
    management : ManagementCores
        The meters' management cores (they forward, and may tamper).
    concentrators : Concentrators
        Areas and their state.
    channel : Channel
        Per-attempt loss and latency.
    keys : sequence of bytes
        Per-meter keys (the HES shares them with the meters).
    attackers : twin.random_streams.ItemStreams
        Per-meter streams of the compromised management cores' draws.
    read_offset_s : numpy.ndarray
        Per-meter offset of the collection after a block is due, in
        ``[0, read_spread)`` [s].
    dt_s, per_day : int
        Interval length [s] and intervals per day (for the estimates).
    read_delay_s, retry_every_s : int
        Collection schedule [s].
    on_intervals, on_registers, on_events : callable
        Receive :class:`IntervalBatch`, :class:`RegisterBatch` and
        (:class:`~twin.meters.events.EventRows`, received_at_s) per delivery.
    supervision : MeterSupervision, optional
        Told of every collection slot and every delivered event (silent
        meters and areas, restarts, the clock check and setting, fraud seen).
    """

    def __init__(
        self,
        *,
        port: MetrologySlavePort,
        management: ManagementCores,
        concentrators: Concentrators,
        channel: Channel,
        keys: Sequence[bytes],
        attackers: ItemStreams,
        read_offset_s: np.ndarray,
        dt_s: int,
        per_day: int,
        read_delay_s: int,
        retry_every_s: int,
        on_intervals: Callable[[IntervalBatch], None],
        on_registers: Callable[[RegisterBatch], None],
        on_events: Callable[[EventRows, np.ndarray], None],
        supervision: MeterSupervision | None = None,
    ):
        n = port.n
        self.n = n
        self._port, self._mgmt, self._conc, self._channel = port, management, concentrators, channel
        self._keys, self._attackers = keys, attackers
        self._index = port.meter_index
        self._dt, self._per_day = dt_s, per_day
        self._delay, self._retry = read_delay_s, retry_every_s
        self._offset = np.asarray(read_offset_s, dtype=np.float64)
        if self._offset.shape != (n,):
            raise ValueError(f"given {self._offset.size} read offsets; expected {n}")
        self._on_intervals, self._on_registers, self._on_events = (
            on_intervals,
            on_registers,
            on_events,
        )
        self.next_block = np.zeros(n, dtype=np.int64)
        self.next_seq = np.zeros(n, dtype=np.int64)
        self._last_mac: list[bytes | None] = [ZERO_MAC] * n
        self._last_event_mac: list[bytes] = [ZERO_MAC] * n
        self._next_event_seq = np.zeros(n, dtype=np.int64)
        self._profile = np.zeros((2, per_day, n), dtype=np.int64)
        self.overflow = np.zeros(n, dtype=np.int64)
        self.estimated = np.zeros(n, dtype=np.int64)
        self.rejected_meters = np.zeros(n, dtype=bool)
        self.tampered_meters = np.zeros(n, dtype=bool)
        self.stats = HeadEndStats()
        self._day_attempts = np.zeros(concentrators.n_areas, dtype=np.int64)
        self._day_successes = np.zeros(concentrators.n_areas, dtype=np.int64)
        self._day_latency: list[tuple[np.ndarray, np.ndarray]] = []
        self.delivered_at = np.full(n, np.nan)
        self.last_tried = np.zeros(0, dtype=np.int64)
        self.supervision = supervision
        self._block_arrays = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    # schedule ------------------------------------------------------------------------

    def _blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        meta = self._port.blocks
        if self._block_arrays[0].size != len(meta):  # blocks are only ever added
            self._block_arrays = (
                np.array([b[0] for b in meta], dtype=np.int64),
                np.array([b[1] for b in meta], dtype=np.int64),
                np.array([b[2] for b in meta], dtype=np.float64),
            )
        return self._block_arrays

    def backlog(self) -> np.ndarray:
        """Sealed records not yet settled, per meter."""
        first, count, _ = self._blocks()
        if first.size == 0:
            return np.zeros(self.n, dtype=np.int64)
        end = int(first[-1] + count[-1])
        return np.maximum(end - self.next_seq, 0)

    # collection ----------------------------------------------------------------------

    def collect(self, t_s: float, *, final: bool = False) -> np.ndarray:
        """One collection slot at ``t_s``; returns the meters that delivered.

        With ``final``, every sealed block counts as due (the end-of-run flush).
        The supervision, if any, then learns who was tried and who answered.
        """
        winners = self._collect(t_s, final=final)
        if self.supervision is not None:
            self.supervision.collected(t_s, self.last_tried, winners, self._mgmt.boot_count)
        return winners

    def _collect(self, t_s: float, *, final: bool) -> np.ndarray:
        first, count, seal = self._blocks()
        n_blocks = first.size
        pending = self.next_block < n_blocks
        self.last_tried = np.zeros(0, dtype=np.int64)
        if not pending.any():
            return self.last_tried
        nb = np.minimum(self.next_block, max(n_blocks - 1, 0))
        due_at = seal[nb] + self._delay + self._offset
        due = pending & ((due_at <= t_s) | final)
        tried = np.flatnonzero(due)
        self.last_tried = tried
        if tried.size == 0:
            return tried
        reachable = (
            self._conc.meter_up()[tried]
            & self._mgmt.running(t_s)[tried]
            & (self._mgmt.read_upto[tried] >= first[nb[tried]] + count[nb[tried]])
        )
        ok, attempts, latency = self._channel.attempt(tried)
        ok &= reachable
        attempts = np.where(reachable, attempts, 1 + self._channel.retries)
        areas = self._conc.area[tried]
        self._day_attempts += np.bincount(
            areas, weights=attempts, minlength=self._conc.n_areas
        ).astype(np.int64)
        self._day_successes += np.bincount(areas[ok], minlength=self._conc.n_areas)
        winners = tried[ok]
        arrival = t_s + latency[ok]
        self._day_latency.append((areas[ok], latency[ok]))
        if winners.size == 0:
            return winners
        arrival_of = np.full(self.n, np.nan)
        arrival_of[winners] = arrival
        self.delivered_at[winners] = arrival
        read_upto = self._mgmt.read_upto
        for b in range(int(self.next_block[winners].min()), n_blocks):
            due_b = seal[b] + self._delay + self._offset[winners]
            sel = winners[
                (self.next_block[winners] == b)
                & ((due_b <= t_s) | final)
                & (read_upto[winners] >= first[b] + count[b])
            ]
            if sel.size:
                late = t_s - (seal[b] + self._delay + self._offset[sel]) >= self._retry
                self._settle(b, int(first[b]), int(count[b]), sel, arrival_of[sel], late, t_s)
        self._deliver_events(winners, arrival_of)
        return winners

    def _settle(
        self,
        b: int,
        first: int,
        count: int,
        meters: np.ndarray,
        arrival: np.ndarray,
        late: np.ndarray,
        t_s: float,
    ) -> None:
        seqs = np.arange(first, first + count, dtype=np.int64)
        self.next_block[meters] = b + 1
        self.next_seq[meters] = first + count
        if not self._port.block_available(b):
            self.overflow[meters] += count
            self._emit_missing(meters, seqs)
            for m in meters.tolist():
                self._last_mac[m] = None
            return
        read = self._port.read_block(b, meters)
        port = self._port

        def previous(which: np.ndarray) -> BlockRead | None:
            if b == 0 or not port.block_available(b - 1):
                return None
            return port.read_block(b - 1, which)

        tx = self._mgmt.forward(read, t_s, self._attackers, previous)
        accepted = self._verify(tx, first, count, read)
        quality = np.where(late, QUALITY_BACKFILLED, QUALITY_OK).astype(np.int8)
        rejected = ~accepted
        imp = tx.import_wh[:count].astype(np.int64)
        exp = tx.export_wh[:count].astype(np.int64)
        stamp = (seqs[:, None] + 1) * self._dt + tx.offset_s[:count].astype(np.float64)
        tod = seqs % self._per_day
        if rejected.any():
            rm = meters[rejected]
            imp[:, rejected] = self._profile[0][tod][:, rm]
            exp[:, rejected] = self._profile[1][tod][:, rm]
            stamp[:, rejected] = np.nan
            quality[rejected] = QUALITY_ESTIMATED
            self.estimated[rm] += count
            self.rejected_meters[rm] = True
        if accepted.any():
            # the day's slots of a block run consecutively: a row slice, the meters gathered
            rows: slice | np.ndarray = tod[:, None]
            if count and tod[-1] - tod[0] == count - 1:
                rows = slice(int(tod[0]), int(tod[0]) + count)
            if accepted.all():
                self._profile[0][rows, meters] = imp
                self._profile[1][rows, meters] = exp
            else:
                am = meters[accepted]
                self._profile[0][rows, am] = imp[:, accepted]
                self._profile[1][rows, am] = exp[:, accepted]
        k, m = imp.shape
        batch = IntervalBatch(
            meter=np.tile(meters, k),
            seq_no=np.repeat(seqs, m),
            interval_end_s=np.repeat((seqs + 1) * self._dt, m),
            import_wh=imp.reshape(-1),
            export_wh=exp.reshape(-1),
            quality=np.tile(quality, k),
            received_at_s=np.tile(arrival, k),
            meter_time_s=stamp.reshape(-1),
        )
        self._count(batch)
        self._on_intervals(batch)
        kind = self._port.blocks[b][3]
        if kind in ("daily", "monthly") and accepted.any():
            self.stats.register_readings += int(accepted.sum())
            self._on_registers(
                RegisterBatch(
                    meters[accepted],
                    int(self._port.blocks[b][2]),
                    kind,
                    tx.freeze[accepted],
                    arrival[accepted],
                )
            )
        tampered = tx.tampered
        self.tampered_meters[meters[tampered > 0]] = True
        self.stats.tampered_records += int(tampered.sum())
        self.stats.tampered_rejected += int(tampered[rejected].sum())
        self.stats.tampered_accepted += int(tampered[accepted].sum())

    def _verify(
        self, tx: Transmission, first: int, count: int, sealed: BlockRead | None = None
    ) -> np.ndarray:
        """Check sequence, count, chain and MAC of each meter's copy of a block.

        With ``sealed`` (the block as the legal cores sealed it, for the same
        meters), a copy byte for byte equal to it has the MAC the legal core
        computed over those very bytes: HMAC is deterministic, so recomputing it
        can only agree, and only the copies that differ are recomputed (the
        verdicts are the same as recomputing every MAC; a test holds them equal).
        """
        m_all = tx.meters
        seq_ok = (tx.first_seq == first) & (tx.count == count)
        same = np.zeros(m_all.shape[0], dtype=bool)
        if sealed is not None:
            same = (
                seq_ok
                & (tx.import_wh[:count] == sealed.import_wh).all(axis=0)
                & (tx.export_wh[:count] == sealed.export_wh).all(axis=0)
                & (tx.offset_s[:count] == sealed.offset_s).all(axis=0)
                & (tx.freeze == sealed.freeze).all(axis=1)
                & np.fromiter(
                    (
                        a == b and c == d
                        for a, b, c, d in zip(
                            tx.macs, sealed.macs, tx.previous, sealed.previous, strict=True
                        )
                    ),
                    dtype=bool,
                    count=m_all.shape[0],
                )
            )
        recompute = np.flatnonzero(seq_ok & ~same)
        good = same.copy()
        if recompute.size:
            headers = header_matrix(self._index[m_all[recompute]], 0, 0, tx.freeze[recompute])
            headers[:, 1] = first
            headers[:, 2] = count
            records = record_matrix(
                tx.import_wh[:count, recompute],
                tx.export_wh[:count, recompute],
                tx.offset_s[:count, recompute],
            )
            for i, j in enumerate(recompute.tolist()):
                msg = headers[i].tobytes() + records[i].tobytes() + tx.previous[j]
                mac = hmac.digest(self._keys[int(m_all[j])], msg, "sha256")
                good[j] = hmac.compare_digest(mac, tx.macs[j])
        accepted = np.zeros(m_all.shape[0], dtype=bool)
        reasons = self.stats.rejected_by_reason
        last_mac = self._last_mac
        for j, m in enumerate(m_all.tolist()):
            if not seq_ok[j]:
                reason = "sequence" if int(tx.first_seq[j]) != first else "count"
            elif not good[j]:
                reason = "mac"
            else:
                last = last_mac[m]
                if last is None or tx.previous[j] == last:
                    accepted[j] = True
                    last_mac[m] = tx.macs[j]
                    continue
                reason = "chain"
            reasons[reason] = reasons.get(reason, 0) + 1
            last_mac[m] = None  # chain broken: the next block is checked on its own
        self.stats.blocks_verified += int(accepted.sum())
        self.stats.blocks_rejected += int((~accepted).sum())
        return accepted

    def _deliver_events(self, meters: np.ndarray, arrival_of: np.ndarray) -> None:
        rows = self._port.read_events(meters)
        if rows.count == 0:
            return
        ok = np.zeros(rows.count, dtype=bool)
        for i in range(rows.count):
            m = int(rows.meter[i])
            seq = int(rows.seq_no[i])
            mac = event_mac(
                self._keys[m],
                int(self._index[m]),
                seq,
                int(rows.time_s[i]),
                int(rows.code[i]),
                rows.detail[i],
                self._last_event_mac[m],
            )
            if seq == self._next_event_seq[m] and hmac.compare_digest(mac, rows.mac[i]):
                ok[i] = True
                self._last_event_mac[m] = rows.mac[i]
                self._next_event_seq[m] = seq + 1
        self.stats.events_received += int(ok.sum())
        self.stats.events_rejected += int((~ok).sum())
        if self.supervision is not None:
            self.supervision.events_received(rows)
        self._on_events(rows, arrival_of[rows.meter])

    def _emit_missing(self, meters: np.ndarray, seqs: np.ndarray) -> None:
        k, m = seqs.shape[0], meters.shape[0]
        if k * m == 0:
            return
        batch = IntervalBatch(
            meter=np.tile(meters, k),
            seq_no=np.repeat(seqs, m),
            interval_end_s=np.repeat((seqs + 1) * self._dt, m),
            import_wh=np.zeros(k * m, dtype=np.int64),
            export_wh=np.zeros(k * m, dtype=np.int64),
            quality=np.full(k * m, QUALITY_MISSING, dtype=np.int8),
            received_at_s=np.full(k * m, np.nan),
            meter_time_s=np.full(k * m, np.nan),
        )
        self._count(batch)
        self._on_intervals(batch)

    def _count(self, batch: IntervalBatch) -> None:
        q = np.bincount(batch.quality, minlength=len(QUALITY_CODES))
        for i, name in enumerate(QUALITY_CODES):
            self.stats.by_quality[name] += int(q[i])
        valid = batch.quality <= QUALITY_BACKFILLED
        self.stats.interval_readings += int(valid.sum())
        self.stats.import_wh += int(batch.import_wh[valid].sum())
        self.stats.export_wh += int(batch.export_wh[valid].sum())

    def finish(self, t_s: float, *, rounds: int = 24) -> None:
        """End of the run: a final collection (up to ``rounds`` retry rounds while some
        meter still answers), then every unsettled interval is ``missing``."""
        for _ in range(rounds):
            self.collect(t_s, final=True)
            if self.last_tried.size == 0:
                break
        reachable = np.flatnonzero(self._conc.meter_up() & self._mgmt.running(t_s))
        ok, _, latency = self._channel.attempt(reachable)
        arrival = np.full(self.n, np.nan)
        arrival[reachable[ok]] = t_s + latency[ok]
        self._deliver_events(reachable[ok], arrival)  # events logged by the last collection
        first, count, _ = self._blocks()
        for b in range(int(self.next_block.min(initial=first.size)), first.size):
            sel = np.flatnonzero(self.next_block == b)
            if sel.size == 0:
                continue
            seqs = np.arange(first[b], first[b] + count[b], dtype=np.int64)
            self.next_block[sel] = b + 1
            self.next_seq[sel] = first[b] + count[b]
            self._emit_missing(sel, seqs)

    # statistics ------------------------------------------------------------------------

    def close_day(self) -> dict[str, np.ndarray]:
        """Per-concentrator figures since the last call (attempts, successes, latency
        percentiles [s], backlog [records])."""
        n_areas = self._conc.n_areas
        if self._day_latency:
            areas = np.concatenate([a for a, _ in self._day_latency])
            lat = np.concatenate([x for _, x in self._day_latency])
        else:
            areas, lat = np.zeros(0, np.int64), np.zeros(0)
        pct = np.full((3, n_areas), np.nan)
        if lat.size:
            order = np.argsort(areas, kind="stable")
            areas, lat = areas[order], lat[order]
            bounds = np.searchsorted(areas, np.arange(n_areas + 1))
            for a in range(n_areas):
                chunk = lat[bounds[a] : bounds[a + 1]]
                if chunk.size:
                    pct[:, a] = np.percentile(chunk, [50, 95, 99])
        backlog = np.bincount(self._conc.area, weights=self.backlog(), minlength=n_areas)
        out = {
            "attempts": self._day_attempts.copy(),
            "successes": self._day_successes.copy(),
            "latency_p50_s": pct[0],
            "latency_p95_s": pct[1],
            "latency_p99_s": pct[2],
            "backlog": backlog.astype(np.int64),
        }
        self._day_attempts[:] = 0
        self._day_successes[:] = 0
        self._day_latency.clear()
        return out
