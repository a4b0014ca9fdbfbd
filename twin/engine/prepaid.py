"""Prepaid household accounts in the interval process: credit, top-ups, relay commands.

Once per interval (:meth:`PrepaidAccounts.step`, after the metrology cores
have integrated it) the management cores of prepaid meters debit their
accounts for the energy the legal tariff registers counted since the last
read (a core that is down reads the backlog when it is up again) and for the
standing charge, all prepaid accounts at once as numpy arrays. Then, in
order: the top-ups due (regular ones, and those prompted by a warning or a
disconnection), corrections of wrong sales, low-credit warnings, emergency
credit, and the disconnection of exhausted accounts outside friendly-credit
periods (the relay opens as a remote disconnection does, logged by the legal
core). A top-up that brings a disconnected account's credit above zero sends
a reconnection over the downlink, a SimPy process (latency, loss, retries,
blocked during a concentrator outage, then the customer's confirmation).

The balance is a signed integer of minor units. Emergency credit is an
overdraft allowance (DLMS 202D): granted once per exhaustion (a transaction
``emergency``), it lets the balance fall to minus its amount, and the next
top-up repays it by raising the balance. Hence, per account and to the minor
unit (``closing`` after any refund, negative while emergency credit or
friendly credit is outstanding)::

    opening + sales - returns + corrections = consumed + refunds + closing

Randomness: premise attributes (prepaid or not, at risk, cadence, weekday,
pay day, hour) are drawn for the whole household fleet from the run's
``prepaid`` generator and restricted to the members; what happens during the
run (amounts, errors, delays, downlink attempts) comes from per-premise
streams (:class:`~twin.random_streams.ItemStreams`), so a shard's premises
see the whole run's numbers.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pandas as pd
import simpy
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.comms.downlink import attempt_latency_s
from twin.devices.households import HouseholdFleet
from twin.engine.ami import Ami
from twin.engine.recording_prepaid import Command, PrepaidRecorder
from twin.members import Members
from twin.meters import events as ev
from twin.meters.time_switch import tariff_count
from twin.random_streams import ItemStreams, RandomTree
from twin.scenario import Scenario
from twin.scenario.prepaid_models import DelayModel
from twin.services.billing.accounts import account_frame, tenancies
from twin.services.prepaid.credit import friendly_mask, prepaid_prices, rounded_minor
from twin.services.prepaid.topups import PAYDAY, REACTIVE, regular_times, topup_amounts
from twin.streams import RunWriter

__all__ = ["PrepaidAccounts"]

_NONE = np.inf


class PrepaidAccounts:
    """The prepaid accounts of a run's member households and their credit state.

    Parameters
    ----------
    scenario : Scenario
        With ``prepaid`` and ``tariffs``.
    axis : TimeAxis
        The run's time axis.
    ami : Ami
        The meters (relays, registers, management cores, concentrators).
    households : HouseholdFleet
        The member households (their moves open and close accounts).
    members : Members
        The member households among the whole household fleet.
    meters : slice
        Local meter positions of the households.
    premise_ids, meter_ids : list of str
        Ids of the member households' premises and meters.
    rng : RandomTree
        The run's random tree.
    writer : RunWriter
        Where the prepaid tables go.
    """

    def __init__(
        self,
        scenario: Scenario,
        axis: TimeAxis,
        ami: Ami,
        households: HouseholdFleet,
        members: Members,
        meters: slice,
        premise_ids: list[str],
        meter_ids: list[str],
        rng: RandomTree,
        writer: RunWriter,
    ):
        cfg, tariffs = scenario.prepaid, scenario.tariffs
        assert cfg is not None and tariffs is not None
        self.cfg, self.axis, self.ami = cfg, axis, ami
        self.env: simpy.Environment | None = None
        top = cfg.topup
        n_total = members.n_total
        g = rng.generator("prepaid")
        on = g.random(n_total) < cfg.share
        risk = g.random(n_total) < top.at_risk_share
        c = top.cadence
        cadence = g.choice(3, size=n_total, p=[c.weekly, c.payday, c.reactive])
        w = np.asarray(top.weekday_weights, dtype=np.float64)
        weekday = g.choice(7, size=n_total, p=w / w.sum())
        payday = g.choice(np.asarray(top.payday_of_month, dtype=np.int64), size=n_total)
        hour = g.uniform(top.hours[0], top.hours[1], n_total)
        slots = np.flatnonzero(members.take(on)).astype(np.int64)  # local household positions
        self.n = slots.size
        self.premise = slots
        self.meter = (meters.start + slots).astype(np.int64)
        self.premise_mask = np.zeros(households.n, dtype=bool)
        self.premise_mask[slots] = True
        self.risk = members.take(risk)[slots]
        self.cadence = np.asarray(members.take(cadence)[slots], dtype=np.int64)
        self.streams = ItemStreams(rng.seed, "prepaid", members.index[slots])
        self.premise_id = [premise_ids[i] for i in slots]
        self.meter_id = [meter_ids[i] for i in slots]
        self.decimals = tariffs.decimals
        scale = 10.0**self.decimals
        self._scale = scale
        # prices: every prepaid premise is a household, on the households' plan
        plan = tariffs.price_plans()[tariffs.plan_of()["household"]]
        self.registers = tariff_count(scenario.meters.tariff_windows())
        self._price_minor_per_wh = prepaid_prices(plan, self.registers) * scale / 1e3
        self._standing_minor_per_s = plan.standing_per_day * scale / 86_400.0
        self._opening = round(cfg.opening_credit * scale)
        self._emergency = round(cfg.emergency_credit * scale)
        self._thresholds = np.round(np.asarray(cfg.warning_thresholds) * scale).astype(np.int64)
        # accounts: the billing's tenancies of the prepaid premises
        periods = households.vacancy_periods()
        gaps = periods[periods["kind"] == "between_tenants"]
        stays = tenancies(
            households.n,
            gaps["premise"].to_numpy(np.int64),
            gaps["start_s"].to_numpy(np.int64),
            gaps["end_s"].to_numpy(np.int64),
            axis.duration_s,
        )
        stays = stays[np.isin(stays["premise"].to_numpy(), slots)].reset_index(drop=True)
        points = pd.DataFrame(
            {"premise_id": premise_ids, "meter_id": meter_ids, "customer_kind": "household"}
        )
        accounts = account_frame(
            points,
            stays,
            plan_of=tariffs.plan_of(),
            currency=tariffs.currency,
            run_start=axis.start,
            duration_s=axis.duration_s,
        )
        self.account_id = accounts["account_id"].astype(str).tolist()
        self._acct_slot = np.searchsorted(slots, stays["premise"].to_numpy(np.int64))
        self._acct_start = stays["start_s"].to_numpy(np.int64)
        self._acct_end = stays["end_s"].to_numpy(np.int64)
        self._opens = np.argsort(self._acct_start, kind="stable")
        closing = np.flatnonzero(self._acct_end < axis.duration_s)
        self._closes = closing[np.argsort(self._acct_end[closing], kind="stable")]
        self._open_ptr = self._close_ptr = 0
        self._tx_count = np.zeros(len(self.account_id), dtype=np.int64)
        # regular top-ups
        self._reg_slot, self._reg_t = regular_times(
            self.cadence,
            members.take(weekday)[slots].astype(np.int64),
            members.take(payday)[slots].astype(np.int64),
            members.take(hour)[slots],
            start=axis.start,
            duration_s=axis.duration_s,
            timezone=axis.timezone,
        )
        self._reg_ptr = 0
        # friendly credit at every interval boundary (when a relay would open)
        bounds = pd.date_range(
            axis.start.tz_convert("UTC"), periods=axis.n_intervals + 1, freq=f"{axis.interval_s}s"
        ).tz_convert(axis.timezone)
        days = bounds.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)
        holidays = scenario.customers.holidays.around(days) if cfg.friendly.holidays else None
        self.friendly = friendly_mask(
            bounds,
            night=cfg.friendly.night,
            weekends=cfg.friendly.weekends,
            holidays=np.zeros(0, np.int64) if holidays is None else holidays,
        )
        # state per slot
        n = self.n
        self.acct = np.full(n, -1, dtype=np.int64)
        self.balance = np.zeros(n, dtype=np.int64)
        self._exact = np.zeros(n)
        self._charged = np.zeros(n, dtype=np.int64)
        imp, _ = ami.port.read_tariff_registers()
        self._base = imp[: self.registers][:, self.meter].astype(np.int64)
        self._last = self._base.copy()
        self.emergency_on = np.zeros(n, dtype=bool)
        self.warn_level = np.zeros(n, dtype=np.int64)
        self.disconnected = np.zeros(n, dtype=bool)
        self.in_flight = np.zeros(n, dtype=bool)
        self.pending_s = np.full(n, _NONE)
        self._corr_s = np.full(n, _NONE)
        self._corr_minor = np.zeros(n, dtype=np.int64)
        self._intr_start = np.full(n, np.nan)
        self._day = np.zeros((3, n), dtype=np.int64)  # consumed, topped up, warnings
        self._cmd_count = np.zeros(n, dtype=np.int64)
        self.recorder = PrepaidRecorder(
            writer, axis.start.tz_convert("UTC"), tariffs.currency, self.decimals
        )

    # the interval -------------------------------------------------------------------------

    def step(self, k: int) -> None:
        """Interval ``k`` has been metered: debit, top up, warn, grant, disconnect."""
        dt = self.axis.interval_s
        t0, end_s = k * dt, (k + 1) * dt
        self._close_accounts(k, t0)
        self._open_accounts(t0)
        imp, _ = self.ami.port.read_tariff_registers()
        reg = imp[: self.registers][:, self.meter].astype(np.int64)
        self._last = reg
        open_ = self.acct >= 0
        running = self.ami.management.running(float(end_s))[self.meter] & open_
        energy = self._price_minor_per_wh @ (reg - self._base)
        self._exact += np.where(open_, self._standing_minor_per_s * dt, 0.0)
        self._exact += np.where(running, energy, 0.0)
        self._base[:, running] = reg[:, running]
        debit = rounded_minor(self._exact) - self._charged
        debit[~open_] = 0
        self._charged += debit
        self.balance -= debit
        self._day[0] += debit
        self._top_up(end_s, open_)
        self._correct(end_s, open_)
        self._warn(end_s, open_)
        self._exhaust(k, end_s, open_)
        if self.axis.ends_at_local_midnight[k]:
            self._day_rows(np.flatnonzero(open_), self.ami.day_of[k])
            self.recorder.flush()

    def finish(self) -> None:
        """End of the run: the last partial day, interruptions still on, the tables."""
        last = self.axis.n_intervals - 1
        open_ = np.flatnonzero(self.acct >= 0)
        if not self.axis.ends_at_local_midnight[last]:
            self._day_rows(open_, self.ami.day_of[last])
        for s in np.flatnonzero(~np.isnan(self._intr_start)).tolist():
            self._end_interruption(s, np.nan)
        self.recorder.finish()

    # accounts -----------------------------------------------------------------------------

    def _close_accounts(self, k: int, t0: int) -> None:
        while self._close_ptr < self._closes.size:
            a = int(self._closes[self._close_ptr])
            if self._acct_end[a] > t0:
                break
            self._close_ptr += 1
            s = int(self._acct_slot[a])
            if self._corr_minor[s]:
                self._apply_correction(s, float(t0))
            refund = max(int(self.balance[s]), 0)
            if refund:
                self._transaction(s, float(t0), "refund", refund)
                self.balance[s] -= refund
            self._day_rows(np.array([s]), self.ami.day_of[min(k, self.axis.n_intervals - 1)])
            if not np.isnan(self._intr_start[s]):
                self._end_interruption(s, float(t0))
            self.acct[s] = -1
            self.pending_s[s] = self._corr_s[s] = _NONE
            self.emergency_on[s] = False
            self.warn_level[s] = 0

    def _open_accounts(self, t0: int) -> None:
        while self._open_ptr < self._opens.size:
            a = int(self._opens[self._open_ptr])
            if self._acct_start[a] > t0:
                break
            self._open_ptr += 1
            s = int(self._acct_slot[a])
            self.acct[s] = a
            self.balance[s] = self._opening
            self._exact[s] = 0.0
            self._charged[s] = 0
            self._base[:, s] = self._last[:, s]
            self._day[:, s] = 0
            if self.disconnected[s]:  # left open after the last tenant: a new household waits
                self._intr_start[s] = float(t0)
                if self.balance[s] > 0 and not self.in_flight[s]:
                    self._send(s, "credit_restored")

    # credit -------------------------------------------------------------------------------

    def _top_up(self, end_s: int, open_: NDArray[np.bool_]) -> None:
        regular = np.zeros(self.n, dtype=bool)
        when = np.full(self.n, _NONE)
        stop = int(np.searchsorted(self._reg_t, end_s, side="left"))
        if stop > self._reg_ptr:
            slot = self._reg_slot[self._reg_ptr : stop]
            t = self._reg_t[self._reg_ptr : stop].astype(np.float64)
            self._reg_ptr = stop
            keep = ~self.risk[slot] & (self.cadence[slot] != REACTIVE)
            regular[slot[keep]] = True
            np.minimum.at(when, slot[keep], t[keep])
        prompted = self.pending_s < end_s
        when = np.where(prompted, np.minimum(when, self.pending_s), when)
        due = np.flatnonzero((regular | prompted) & open_)
        self.pending_s[prompted] = _NONE
        if due.size == 0:
            return
        top = self.cfg.topup
        factor = np.where(
            regular[due] & ~prompted[due] & (self.cadence[due] == PAYDAY),
            top.amount.payday_factor,
            1.0,
        )
        amount = topup_amounts(self.streams.standard_normal(due), top.amount, factor, self.decimals)
        u = self.streams.random(due, 2)
        step = round(top.amount.step * self._scale)
        wrong = u[:, 0] < top.operator_error_rate
        sold = np.where(
            wrong, np.maximum(amount + np.where(u[:, 1] < 0.5, -step, step), step), amount
        )
        for i, s in enumerate(due.tolist()):
            self._transaction(s, float(when[s]), "sale", int(sold[i]))
            if wrong[i]:
                self._corr_minor[s] += int(amount[i] - sold[i])
                self._corr_s[s] = min(self._corr_s[s], float(when[s]) + top.correction_delay)
        self.balance[due] += sold
        self._day[1, due] += sold
        self._restored(due)

    def _correct(self, end_s: int, open_: NDArray[np.bool_]) -> None:
        due = np.flatnonzero((self._corr_s < end_s) & open_)
        for s in due.tolist():
            self._apply_correction(s, float(self._corr_s[s]))
        self._restored(due)

    def _apply_correction(self, s: int, t_s: float) -> None:
        amount = int(self._corr_minor[s])
        if amount:
            self._transaction(s, t_s, "correction", amount)
            self.balance[s] += amount
            self._day[1, s] += amount
        self._corr_minor[s] = 0
        self._corr_s[s] = _NONE

    def _restored(self, slots: NDArray[np.int64]) -> None:
        """Credit above zero again: emergency credit repaid, reconnect if cut off."""
        up = slots[self.balance[slots] > 0]
        self.emergency_on[up] = False
        for s in up[self.disconnected[up] & ~self.in_flight[up]].tolist():
            self._send(s, "credit_restored")

    def _warn(self, end_s: int, open_: NDArray[np.bool_]) -> None:
        level = (self.balance[:, None] <= self._thresholds[None, :]).sum(axis=1)
        new = np.flatnonzero(open_ & (level > self.warn_level))
        self.warn_level = np.where(open_, level, 0)
        if new.size == 0:
            return
        self._day[2, new] += 1
        top = self.cfg.topup
        react = new[~self.risk[new] & (self.pending_s[new] == _NONE)]
        if react.size:
            u = self.streams.random(react)
            delay = self._delays(react, top.warning_delay)
            go = react[u < top.warning_reaction]
            self.pending_s[go] = end_s + delay[u < top.warning_reaction]

    def _exhaust(self, k: int, end_s: int, open_: NDArray[np.bool_]) -> None:
        e = self._emergency
        grant = np.flatnonzero(open_ & (self.balance <= 0) & ~self.emergency_on & (e > 0))
        for s in grant.tolist():
            self._transaction(s, float(end_s), "emergency", e)
        self.emergency_on[grant] = True
        floor = np.where(self.emergency_on, -e, 0)
        out = open_ & ~self.disconnected & (self.balance <= floor) & ((e == 0) | self.emergency_on)
        if not self.friendly[k + 1]:
            cut = np.flatnonzero(out & self.ami.management.relay_closed[self.meter])
            if cut.size:
                self._disconnect(cut, float(end_s))
        # cut off with no credit and no top-up planned: the household will top up
        wait = np.flatnonzero(
            open_ & self.disconnected & (self.balance <= 0) & (self.pending_s == _NONE)
        )
        if wait.size:
            top = self.cfg.topup
            risky = self._delays(wait, top.at_risk_delay)
            other = self._delays(wait, top.after_disconnection)
            self.pending_s[wait] = end_s + np.where(self.risk[wait], risky, other)

    def _disconnect(self, slots: NDArray[np.int64], t_s: float) -> None:
        ami = self.ami
        meters = self.meter[slots]
        ami.management.relay_closed[meters] = False
        ami.metrology.log_event(
            meters, t_s, ami.clocks.offset_s(t_s, meters), ev.REMOTE_DISCONNECT, "prepaid credit"
        )
        self.disconnected[slots] = True
        self._intr_start[slots] = t_s
        for s in slots.tolist():
            cmd = self._command(s, "credit_exhausted", t_s)
            cmd.delivered_s = cmd.executed_s = t_s
            cmd.attempts, cmd.state = 0, "executed"

    def _delays(self, slots: NDArray[np.int64], model: DelayModel) -> NDArray[np.float64]:
        z = self.streams.standard_normal(slots)
        return np.round(model.median * np.exp(model.sigma * z)).astype(np.float64)

    # records ------------------------------------------------------------------------------

    def _transaction(self, s: int, t_s: float, kind: str, minor: int) -> None:
        a = int(self.acct[s])
        self._tx_count[a] += 1
        account = self.account_id[a]
        tx_id = f"TX{account[3:]}-{int(self._tx_count[a]):05d}"
        self.recorder.transaction(tx_id, account, self.meter_id[s], t_s, kind, minor)

    def _day_rows(self, slots: NDArray[np.int64], day: np.datetime64) -> None:
        for s in slots.tolist():
            a = int(self.acct[s])
            self.recorder.balance(
                self.account_id[a],
                self.meter_id[s],
                day,
                int(self.balance[s]),
                int(self._day[0, s]),
                int(self._day[1, s]),
                int(self._day[2, s]),
            )
        self._day[:, slots] = 0

    def _end_interruption(self, s: int, t_s: float) -> None:
        self.recorder.interruption(
            self.premise_id[s], self.meter_id[s], float(self._intr_start[s]), t_s
        )
        self._intr_start[s] = np.nan

    def _command(self, s: int, reason: str, t_s: float) -> Command:
        self._cmd_count[s] += 1
        a = int(self.acct[s])
        cmd = Command(
            command_id=f"RC{self.meter_id[s][1:]}-{int(self._cmd_count[s]):04d}",
            meter_id=self.meter_id[s],
            account_id=self.account_id[a] if a >= 0 else "",
            reason=reason,
            sent_s=t_s,
        )
        self.recorder.commands.append(cmd)
        return cmd

    # the downlink -------------------------------------------------------------------------

    def _send(self, s: int, reason: str) -> None:
        env = self.env
        if env is None:
            raise RuntimeError("PrepaidAccounts.env is not set; the engine sets it at scheduling")
        cmd = self._command(s, reason, float(env.now))
        self.in_flight[s] = True
        env.process(self._travel(env, s, cmd))

    def _travel(
        self, env: simpy.Environment, s: int, cmd: Command
    ) -> Generator[simpy.Event, Any, None]:
        """A reconnection command: attempts over the downlink, confirmation, relay closes."""
        r, tech = self.cfg.reconnect, self.ami.technology
        loss = tech.loss if r.loss is None else r.loss
        horizon = float(self.axis.duration_s)
        meter = int(self.meter[s])
        idx = np.array([s])
        for attempt in range(r.retries + 1):
            if attempt:
                if env.now + r.retry_every >= horizon:
                    self.in_flight[s] = False
                    return
                yield env.timeout(r.retry_every)
            cmd.attempts = attempt + 1
            u, z = self.streams.random(idx, 2)[0]
            up = bool(self.ami.concentrators.up[self.ami.concentrators.area[meter]])
            latency = attempt_latency_s(tech, loss, u, z, up=up)
            if latency is None:
                continue
            wait = latency + (r.confirmation_delay if r.confirmation else 0.0)
            if env.now + wait >= horizon:  # still on its way at the run end
                self.in_flight[s] = False
                return
            yield env.timeout(latency)
            cmd.delivered_s = float(env.now)
            if r.confirmation:
                yield env.timeout(r.confirmation_delay)
            self._reconnect(s, cmd)
            return
        cmd.state = "lost"
        self.in_flight[s] = False
        if env.now + r.reissue_after < horizon:
            yield env.timeout(r.reissue_after)
            waiting = self.disconnected[s] and self.balance[s] > 0 and self.acct[s] >= 0
            if waiting and not self.in_flight[s]:
                self._send(s, "credit_restored")

    def _reconnect(self, s: int, cmd: Command) -> None:
        ami, t = self.ami, float(self.env.now if self.env is not None else cmd.sent_s)
        meters = self.meter[[s]]
        if not ami.management.relay_closed[meters[0]]:
            ami.management.relay_closed[meters] = True
            ami.metrology.log_event(
                meters, t, ami.clocks.offset_s(t, meters), ev.REMOTE_CONNECT, "prepaid credit"
            )
        cmd.executed_s, cmd.state = t, "executed"
        self.disconnected[s] = False
        self.in_flight[s] = False
        if not np.isnan(self._intr_start[s]):
            self._end_interruption(s, t)
