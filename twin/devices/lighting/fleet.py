"""The lighting circuits as one vectorised fleet: control, dimming, commands, failures.

Each circuit is a string of lamps behind one cabinet (contactor, control and
meter). Its control keeps it on over its nights (:mod:`twin.devices.lighting.kernel`):
an astronomical clock, or a photocell whose threshold has a per-cabinet
calibration and per-night noise. A dimming schedule of local time sets the
level while lit. Platform commands (executed by the engine when they arrive
over the downlink) hold a circuit on or off or at a level until ``auto``;
a command executed inside an interval is prorated. Lamps fail one at a time
(burn-out, day-burner stuck on, cycling sodium lamp) until repaired.

Draws come from one Generator for the whole fleet (photocell calibration and
noise, failures), restricted to the members afterwards, so a shard's
circuits behave as in the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.lighting.kernel import (
    Nights,
    circuit_power_w,
    count_nights,
    dimming_level,
    elevation_for_lux,
    lit_at,
    lit_fraction,
    nights_of,
    sun_grid,
)
from twin.devices.lighting.params import (
    ASTRONOMICAL_SUNSET_ELEVATION_DEG,
    BALLAST_LOSS,
    CYCLING_DUTY,
    LAMP_KINDS,
    POWER_FACTOR,
    StreetlightParams,
)
from twin.members import Members

__all__ = ["FAILURE_KINDS", "LampFailures", "LightingFleet"]

FAILURE_KINDS: Final = ("burn_out", "day_burner", "cycling")
AUTO, ON, OFF = 0, 1, 2
_SECONDS_PER_YEAR: Final = 365.25 * 86_400


@dataclass(frozen=True)
class LampFailures:
    """The lamp failures of the local circuits (one lamp each).

    Attributes
    ----------
    circuit : numpy.ndarray
        int64 local circuit position.
    kind : numpy.ndarray
        int8 index into :data:`FAILURE_KINDS`.
    start_k, end_k : numpy.ndarray
        int64 first interval failed and first interval repaired (may be past the run).
    """

    circuit: NDArray[np.int64]
    kind: NDArray[np.int8]
    start_k: NDArray[np.int64]
    end_k: NDArray[np.int64]


class LightingFleet:
    """The lighting circuits simulated here (local positions), stepped once per interval.

    Use :meth:`create`.
    """

    def __init__(
        self,
        *,
        axis: TimeAxis,
        lamps: NDArray[np.int64],
        kind: NDArray[np.int8],
        rated_w: NDArray[np.float64],
        nights: Nights,
        baseline: Nights,
        dimming: tuple[tuple[float, float, float], ...],
        failures: LampFailures,
    ):
        self.axis = axis
        self.lamps = lamps
        self.kind = kind
        self.rated_w = rated_w
        self.lamp_w = rated_w * (1.0 + np.asarray([BALLAST_LOSS[k] for k in LAMP_KINDS])[kind])
        self.tan_phi = np.tan(np.arccos(np.asarray([POWER_FACTOR[k] for k in LAMP_KINDS])[kind]))
        self.nights = nights
        self.baseline = baseline
        self.dimming = dimming
        self.failures = failures
        n = lamps.size
        self.mode = np.zeros(n, dtype=np.int8)
        self.level = np.full(n, np.nan)
        self._prev_mode = self.mode.copy()
        self._prev_level = self.level.copy()
        self._changed_s = np.full(n, np.nan)
        self.failed = np.zeros((len(FAILURE_KINDS), n), dtype=np.float64)
        order_start = np.argsort(failures.start_k, kind="stable")
        order_end = np.argsort(failures.end_k, kind="stable")
        self._starts = (failures.start_k[order_start], order_start)
        self._ends = (failures.end_k[order_end], order_end)
        self._hour = np.asarray(axis.local_hour, dtype=np.float64)
        self.on_at_end = np.zeros(n, dtype=bool)
        self.level_at_end = np.ones(n)

    @property
    def n(self) -> int:
        """Number of local circuits."""
        return int(self.lamps.size)

    @classmethod
    def create(
        cls,
        *,
        axis: TimeAxis,
        lamps: NDArray[np.int64],
        kind: NDArray[np.int8],
        rated_w: NDArray[np.float64],
        params: StreetlightParams,
        latitude_deg: float,
        longitude_deg: float,
        rng: np.random.Generator,
        members: Members,
    ) -> LightingFleet:
        """Draw the whole fleet's photocells and failures, keep the members'.

        Parameters
        ----------
        lamps, kind, rated_w : numpy.ndarray
            Per circuit of the whole fleet: lamp count, lamp kind (index into
            ``LAMP_KINDS``) and lamp rating [W].
        params : StreetlightParams
        latitude_deg, longitude_deg : float
            Site [deg].
        rng : numpy.random.Generator
            The fleet's own generator.
        members : Members
            The circuits simulated here.
        """
        n_total = int(lamps.size)
        grid = sun_grid(axis.start, axis.duration_s, latitude_deg, longitude_deg)
        if params.control == "photocell":
            n_nights = count_nights(grid)
            sigma = params.photocell_noise
            calib = rng.normal(0.0, sigma, n_total)[:, None]
            noise = rng.normal(0.0, sigma, (2, n_total, n_nights))
            on = elevation_for_lux(params.photocell_lux_on * np.exp(calib + noise[0]))
            off = elevation_for_lux(params.photocell_lux_off * np.exp(calib + noise[1]))
            nights = nights_of(grid, members.take(on), members.take(off))
        else:
            h = ASTRONOMICAL_SUNSET_ELEVATION_DEG
            nights = nights_of(grid, np.full(members.n, h), np.full(members.n, h), geometric=True)
            nights = Nights(
                start_s=nights.start_s + 60.0 * params.offset_on_min,
                end_s=np.maximum(
                    nights.end_s + 60.0 * params.offset_off_min,
                    nights.start_s + 60.0 * params.offset_on_min,
                ),
                noon_before_s=nights.noon_before_s,
                noon_after_s=nights.noon_after_s,
            )
        h0 = ASTRONOMICAL_SUNSET_ELEVATION_DEG
        baseline = nights_of(grid, np.array([h0]), np.array([h0]), geometric=True)
        failures = _draw_failures(axis, lamps, kind, params, rng, members)
        windows = tuple((w.from_h, w.to_h, w.level) for w in params.dimming)
        return cls(
            axis=axis,
            lamps=np.asarray(members.take(lamps), dtype=np.int64),
            kind=np.asarray(members.take(kind), dtype=np.int8),
            rated_w=np.asarray(members.take(rated_w), dtype=np.float64),
            nights=nights,
            baseline=baseline,
            dimming=windows,
            failures=failures,
        )

    # commands ---------------------------------------------------------------------------

    def command(self, circuit: int, action: str, level: float, t_s: float) -> None:
        """Execute a platform command on local circuit ``circuit`` at time ``t_s`` [s]."""
        if np.isnan(self._changed_s[circuit]):
            self._changed_s[circuit] = t_s
        if action == "on":
            self.mode[circuit] = ON
        elif action == "off":
            self.mode[circuit] = OFF
        elif action == "dim":
            self.level[circuit] = level
        else:  # auto
            self.mode[circuit], self.level[circuit] = AUTO, np.nan

    # the interval -----------------------------------------------------------------------

    def step(
        self, k: int, level: NDArray[np.float64] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Mean power of every circuit over interval ``k`` [W], and its fixed-schedule baseline.

        Call at the interval end, after the commands executed during it.
        ``level`` (per circuit, [-]) replaces the dimming schedule's level over
        the interval: a presence-detected circuit's mean level.

        Returns
        -------
        p_w, baseline_w : numpy.ndarray
            Mean power drawn, and what the lamps would draw on at full power
            from astronomical sunset to sunrise with none failed [W].
        """
        dt = self.axis.interval_s
        t0, t1 = float(k * dt), float((k + 1) * dt)
        self._advance_failures(k)
        auto = lit_fraction(self.nights, t0, t1)
        hour = (float(self._hour[k]) + dt / 7200.0) % 24.0
        schedule: float | NDArray[np.float64] = (
            dimming_level(hour, self.dimming) if level is None else level
        )
        e_new = self._energy_share(self.mode, self.level, auto, schedule)
        changed = ~np.isnan(self._changed_s)
        if changed.any():
            e_old = self._energy_share(self._prev_mode, self._prev_level, auto, schedule)
            a = np.clip((np.nan_to_num(self._changed_s, nan=t0) - t0) / dt, 0.0, 1.0)
            e_new = np.where(changed, a * e_old + (1.0 - a) * e_new, e_new)
        self._prev_mode[:] = self.mode
        self._prev_level[:] = self.level
        self._changed_s[:] = np.nan
        burn, day, cyc = self.failed
        healthy = np.maximum(self.lamps - burn - day - cyc, 0.0)
        p_w = circuit_power_w(e_new, healthy, cyc, day, self.lamp_w, CYCLING_DUTY)
        lit_end = lit_at(self.nights, t1)
        self.on_at_end = np.where(self.mode == AUTO, lit_end, self.mode == ON)
        self.level_at_end = np.where(np.isnan(self.level), schedule, self.level)
        base = lit_fraction(self.baseline, t0, t1)[0]
        return p_w, base * self.lamps * self.lamp_w

    def q_var(self, p_w: NDArray[np.float64]) -> NDArray[np.float64]:
        """Reactive power of the circuits at power ``p_w`` [var]."""
        return np.asarray(p_w * self.tan_phi, dtype=np.float64)

    def _energy_share(
        self,
        mode: NDArray[np.int8],
        level: NDArray[np.float64],
        auto: NDArray[np.float64],
        schedule: float | NDArray[np.float64],
    ) -> NDArray[np.float64]:
        lit = np.where(mode == AUTO, auto, (mode == ON).astype(np.float64))
        return np.asarray(lit * np.where(np.isnan(level), schedule, level), dtype=np.float64)

    def _advance_failures(self, k: int) -> None:
        for (at, which), sign in ((self._starts, 1.0), (self._ends, -1.0)):
            lo, hi = np.searchsorted(at, [k, k + 1])
            if hi > lo:
                idx = which[lo:hi]
                f = self.failures
                np.add.at(self.failed, (f.kind[idx], f.circuit[idx]), sign)


def _draw_failures(
    axis: TimeAxis,
    lamps: NDArray[np.int64],
    kind: NDArray[np.int8],
    params: StreetlightParams,
    rng: np.random.Generator,
    members: Members,
) -> LampFailures:
    """Failures of the whole fleet (Poisson per circuit and kind), restricted to the members."""
    f = params.failures
    years = axis.duration_s / _SECONDS_PER_YEAR
    sodium = kind == LAMP_KINDS.index("sodium")
    rates = np.stack(
        [
            np.full(lamps.size, f.burn_out),
            np.full(lamps.size, f.day_burner),
            np.where(sodium, f.cycling, 0.0),
        ]
    )
    counts = rng.poisson(rates * lamps[None, :] * years)
    kinds, circuits = np.nonzero(counts)
    reps = counts[kinds, circuits]
    kinds, circuits = np.repeat(kinds, reps), np.repeat(circuits, reps)
    start = rng.integers(0, axis.n_intervals, kinds.size)
    days = rng.uniform(f.repair_days[0], f.repair_days[1], kinds.size)
    end = start + np.maximum(np.ceil(days * 86_400 / axis.interval_s), 1).astype(np.int64)
    keep, local = members.localise(circuits)
    return LampFailures(
        circuit=local.astype(np.int64),
        kind=kinds[keep].astype(np.int8),
        start_k=start[keep].astype(np.int64),
        end_k=end[keep].astype(np.int64),
    )
