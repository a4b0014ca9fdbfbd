"""Prepaid accounts in the interval process: credit, top-ups, returns, supply commands.

Once per interval (:meth:`PrepaidAccounts.step`, after the meters have
counted it) the management cores debit their prepaid accounts for what the
consumption registers counted since the last read (electricity: the legal
tariff registers, a core that is down reads the backlog when it is up again;
water: the water meter's register as last heard over wM-Bus) and for the
standing charge, all accounts of a utility at once as numpy arrays. Then, in
order: the top-ups due (regular ones, and those prompted by a warning or a
disconnection), corrections of wrong sales, returns of sales, low-credit
warnings, emergency credit, and the disconnection of exhausted accounts
outside friendly-credit periods. A top-up that brings a disconnected
account's credit above zero sends a command to restore supply, a SimPy
process (:class:`ElectricityPrepaid`: the relay over the comms downlink;
:class:`~twin.engine.prepaid_water.WaterPrepaid`: the valve at the water
meter's next telegram).

The balance is a signed integer of minor units. Emergency credit is an
overdraft allowance (DLMS 202D): granted once per exhaustion (a transaction
``emergency``), it lets the balance fall to minus its amount, and the next
top-up repays it by raising the balance. A return reverses a sale at the
customer's request when the credit still holds it (else it is refused and
not recorded). Hence, per account and to the minor unit (``closing`` after
any refund, negative while emergency credit or friendly credit is
outstanding)::

    opening + sales - returns + corrections = consumed + refunds + closing

Randomness: premise attributes are drawn for the whole fleet and restricted
to the members (:mod:`twin.engine.prepaid_population`); what happens during
the run (amounts, errors, returns, delays, downlink attempts) comes from
per-premise streams (:class:`~twin.random_streams.ItemStreams`), so a
shard's premises see the whole run's numbers.
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
from twin.engine.alarm_prepaid import PrepaidAlarms
from twin.engine.ami import Ami
from twin.engine.prepaid_population import PrepaidPopulation
from twin.engine.recording_prepaid import Command, PrepaidRecorder
from twin.meters import events as ev
from twin.meters.management import RELAY_PREPAID
from twin.random_streams import ItemStreams
from twin.scenario import Scenario
from twin.scenario.prepaid_models import DelayModel
from twin.services.prepaid.credit import TRANSACTION_KINDS, friendly_mask, rounded_minor
from twin.services.prepaid.topups import PAYDAY, REACTIVE, regular_times, topup_amounts
from twin.streams import RunWriter

__all__ = ["ElectricityPrepaid", "PrepaidAccounts"]

_NONE = np.inf

_STREAM = {"electricity": "prepaid", "water": "prepaid-water"}
"""Name of each utility's per-premise random streams."""


class PrepaidAccounts:
    """The prepaid accounts of one utility at the premises simulated here, and their credit.

    The credit logic is the same for every utility; a subclass says how the
    management core reads the consumption and how supply is cut and restored
    (:class:`ElectricityPrepaid`: the meter's relay;
    :class:`~twin.engine.prepaid_water.WaterPrepaid`: a water meter's valve).

    Parameters
    ----------
    scenario : Scenario
        With ``prepaid`` and ``tariffs``.
    axis : TimeAxis
        The run's time axis.
    ami : Ami
        The meters (relays, registers, management cores, concentrators).
    population : PrepaidPopulation
        The prepaid premises, their habits, prices and accounts.
    writer : RunWriter
        Where the prepaid tables go.
    """

    ID_PREFIX: tuple[str, str] = ("TX", "RC")
    """Prefixes of the transaction and command ids (``TX`` + account number, ``RC`` +
    meter number for electricity)."""

    def __init__(
        self,
        scenario: Scenario,
        axis: TimeAxis,
        ami: Ami,
        population: PrepaidPopulation,
        writer: RunWriter,
    ):
        cfg, tariffs = scenario.prepaid, scenario.tariffs
        assert cfg is not None and tariffs is not None
        pop = population
        self.cfg, self.axis, self.ami, self.population = cfg, axis, ami, pop
        self.env: simpy.Environment | None = None
        self.alarms: PrepaidAlarms | None = None
        """Low-credit and self-disconnection alarms (the engine sets them)."""
        self.n = pop.n
        self.meter = pop.meter
        self.risk, self.cadence = pop.risk, pop.cadence
        self.streams = ItemStreams(scenario.seed, _STREAM[pop.utility], pop.keys)
        self._returns = ItemStreams(scenario.seed, _STREAM[pop.utility] + "-returns", pop.keys)
        self.premise_id, self.meter_id = pop.premise_id, pop.meter_id
        self.decimals = tariffs.decimals
        scale = 10.0**self.decimals
        self._scale = scale
        self.registers = pop.price.shape[1]
        self._price = pop.price
        self._standing = pop.standing
        money = pop.scale * scale
        self._opening = np.round(cfg.opening_credit * money).astype(np.int64)
        self._emergency = np.round(cfg.emergency_credit * money).astype(np.int64)
        self._thresholds = np.round(
            np.asarray(cfg.warning_thresholds, dtype=np.float64)[None, :] * money[:, None]
        ).astype(np.int64)
        # accounts
        stays = pop.stays
        self.account_id = pop.accounts["account_id"].astype(str).tolist()
        self._acct_slot = stays["premise"].to_numpy(np.int64)
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
            pop.weekday,
            pop.payday,
            pop.hour,
            start=axis.start,
            duration_s=axis.duration_s,
            timezone=axis.timezone,
        )
        self._reg_ptr = 0
        # friendly credit at every interval boundary (when supply would be cut)
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
        self._base = self._registers().copy()
        self._last = self._base.copy()
        self.emergency_on = np.zeros(n, dtype=bool)
        self.warn_level = np.zeros(n, dtype=np.int64)
        self.disconnected = np.zeros(n, dtype=bool)
        self.in_flight = np.zeros(n, dtype=bool)
        self.pending_s = np.full(n, _NONE)
        self._corr_s = np.full(n, _NONE)
        self._corr_minor = np.zeros(n, dtype=np.int64)
        self._ret_s = np.full(n, _NONE)
        self._ret_minor = np.zeros(n, dtype=np.int64)
        self._intr_start = np.full(n, np.nan)
        self._day = np.zeros((3, n), dtype=np.int64)  # consumed, topped up, warnings
        self._cmd_count = np.zeros(n, dtype=np.int64)
        self._consumed = 0
        self._totals: dict[str, int] = {}
        self.recorder = PrepaidRecorder(
            writer, axis.start.tz_convert("UTC"), tariffs.currency, self.decimals, pop.utility
        )

    # what a subclass provides ---------------------------------------------------------------

    def _registers(self) -> NDArray[np.int64]:
        """The consumption registers the management cores have read, ``(registers, n)``."""
        raise NotImplementedError

    def _readable(self, end_s: int) -> NDArray[np.bool_]:
        """bool per slot: its registers were read now (the core runs)."""
        raise NotImplementedError

    def _disconnect(self, slots: NDArray[np.int64], t_s: float) -> None:
        """Cut the supply of ``slots`` for exhausted credit."""
        raise NotImplementedError

    def _travel(
        self, env: simpy.Environment, s: int, cmd: Command
    ) -> Generator[simpy.Event, Any, None]:
        """The SimPy process carrying ``cmd`` to slot ``s``'s device."""
        raise NotImplementedError

    # the interval -------------------------------------------------------------------------

    def step(self, k: int) -> None:
        """Interval ``k`` has been metered: debit, top up, warn, grant, disconnect."""
        dt = self.axis.interval_s
        t0, end_s = k * dt, (k + 1) * dt
        self._close_accounts(k, t0)
        self._open_accounts(t0)
        reg = self._registers()
        self._last = reg
        open_ = self.acct >= 0
        running = self._readable(end_s) & open_
        energy = np.einsum("rn,nr->n", reg - self._base, self._price)
        self._exact += np.where(open_, self._standing * dt, 0.0)
        self._exact += np.where(running, energy, 0.0)
        self._base[:, running] = reg[:, running]
        debit = rounded_minor(self._exact) - self._charged
        debit[~open_] = 0
        self._charged += debit
        self.balance -= debit
        self._day[0] += debit
        self._consumed += int(debit.sum())
        self._top_up(end_s, open_)
        self._correct(end_s, open_)
        self._return(end_s, open_)
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

    def money(self) -> dict[str, int]:
        """Totals of the run [minor units]: per transaction kind, consumed, accounts, cuts."""
        u = self.population.utility
        cuts = sum(
            1
            for c in self.recorder.commands
            if c.reason == "credit_exhausted" and c.state == "executed"
        )
        return {
            f"{u}_accounts": len(self.account_id),
            **{f"{u}_{kind}": self._totals.get(kind, 0) for kind in TRANSACTION_KINDS},
            f"{u}_consumed": self._consumed,
            f"{u}_cuts": cuts,
        }

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
            self._ret_s[s], self._ret_minor[s] = _NONE, 0  # the credit is refunded instead
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
            self.balance[s] = self._opening[s]
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
        scale = self.population.scale[due]
        amount = topup_amounts(
            self.streams.standard_normal(due), top.amount, factor, self.decimals, scale
        )
        u = self.streams.random(due, 2)
        step = np.round(top.amount.step * scale * self._scale).astype(np.int64)
        wrong = u[:, 0] < top.operator_error_rate
        sold = np.where(
            wrong, np.maximum(amount + np.where(u[:, 1] < 0.5, -step, step), step), amount
        )
        returned = self._returns.random(due) < top.return_rate
        for i, s in enumerate(due.tolist()):
            self._transaction(s, float(when[s]), "sale", int(sold[i]))
            if wrong[i]:
                self._corr_minor[s] += int(amount[i] - sold[i])
                self._corr_s[s] = min(self._corr_s[s], float(when[s]) + top.correction_delay)
            if returned[i] and self._ret_s[s] == _NONE:
                self._ret_s[s] = float(when[s]) + top.return_delay
                self._ret_minor[s] = int(sold[i])
        self.balance[due] += sold
        self._day[1, due] += sold
        self._restored(due)

    def _correct(self, end_s: int, open_: NDArray[np.bool_]) -> None:
        due = np.flatnonzero((self._corr_s < end_s) & open_)
        for s in due.tolist():
            self._apply_correction(s, float(self._corr_s[s]))
        self._restored(due)

    def _return(self, end_s: int, open_: NDArray[np.bool_]) -> None:
        """Sales reversed at the customer's request, where the credit still holds them."""
        due = np.flatnonzero((self._ret_s < end_s) & open_)
        for s in due.tolist():
            amount = int(self._ret_minor[s])
            if 0 < amount <= self.balance[s]:
                self._transaction(s, float(self._ret_s[s]), "return", amount)
                self.balance[s] -= amount
                self._day[1, s] -= amount
            self._ret_s[s], self._ret_minor[s] = _NONE, 0

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
        level = (self.balance[:, None] <= self._thresholds).sum(axis=1)
        new = np.flatnonzero(open_ & (level > self.warn_level))
        self.warn_level = np.where(open_, level, 0)
        if self.alarms is not None:
            self.alarms.warnings(end_s, new, self.warn_level, self.balance, self._thresholds)
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
            self._transaction(s, float(end_s), "emergency", int(e[s]))
        self.emergency_on[grant] = True
        floor = np.where(self.emergency_on, -e, 0)
        out = open_ & ~self.disconnected & (self.balance <= floor) & ((e == 0) | self.emergency_on)
        if not self.friendly[k + 1]:
            cut = np.flatnonzero(out)
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

    def _cut_alarms(self, slots: NDArray[np.int64], t_s: float) -> None:
        """Self-disconnection alarms of ``slots``, cut at ``t_s``."""
        if self.alarms is not None:
            floor = np.where(self.emergency_on[slots], -self._emergency[slots], 0)
            for s, f in zip(slots.tolist(), floor.tolist(), strict=True):
                self.alarms.disconnected(np.array([s]), t_s, self.balance, float(f))

    def _delays(self, slots: NDArray[np.int64], model: DelayModel) -> NDArray[np.float64]:
        z = self.streams.standard_normal(slots)
        return np.round(model.median * np.exp(model.sigma * z)).astype(np.float64)

    # records ------------------------------------------------------------------------------

    def _transaction(self, s: int, t_s: float, kind: str, minor: int) -> None:
        a = int(self.acct[s])
        self._tx_count[a] += 1
        account = self.account_id[a]
        self._totals[kind] = self._totals.get(kind, 0) + int(minor)
        tx_id = f"{self.ID_PREFIX[0]}{account[3:]}-{int(self._tx_count[a]):05d}"
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
            command_id=f"{self.ID_PREFIX[1]}{self.meter_id[s][1:]}-{int(self._cmd_count[s]):04d}",
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


class ElectricityPrepaid(PrepaidAccounts):
    """Prepaid electricity: debited from the legal tariff registers, the relay in the loop.

    The relay opens at once (the management core drives it), logged by the
    legal core as a remote disconnection; a reconnection travels the comms
    downlink and may need the customer's confirmation
    (:class:`~twin.scenario.prepaid_models.ReconnectSection`). A scheduled
    remote disconnection of the same meter holds the relay for its own reason:
    the relay closes only when neither holds it.
    """

    def _registers(self) -> NDArray[np.int64]:
        imp, _ = self.ami.port.read_tariff_registers()
        return imp[: self.registers][:, self.meter].astype(np.int64)

    def _readable(self, end_s: int) -> NDArray[np.bool_]:
        return self.ami.management.running(float(end_s))[self.meter]

    def _disconnect(self, slots: NDArray[np.int64], t_s: float) -> None:
        """The relay opens at once: the management core holds it open for credit."""
        ami = self.ami
        opened = ami.management.hold_relay(self.meter[slots], RELAY_PREPAID)
        ami.metrology.log_event(
            opened, t_s, ami.clocks.offset_s(t_s, opened), ev.REMOTE_DISCONNECT, "prepaid credit"
        )
        self.disconnected[slots] = True
        self._intr_start[slots] = t_s
        self._cut_alarms(slots, t_s)
        for s in slots.tolist():
            cmd = self._command(s, "credit_exhausted", t_s)
            cmd.delivered_s = cmd.executed_s = t_s
            cmd.attempts, cmd.state = 0, "executed"

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
        closed = ami.management.release_relay(self.meter[[s]], RELAY_PREPAID)
        ami.metrology.log_event(
            closed, t, ami.clocks.offset_s(t, closed), ev.REMOTE_CONNECT, "prepaid credit"
        )
        cmd.executed_s, cmd.state = t, "executed"
        self.disconnected[s] = False
        self.in_flight[s] = False
        if self.alarms is not None:
            self.alarms.restored(s, t)
        if not np.isnan(self._intr_start[s]):
            self._end_interruption(s, t)
