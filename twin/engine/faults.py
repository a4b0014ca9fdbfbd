"""Discrete happenings of the metering infrastructure, as SimPy events.

Scheduled concentrator outages and random ones (Poisson per concentrator),
management-core crashes and hangs, firmware campaigns (staged waves,
download over the comms technology, reboot, failure and rollback; an image
for the legal core is refused), clock-drift faults, meter tamper (cover
opened), compromised management cores, and remote disconnect/reconnect
commands. Each changes the :class:`~twin.engine.ami.Ami` arrays when it fires.

When the Ami simulates a shard, every selection (meters of a fault or a
campaign, areas of an outage, failures of a campaign) is drawn for the whole
fleet, in the same order as the whole run, and then restricted to the
members (:meth:`~twin.members.Members.localise`) or the areas held here
(:meth:`~twin.comms.Concentrators.localise_areas`). Firmware attempt ids
count per meter, so they are the same in a shard as in the whole run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import simpy

from twin.engine.ami import Ami
from twin.engine.theft import Thefts
from twin.meters import events as ev
from twin.meters.management import RELAY_SCHEDULED
from twin.scenario import Scenario
from twin.scenario.ami_models import FirmwareCampaign, Target, TheftFault

__all__ = ["FirmwareRecorder", "schedule_ami_events", "select"]

SECONDS_PER_YEAR = 365.25 * 86_400


def select(target: Target, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices chosen by a target: a share (at least one when positive) or a list.

    Parameters
    ----------
    target : float or list of int
        Share of the ``n`` items, or their indices (those outside ``0 .. n-1`` are ignored).
    n : int
        Number of items (the whole fleet's meters or areas).
    rng : numpy.random.Generator
        Draws the share.

    Returns
    -------
    numpy.ndarray
        Sorted int64 indices in ``0 .. n-1``.
    """
    if isinstance(target, list):
        return np.unique(np.asarray([i for i in target if 0 <= i < n], dtype=np.int64))
    k = round(float(target) * n)
    if float(target) > 0:
        k = max(k, 1)
    return np.sort(rng.choice(n, size=min(k, n), replace=False)).astype(np.int64)


def _at(env: simpy.Environment, t_s: float, action: Callable[[], None]) -> None:
    """Run ``action`` at simulated time ``t_s``; nothing at or after the run's end."""
    if t_s >= getattr(env, "horizon_s", np.inf):
        return
    delay = max(0.0, t_s - env.now)
    timeout = env.timeout(delay)
    timeout.callbacks.append(lambda _event: action())


def _members(ami: Ami, full: np.ndarray) -> np.ndarray:
    """Local positions of the members among whole-fleet positions ``full``."""
    return ami.members.localise(full)[1]


class FirmwareRecorder:
    """Counts attempts (per meter: the attempt id) and forwards result rows to the recorder.

    Parameters
    ----------
    ami : Ami
        The metering infrastructure the campaigns act on.
    active : bool
        False: waves change nothing and record nothing.
    """

    def __init__(self, ami: Ami, *, active: bool = True):
        self.ami = ami
        self.active = active
        self.attempts = np.zeros(ami.n, dtype=np.int64)
        self.results: dict[str, int] = {}
        self.on_failed: Callable[[np.ndarray, np.ndarray], None] | None = None
        """Called with the meters whose management update fails and the times the
        attempts end (rolled back) [s]."""

    def wave(
        self,
        meters: np.ndarray,
        failed: np.ndarray,
        campaign: FirmwareCampaign,
        t_s: float,
    ) -> None:
        """One wave of a campaign on ``meters`` (local positions) starting now.

        ``failed`` (bool per meter) says which management updates fail and roll back.
        """
        ami = self.ami
        m = meters.shape[0]
        if m == 0 or not self.active:
            return
        ids = self.attempts[meters].copy()
        self.attempts[meters] += 1
        if campaign.core == "metrology":
            ami.port.offer_firmware(meters, t_s, ami.clocks.offset_s(t_s, meters))
            ami.recorder.firmware(
                meters,
                ids,
                "metrology",
                [ami.port.legal_firmware_id] * m,
                campaign.to_version,
                ["refused"] * m,
                np.full(m, t_s),
                np.full(m, t_s),
            )
            self.results["refused"] = self.results.get("refused", 0) + m
            return
        mgmt = ami.management
        download = ami.channel.download_s(campaign.image_kib, meters)
        reboot = campaign.reboot_s
        finish = t_s + download + reboot * np.where(failed, 2.0, 1.0)
        mgmt.take_down(meters, t_s + download, finish)
        before = mgmt.version_names(meters, t_s)
        mgmt.set_version(meters[~failed], campaign.to_version, at_s=finish[~failed])
        result = ["failed_rolled_back" if f else "success" for f in failed]
        ami.recorder.firmware(
            meters, ids, "management", before, campaign.to_version, result, np.full(m, t_s), finish
        )
        for r in result:
            self.results[r] = self.results.get(r, 0) + 1
        if failed.any():
            ami.ledger.add("firmware_failure_observed", meters[failed])
            if self.on_failed is not None:
                self.on_failed(meters[failed], finish[failed])


def _campaign(
    env: simpy.Environment, ami: Ami, fw: FirmwareRecorder, campaign: FirmwareCampaign
) -> None:
    rng = ami.faults_rng
    chosen = select(campaign.share, ami.members.n_total, rng)
    if campaign.core == "management":
        failed = np.less(rng.random(chosen.shape[0]), campaign.failure_probability)
    else:
        failed = np.zeros(chosen.shape[0], dtype=bool)
    waves = np.array_split(chosen, campaign.waves)
    fails = np.array_split(failed, campaign.waves)
    for i, (wave, fail) in enumerate(zip(waves, fails, strict=True)):
        keep, local = ami.members.localise(wave)
        t = campaign.start + i * campaign.wave_interval
        _at(env, t, partial(fw.wave, local, fail[keep], campaign, float(t)))


def schedule_theft_signals(env: simpy.Environment, ami: Ami, thefts: Thefts) -> None:
    """The meter cover opened when a thief with that side signal starts (a legal event)."""
    meters, start_s = thefts.cover_openings()
    for start in np.unique(start_s).tolist():
        who = meters[start_s == start]
        offset = partial(ami.clocks.offset_s, start, who)
        _at(env, start, partial(_tamper, ami, who, start, offset))


def schedule_ami_events(
    env: simpy.Environment,
    ami: Ami,
    scenario: Scenario,
    *,
    firmware: bool = True,
    area_meters: Ami | None = None,
) -> FirmwareRecorder:
    """Schedule every AMI happening of the scenario; returns the firmware tally.

    Without ``firmware`` the campaigns' waves do nothing (a pass that does not
    meter, such as the first level of a coupled sharded run: firmware never
    changes the power). A concentrator outage also cuts off the area check
    meter of its area (``area_meters``), which reports through it.
    """
    env.horizon_s = ami.axis.duration_s  # type: ignore[attr-defined]
    rng = ami.faults_rng
    n_total = ami.members.n_total
    conc, mgmt, clocks = ami.concentrators, ami.management, ami.clocks
    fw = FirmwareRecorder(ami, active=firmware)
    for campaign in scenario.meters.firmware_campaigns:
        _campaign(env, ami, fw, campaign)
    for cmd in scenario.meters.remote_disconnects:
        meters = _members(ami, select(cmd.meters, n_total, rng))
        _at(env, cmd.at, partial(_disconnect, env, ami, meters, open_=True))
        _at(env, cmd.at + cmd.duration, partial(_disconnect, env, ami, meters, open_=False))
    c = scenario.comms
    duration = ami.axis.duration_s
    if c.outage_rate_per_year > 0:
        for a in range(conc.n_all_areas):  # every area of the fleet draws, held here or not
            k = rng.poisson(c.outage_rate_per_year * duration / SECONDS_PER_YEAR)
            here = conc.localise_areas(np.array([a]))
            for start in np.sort(rng.uniform(0, duration, k)).tolist():
                length = float(rng.exponential(c.outage_hours_mean * 3600.0))
                _outage(env, ami, here, start, length, follower=area_meters)
    for fault in scenario.faults:
        kind: str = fault.kind
        if isinstance(fault, TheftFault):  # acts on the power the meters see (engine.theft)
            continue
        if kind == "concentrator_outage":
            areas = (
                conc.areas_of(fault.target)
                if isinstance(fault.target, list)
                else conc.localise_areas(select(fault.target, conc.n_all_areas, rng))
            )
            _outage(
                env, ami, areas, fault.start, fault.duration, scheduled=True, follower=area_meters
            )
            continue
        full = select(fault.target, n_total, rng)
        meters = _members(ami, full)
        if fault.start >= duration:
            continue
        ami.ledger.add(kind, meters)
        f: Any = fault
        if kind == "management_crash":
            _at(env, f.start, partial(mgmt.take_down, meters, f.start, f.start + f.reboot_s))
        elif kind == "management_hang":
            _at(env, f.start, partial(mgmt.take_down, meters, f.start, f.start + f.duration))
        elif kind == "firmware_failure":
            bad = FirmwareCampaign(
                to_version=f.to_version,
                start=f.start,
                share=[int(i) for i in full],
                failure_probability=1.0,
                reboot_s=f.reboot_s,
            )
            _campaign(env, ami, fw, bad)
        elif kind == "clock_drift":
            _at(env, f.start, partial(clocks.set_drift, meters, f.drift_ppm, f.start))
        elif kind == "tamper":
            offset = partial(clocks.offset_s, f.start, meters)
            _at(env, f.start, partial(_tamper, ami, meters, f.start, offset))
        elif kind == "compromised_management":
            attack = partial(
                mgmt.compromise,
                meters,
                f.start,
                f.start + f.duration,
                alter_p=f.alter_probability,
                drop_p=f.drop_probability,
                replay_p=f.replay_probability,
                alter_factor=f.alter_factor,
            )
            _at(env, f.start, attack)
    return fw


def _tamper(ami: Ami, meters: np.ndarray, t_s: float, offset: Callable[[], np.ndarray]) -> None:
    ami.metrology.log_event(meters, t_s, offset(), ev.COVER_OPENED, "cover opened")


def _outage(
    env: simpy.Environment,
    ami: Ami,
    areas: np.ndarray,
    start: float,
    length: float,
    *,
    scheduled: bool = False,
    follower: Ami | None = None,
) -> None:
    if areas.size == 0 or start >= ami.axis.duration_s:
        return
    if scheduled:
        ami.ledger.areas.update(int(a) for a in areas)
    conc = ami.concentrators
    _at(env, start, partial(conc.begin_outage, areas, length))
    _at(env, start + length, partial(conc.end_outage, areas))
    if follower is not None:  # the area check meters behind the same concentrators
        theirs = follower.concentrators.areas_of(conc.transformer_ids[areas].tolist())
        _outage(env, follower, theirs, start, length)


def _disconnect(env: simpy.Environment, ami: Ami, meters: np.ndarray, *, open_: bool) -> None:
    t = float(env.now)
    mgmt = ami.management
    if open_:
        change = mgmt.hold_relay(meters, RELAY_SCHEDULED)
    else:
        change = mgmt.release_relay(meters, RELAY_SCHEDULED)
    code = ev.REMOTE_DISCONNECT if open_ else ev.REMOTE_CONNECT
    ami.metrology.log_event(change, t, ami.clocks.offset_s(t, change), code)
