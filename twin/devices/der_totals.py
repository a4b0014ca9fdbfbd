"""Run totals of the DER fleets, kept exact so that shards add up to the whole run.

Every per-interval total is a sum of premise (or device) values rounded to
the milliwatt, in integers: integer sums do not depend on the order of
addition, so the totals of the shards of a sharded run add up to exactly the
unsharded run's, and the fleet-wide peak export is the maximum over
intervals of the shards' per-interval sums.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["DerTotals", "milli"]

MJ_PER_KWH = 3.6e9
"""Millijoules in a kilowatt-hour."""


def milli(values_kilo: NDArray[np.float64]) -> int:
    """Sum of values given in kilo-units (kW, kWh) in integer milli-units (mW, mWh)."""
    return int(np.rint(np.asarray(values_kilo, dtype=np.float64) * 1e6).astype(np.int64).sum())


@dataclasses.dataclass
class DerTotals:
    """Running totals of the DER fleets (energies in integer millijoules [mJ]).

    Attributes
    ----------
    export_mw : list of int
        Fleet export (premises' net power below zero) per interval so far [mW].
    """

    pv_mj: int = 0
    pv_curtailed_mj: int = 0
    pv_trips: int = 0
    storage_charge_mj: int = 0
    storage_discharge_mj: int = 0
    ev_home_mj: int = 0
    ev_public_mj: int = 0
    ev_sessions: int = 0
    ev_not_delivered_wh: int = 0
    ev_faults: int = 0
    heat_pump_mj: int = 0
    direct_heating_mj: int = 0
    air_conditioning_mj: int = 0
    water_heater_mj: int = 0
    export_mw: list[int] = dataclasses.field(default_factory=list)

    def add_interval(
        self,
        dt_s: int,
        *,
        pv_kw: NDArray[np.float64],
        storage_kw: NDArray[np.float64],
        ev_home_kw: NDArray[np.float64],
        ev_public_kw: NDArray[np.float64],
        net_kw: NDArray[np.float64],
    ) -> None:
        """Add one interval of mean powers per premise (storage: charging positive) [kW]."""
        self.pv_mj += milli(pv_kw) * dt_s
        self.storage_charge_mj += milli(np.clip(storage_kw, 0, None)) * dt_s
        self.storage_discharge_mj -= milli(np.clip(storage_kw, None, 0)) * dt_s
        self.ev_home_mj += milli(ev_home_kw) * dt_s
        self.ev_public_mj += milli(ev_public_kw) * dt_s
        self.export_mw.append(milli(np.clip(-net_kw, 0, None)))

    def add_thermal(self, dt_s: int, by_kind_kw: Mapping[str, NDArray[np.float64]]) -> None:
        """Add one interval of the thermal loads' mean power per device, by kind [kW]
        (:data:`~twin.devices.heating.LOAD_KINDS`)."""
        self.heat_pump_mj += milli(by_kind_kw["heat_pump"]) * dt_s
        self.direct_heating_mj += milli(by_kind_kw["direct_heating"]) * dt_s
        self.air_conditioning_mj += milli(by_kind_kw["air_conditioning"]) * dt_s
        self.water_heater_mj += milli(by_kind_kw["water_heater"]) * dt_s

    @classmethod
    def merged(cls, parts: Sequence[DerTotals]) -> DerTotals:
        """The totals of a whole run from its shards' (every field summed, interval by interval)."""
        out = cls()
        for part in parts:
            for f in dataclasses.fields(cls):
                if f.name != "export_mw":
                    setattr(out, f.name, getattr(out, f.name) + getattr(part, f.name))
        series = [np.asarray(p.export_mw, dtype=np.int64) for p in parts if p.export_mw]
        out.export_mw = np.sum(series, axis=0).tolist() if series else []
        return out

    def summary(self) -> dict[str, float]:
        """The DER figures of the run summary (energies [MWh], peak export [kW])."""
        mwh = 1e3 * MJ_PER_KWH
        return {
            "pv_mwh": self.pv_mj / mwh,
            "pv_curtailed_mwh": self.pv_curtailed_mj / mwh,
            "pv_trips": self.pv_trips,
            "storage_charge_mwh": self.storage_charge_mj / mwh,
            "storage_discharge_mwh": self.storage_discharge_mj / mwh,
            "ev_mwh": (self.ev_home_mj + self.ev_public_mj) / mwh,
            "ev_public_mwh": self.ev_public_mj / mwh,
            "ev_sessions": self.ev_sessions,
            "ev_not_delivered_mwh": self.ev_not_delivered_wh / 1e6,
            "ev_fault_stops": self.ev_faults,
            "peak_export_kw": max(self.export_mw, default=0) / 1e6,
            "heat_pump_mwh": self.heat_pump_mj / mwh,
            "direct_heating_mwh": self.direct_heating_mj / mwh,
            "air_conditioning_mwh": self.air_conditioning_mj / mwh,
            "water_heater_mwh": self.water_heater_mj / mwh,
        }
