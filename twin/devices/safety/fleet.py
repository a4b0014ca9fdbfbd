"""The premises' electrical state, interval by interval (layer 2).

:class:`SafetyFleet` holds, for the premises simulated here, their supply
cables (rating, insulation, thermal time constant), their natural leakage
and their hazards (:mod:`twin.devices.safety.hazards`). Each interval it
takes the premises' mean power, turns it into the circuit current at the
nominal voltage and :data:`~twin.devices.safety.params.POWER_FACTOR`, steps
the cable temperature exactly (:func:`~twin.devices.safety.thermal.cable_temperature_step`)
and sums the residual current and the arcing of the active hazards. A hazard
fails at a physical limit: an RCD-protected circuit trips when its fault
current reaches the RCD's trip level; an unprotected fault ignites at
:data:`~twin.devices.safety.params.FIRE_LEAKAGE_MA`; a series arc ignites at
:data:`~twin.devices.safety.params.SUSTAINED_ARCS_PER_MIN`; a cable ignites at
its insulation's critical temperature. A failure or a repair ends a hazard.
Each overload keeps a no-action twin of its cable (its "shadow"), stepped
with the same load, so its failure time if nobody acted is known even when
a crew repaired it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from twin.devices.safety.hazards import FAILURE_KINDS, HazardSet
from twin.devices.safety.params import (
    HAZARD_KINDS,
    INSULATION_CRITICAL_C,
    INSULATION_RATED_C,
    NOMINAL_VOLTAGE_V,
    POWER_FACTOR,
)
from twin.devices.safety.thermal import cable_temperature_step, steady_state_c

__all__ = ["Failure", "SafetyFleet", "SafetyState"]

_INSULATION = (HAZARD_KINDS.index("insulation_ageing"), HAZARD_KINDS.index("insulation_damage"))
_OVERLOAD = HAZARD_KINDS.index("overload")
_ARCING = HAZARD_KINDS.index("arcing")
_FIRE = FAILURE_KINDS.index("fire")


@dataclass(frozen=True)
class Failure:
    """A hazard's failure: local hazard position, kind index, time [s], value and unit."""

    hazard: int
    kind: int
    time_s: float
    value: float
    unit: str


@dataclass
class SafetyState:
    """True quantities of every local premise at the last interval end."""

    residual_ma: NDArray[np.float64]
    temp_c: NDArray[np.float64]
    arcs_per_min: NDArray[np.float64]


@dataclass
class SafetyFleet:
    """The premises' cables, leakage and hazards.

    Parameters
    ----------
    rated_a : numpy.ndarray
        Current-carrying capacity of each premise's supply cable [A].
    phases : numpy.ndarray
        1 or 3 per premise (the current is P / (phases V pf)).
    pvc : numpy.ndarray
        bool per premise: PVC insulation (else XLPE).
    tau_s : numpy.ndarray
        Thermal time constant of each cable [s].
    natural_ma : numpy.ndarray
        Natural leakage of each premise at moisture factor 1 [mA].
    hazards : HazardSet
        The hazards of these premises.
    dt_s : float
        Interval length [s].
    """

    rated_a: NDArray[np.float64]
    phases: NDArray[np.float64]
    pvc: NDArray[np.bool_]
    tau_s: NDArray[np.float64]
    natural_ma: NDArray[np.float64]
    hazards: HazardSet
    dt_s: float
    temp_c: NDArray[np.float64] = field(init=False)
    end_s: NDArray[np.float64] = field(init=False)
    end_reason: list[str | None] = field(init=False)
    would_fail_s: NDArray[np.float64] = field(init=False)
    failures: list[Failure] = field(init=False)
    state: SafetyState = field(init=False)

    def __post_init__(self) -> None:
        n, h = self.rated_a.size, self.hazards.n
        self.rated_c = np.where(self.pvc, INSULATION_RATED_C["pvc"], INSULATION_RATED_C["xlpe"])
        self.critical_c = np.where(
            self.pvc, INSULATION_CRITICAL_C["pvc"], INSULATION_CRITICAL_C["xlpe"]
        )
        self.temp_c = np.full(n, np.nan)
        self.end_s = np.full(h, np.nan)
        self.end_reason = [None] * h
        hz = self.hazards
        fails = hz.fail_k >= 0
        self.would_fail_s = np.where(fails, (hz.fail_k + 1) * self.dt_s, np.nan)
        self._overload = np.flatnonzero(hz.kind == _OVERLOAD)
        self._insulation = np.flatnonzero(np.isin(hz.kind, _INSULATION))
        self._arcing = np.flatnonzero(hz.kind == _ARCING)
        self._shadow_c = np.full(self._overload.size, np.nan)
        self.failures = []
        self.state = SafetyState(np.zeros(n), np.zeros(n), np.zeros(n))

    @property
    def n(self) -> int:
        """Number of local premises."""
        return int(self.rated_a.size)

    def current_a(self, p_kw: NDArray[np.float64]) -> NDArray[np.float64]:
        """Circuit current of each premise [A] from its mean power [kW] (import or export)."""
        return np.abs(p_kw) * 1e3 / (self.phases * NOMINAL_VOLTAGE_V * POWER_FACTOR)

    def active(self, k: int, time_s: float | None = None) -> NDArray[np.bool_]:
        """bool per hazard: started by interval ``k``'s end and not ended by ``time_s``
        (default that end)."""
        t = (k + 1) * self.dt_s if time_s is None else time_s
        ended = ~np.isnan(self.end_s) & (self.end_s <= t)
        return (self.hazards.k_on <= k) & ~ended

    def step(
        self,
        k: int,
        p_kw: NDArray[np.float64],
        ambient_c: float,
        moisture: float,
    ) -> SafetyState:
        """Advance every premise over interval ``k`` and record the failures at its end.

        Parameters
        ----------
        k : int
            Interval number.
        p_kw : numpy.ndarray
            Mean power of each premise over the interval [kW].
        ambient_c : float
            Air temperature around the cables [degC].
        moisture : float
            Moisture factor of the interval [-].
        """
        hz, n, end = self.hazards, self.n, (k + 1) * self.dt_s
        load_a = self.current_a(p_kw)
        active = self.active(k)
        over = self._overload[active[self._overload]]
        extra = np.bincount(hz.premise[over], weights=hz.extra_a[over], minlength=n)
        factor = np.ones(n)
        np.minimum.at(factor, hz.premise[over], hz.rating_factor[over])
        rated = self.rated_a * factor
        if np.isnan(self.temp_c).any():  # first interval: start at the load's steady state
            start = steady_state_c(load_a + extra, rated, ambient_c, self.rated_c)
            self.temp_c = np.where(np.isnan(self.temp_c), start, self.temp_c)
        self._step_shadows(k, load_a, ambient_c)  # from the temperatures at the start
        self.temp_c = cable_temperature_step(
            self.temp_c, load_a + extra, rated, ambient_c, self.rated_c, self.dt_s, self.tau_s
        )
        ins = self._insulation[active[self._insulation]]
        fault = np.bincount(hz.premise[ins], weights=hz.path[ins, k], minlength=n)
        arc = self._arcing[active[self._arcing]]
        arcs = np.bincount(hz.premise[arc], weights=hz.path[arc, k], minlength=n)
        loading = np.minimum(load_a / self.rated_a, 1.0)
        residual = self.natural_ma * moisture * (0.7 + 0.3 * loading) + fault
        self.state = SafetyState(residual, self.temp_c.copy(), arcs.astype(np.float64))
        # failures at the interval end
        for j in np.concatenate([ins, arc]).tolist():
            if hz.fail_k[j] == k:
                unit = "1/min" if hz.kind[j] == _ARCING else "mA"
                self._fail(j, int(hz.fail_kind[j]), end, float(hz.path[j, k]), unit)
        hot = over[self.temp_c[hz.premise[over]] >= self.critical_c[hz.premise[over]]]
        seen: set[int] = set()
        for j in hot.tolist():  # the earliest overload of a premise fails
            p = int(hz.premise[j])
            if p not in seen:
                seen.add(p)
                self._fail(j, _FIRE, end, float(self.temp_c[p]), "degC")
        return self.state

    def _step_shadows(self, k: int, load_a: NDArray[np.float64], ambient_c: float) -> None:
        """Each started overload's no-action cable; its first critical crossing."""
        hz, idx = self.hazards, self._overload
        if idx.size == 0:
            return
        p = hz.premise[idx]
        started = hz.k_on[idx] <= k
        fresh = started & np.isnan(self._shadow_c)
        self._shadow_c[fresh] = self.temp_c[p[fresh]]
        t = cable_temperature_step(
            self._shadow_c,
            load_a[p] + hz.extra_a[idx],
            self.rated_a[p] * hz.rating_factor[idx],
            ambient_c,
            self.rated_c[p],
            self.dt_s,
            self.tau_s[p],
        )
        self._shadow_c = np.where(started, t, self._shadow_c)
        crossed = (
            started & (self._shadow_c >= self.critical_c[p]) & np.isnan(self.would_fail_s[idx])
        )
        self.would_fail_s[idx[crossed]] = (k + 1) * self.dt_s

    def _fail(self, j: int, kind: int, time_s: float, value: float, unit: str) -> None:
        self.end_s[j] = time_s
        self.end_reason[j] = "failure"
        self.would_fail_s[j] = time_s
        self.failures.append(Failure(j, kind, time_s, value, unit))

    def repair(self, premise: int, time_s: float) -> list[int]:
        """A crew repairs a premise at ``time_s``: every hazard started and not ended
        there ends ("repaired"); returns them (local hazard positions)."""
        hz = self.hazards
        here = (hz.premise == premise) & (hz.onset_s <= time_s) & np.isnan(self.end_s)
        done = np.flatnonzero(here)
        self.end_s[done] = time_s
        for j in done.tolist():
            self.end_reason[j] = "repaired"
        return done.tolist()

    def hazards_at(self, premise: int) -> NDArray[np.int64]:
        """Local positions of the hazards of a premise."""
        return np.flatnonzero(self.hazards.premise == premise).astype(np.int64)
