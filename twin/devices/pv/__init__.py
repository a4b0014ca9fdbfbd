"""Rooftop PV: pvlib PVWatts physics (layer 1) and the vectorised fleet (layer 2).

Weather comes from typical years bundled with installed packages, see
:mod:`twin.devices.weather`.
"""

from twin.devices.pv.fleet import PV_STATUSES, PvFleet
from twin.devices.pv.kernel import (
    PVWATTS_LOSSES_PERCENT,
    dc_kw_per_kwp_hourly,
    inverter_ac_kw,
    volt_watt_fraction,
)
from twin.devices.pv.params import PvParams

__all__ = [
    "PVWATTS_LOSSES_PERCENT",
    "PV_STATUSES",
    "PvFleet",
    "PvParams",
    "dc_kw_per_kwp_hourly",
    "inverter_ac_kw",
    "volt_watt_fraction",
]
