"""The advanced metering infrastructure of a run: meters, comms, head-end, wired.

:class:`Ami` builds the meters (:mod:`twin.meters`), their comms and the
head-end (:mod:`twin.comms`) of a run and calls them in order once per
interval: the disconnectors, the metrology cores' integration and supply
watch, the SPI poll, the app data, the collection slots and the daily
tables. What each part does lives in its own package; blocks are sealed and
collected at daily cadence or on the collection slots, where the per-meter
MAC loops run.
Crashes, hangs, outages, campaigns and relay commands are SimPy events
(:mod:`twin.engine.faults`) that change the arrays.

An :class:`Ami` may simulate only some meters (a shard of whole LV
transformer areas, :class:`~twin.members.Members`): its arrays are then
indexed by local position, every draw at creation is made for the whole
fleet and restricted, and the run-time draws come from per-meter streams
(:class:`~twin.random_streams.ItemStreams`) keyed by fleet position, so
each member meter behaves exactly as in the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.comms import (
    TECHNOLOGIES,
    Channel,
    Concentrators,
    HeadEnd,
    MeterSupervision,
    Technology,
)
from twin.engine.recording_ami import AmiRecorder
from twin.grid import PowerFlowResult
from twin.members import Members
from twin.meters import (
    LegalClocks,
    ManagementCores,
    MetrologyCores,
    SpiLink,
    derive_keys,
    draw_accuracy,
    split_import_export_wh,
)
from twin.meters.time_switch import active_tariff
from twin.random_streams import ItemStreams, RandomTree
from twin.scenario import Scenario
from twin.scenario.ami_models import CommsSection
from twin.scenario.models import MetersSection

__all__ = ["Ami"]


@dataclass
class FaultLedger:
    """Which meters and areas each fault touched (ground truth for the scoreboard).

    Meters are local positions, areas local area indices (of the Ami's concentrators).
    """

    meters: dict[str, set[int]] = field(default_factory=dict)
    areas: set[int] = field(default_factory=set)
    firmware: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, meters: np.ndarray) -> None:
        """Record that ``kind`` hit ``meters``."""
        self.meters.setdefault(kind, set()).update(int(m) for m in meters)


class Ami:
    """Meters, SPI, management cores, concentrators, channel and head-end of a run.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    axis : TimeAxis
        The run's time axis.
    transformer : numpy.ndarray
        LV transformer index of every premise of the whole fleet (-1 for none).
    meter_bus : numpy.ndarray
        Bus position (into the power-flow result) of every premise of the whole fleet.
    rng : RandomTree
        The run's random tree.
    recorder : AmiRecorder
        Where the head-end's readings, registers and events, the app data
        and the daily tables go (see :func:`twin.meters.time_switch.tariff_count` for its tariffs).
    members : Members, optional
        The meters simulated here (whole LV areas); default all. The arrays of the
        Ami (``n == members.n``) and the power given to it are by local position.
    watch_voltage : numpy.ndarray, optional
        bool per meter of the whole fleet: the meter watches its bus voltage
        (sags, swells, power down); False meters see it nominal. Default all.
    """

    def __init__(
        self,
        scenario: Scenario,
        axis: TimeAxis,
        transformer: np.ndarray,
        meter_bus: np.ndarray,
        rng: RandomTree,
        recorder: AmiRecorder,
        members: Members | None = None,
        watch_voltage: np.ndarray | None = None,
    ):
        transformer = np.asarray(transformer, dtype=np.int64)
        n_total = int(transformer.shape[0])
        members = Members.all(n_total) if members is None else members
        if members.n_total != n_total:
            raise ValueError(
                f"given members of a fleet of {members.n_total}; expected {n_total} "
                "(the length of transformer)"
            )
        self.members = members
        self.n, self.axis = members.n, axis
        self.dt = axis.interval_s
        self.per_day = 86_400 // self.dt
        self._build_meters(scenario.meters, rng, n_total)
        self._build_comms(scenario.comms, rng, transformer)
        windows = scenario.meters.tariff_windows()
        self.tariff = active_tariff(windows, axis.local_hour, axis.weekday)
        self.meter_bus = np.asarray(members.take(np.asarray(meter_bus)), dtype=np.int64)
        self._blind = (
            np.zeros(0, dtype=np.int64)
            if watch_voltage is None
            else np.flatnonzero(~np.asarray(members.take(np.asarray(watch_voltage)), dtype=bool))
        )
        every = scenario.meters.management.app_power_every
        self.app_every = 0 if every == "none" else int(every) // self.dt
        self.idle_w = scenario.meters.management.idle_threshold_w
        self.ledger = FaultLedger()
        self.faults_rng = rng.generator("faults")
        starts = axis._local_starts
        ends = starts + pd.Timedelta(seconds=self.dt)
        self.day_of = np.asarray(starts.date, dtype="datetime64[D]")
        self.monthly = np.asarray((ends.day == 1) & axis.ends_at_local_midnight, dtype=bool)
        self._true = np.zeros((2, self.n))
        self.recorder = recorder
        self.supervision = MeterSupervision(
            area=self.concentrators.area,
            n_areas=self.concentrators.n_areas,
            clocks=self.clocks,
            log_event=self.metrology.log_event,
            sync_threshold_s=scenario.meters.clock.sync_threshold_s,
            limit_s=scenario.meters.clock.limit_s,
        )
        self.hes = HeadEnd(
            port=self.port,
            management=self.management,
            concentrators=self.concentrators,
            channel=self.channel,
            keys=self.keys,
            attackers=ItemStreams(rng.seed, "attackers", members.index),
            read_offset_s=self.read_offset_s,
            dt_s=self.dt,
            per_day=self.per_day,
            read_delay_s=scenario.comms.read_delay,
            retry_every_s=scenario.comms.retry_every,
            on_intervals=recorder.meter_intervals,
            on_registers=recorder.registers,
            on_events=recorder.events,
            supervision=self.supervision,
        )

    @property
    def watches_voltage(self) -> NDArray[np.bool_]:
        """bool per local meter: it watches its bus voltage (the others see it nominal)."""
        watch = np.ones(self.n, dtype=bool)
        watch[self._blind] = False
        return watch

    def _build_meters(self, m_cfg: MetersSection, rng: RandomTree, n_total: int) -> None:
        """Accuracy, clocks, keys, metrology cores, SPI links and management cores.

        Every draw is made for the whole fleet of ``n_total`` meters, then restricted.
        """
        members = self.members
        gen = rng.generator("meters")
        accuracy = m_cfg.accuracy_class
        accuracy_class, error = draw_accuracy(
            gen, n_total, accuracy if isinstance(accuracy, str) else accuracy.model_dump()
        )
        self.accuracy_class = np.asarray(members.take(accuracy_class))
        self.error = np.asarray(members.take(error), dtype=np.float64)
        drift = gen.normal(0.0, m_cfg.clock.drift_ppm_sigma, n_total)
        self.clocks = LegalClocks(members.take(drift))
        self.keys = derive_keys(rng.generator("meter-keys").bytes(32), members.index)
        buffer_days = m_cfg.management.buffer_days
        self.metrology = MetrologyCores(
            self.n,
            profile_capacity=(buffer_days + 1) * self.per_day,
            freeze_capacity=buffer_days + 3,
            accuracy_error=self.error,
            demand_intervals=1 if m_cfg.demand_period is None else m_cfg.demand_period // self.dt,
            keys=self.keys,
            legal_firmware_id=m_cfg.legal_firmware_id,
            meter_index=members.index,
            sag_pu=m_cfg.events.sag_pu,
            swell_pu=m_cfg.events.swell_pu,
        )
        self.port = self.metrology.port()
        spi = m_cfg.spi
        self.spi = SpiLink(
            self.port,
            bit_rate_bps=spi.bit_rate_bps,
            frame_bytes=spi.frame_bytes,
            queue_frames=spi.queue_frames,
        )
        self.management = ManagementCores(
            self.spi, firmware_version=m_cfg.management.firmware_version
        )

    def _build_comms(
        self, c_cfg: CommsSection, rng: RandomTree, transformer: NDArray[np.int64]
    ) -> None:
        """Technology, channel, concentrators and each meter's collection offset."""
        members = self.members
        base = TECHNOLOGIES[c_cfg.technology]
        self.technology = Technology(
            base.name,
            base.loss if c_cfg.loss is None else c_cfg.loss,
            base.latency_median_s if c_cfg.latency_median_s is None else c_cfg.latency_median_s,
            base.latency_sigma if c_cfg.latency_sigma is None else c_cfg.latency_sigma,
            base.bit_rate_bps if c_cfg.bit_rate_bps is None else c_cfg.bit_rate_bps,
            base.timeout_s,
        )
        self.channel = Channel(
            self.technology,
            retries=c_cfg.retries,
            streams=ItemStreams(rng.seed, "comms", members.index),
        )
        self.concentrators = Concentrators(
            members.take(transformer), all_transformer_ids=np.unique(transformer)
        )
        self.retry_every = c_cfg.retry_every
        n_total, spread = members.n_total, c_cfg.read_spread
        offsets = (
            rng.generator("read-offsets").uniform(0, spread, n_total)
            if spread
            else np.zeros(n_total)
        )
        self.read_offset_s = np.asarray(members.take(offsets), dtype=np.float64)

    # the interval ------------------------------------------------------------------------

    def relay(self, p_kw: np.ndarray, q_kvar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Premise power behind the disconnector (0 where the relay is open)."""
        closed = self.management.relay_closed
        if closed.all():
            return p_kw, q_kvar
        return p_kw * closed, q_kvar * closed

    def meter(self, k: int, p_kw: np.ndarray) -> None:
        """Integrate interval ``k`` into the metrology cores (and the truth)."""
        end_s = (k + 1) * self.dt
        offset = self.clocks.offset_s(end_s)
        self.metrology.integrate(
            p_kw,
            dt_s=self.dt,
            interval_end_s=end_s,
            tariff=int(self.tariff[k]),
            clock_offset_s=offset,
        )
        e_imp, e_exp = split_import_export_wh(p_kw, self.dt)
        self._true[0] += e_imp
        self._true[1] += e_exp
        if self.axis.ends_at_local_midnight[k]:
            self.metrology.freeze_daily(end_s, monthly=bool(self.monthly[k]))

    def after_flow(self, k: int, p_kw: np.ndarray, result: PowerFlowResult) -> None:
        """Supply events, SPI poll, app power and daily usage, collection, daily tables."""
        end_s = (k + 1) * self.dt
        vm = result.vm_pu[self.meter_bus] if result.converged else None
        if vm is not None and self._blind.size:
            vm[self._blind] = 1.0  # meters that do not watch the voltage see it nominal
        self.metrology.observe_supply(
            end_s, vm, self.management.relay_closed, self.clocks.offset_s(end_s)
        )
        running = self.management.poll(end_s)
        if self.app_every and (k + 1) % self.app_every == 0:
            who = np.flatnonzero(running)
            self.recorder.app_power(who, end_s, p_kw[who] * (1.0 + self.error[who]))
        for usage in self.management.daily_usage(
            running, dt_s=self.dt, idle_threshold_w=self.idle_w
        ):
            day = self.day_of[min(usage.last_record, len(self.day_of) - 1)]
            self.recorder.app_daily(
                usage.meters, day, usage.energy_wh, usage.idle_hours, usage.peak_w
            )
        if end_s % self.retry_every == 0:
            self.hes.collect(end_s)
        if self.axis.ends_at_local_midnight[k]:
            self._close_day(self.day_of[k])

    def _close_day(self, day: np.datetime64) -> None:
        self.recorder.true_energy(day, self._true[0].copy(), self._true[1].copy())
        self._true[:] = 0.0
        self.recorder.comm_stats(day, self.concentrators.transformer_ids, self.hes.close_day())
        self.recorder.flush_daily()

    def finish(self, end_s: int, last_k: int) -> None:
        """End of the run: seal the last partial block, read back, final collection."""
        self.metrology.seal_final(end_s)
        self.management.readback(end_s)
        self.hes.collect(end_s, final=True)
        self.hes.finish(end_s)
        if not self.axis.ends_at_local_midnight[last_k]:
            self._close_day(self.day_of[last_k])
        imp, exp = self.port.read_registers()
        self.recorder.meters(
            {
                "accuracy_class": [str(c) for c in self.accuracy_class],
                "error_percent": self.error * 100.0,
                "clock_drift_ppm": self.clocks.drift_ppm,
                "legal_firmware_id": [self.port.legal_firmware_id] * self.n,
                "final_import_wh": imp,
                "final_export_wh": exp,
            }
        )
