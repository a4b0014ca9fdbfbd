"""Non-household customers: commercial (BDEW G0-G6), farms (L0-L2), base stations, factories.

Layer 1 (pure kernels) lives in :mod:`~twin.devices.customers.kernel` and the
class shapes in :mod:`~twin.devices.customers.shapes`; layer 2 is
:class:`CustomerFleet`, which the engine drives, drawn from a
:class:`CustomerParams`.
"""

from twin.devices.customers.classes import (
    BDEW_CLASSES,
    CUSTOMER_CLASSES,
    CUSTOMER_KINDS,
    CustomerVariation,
    customer_kind_of,
)
from twin.devices.customers.fleet import CustomerFleet
from twin.devices.customers.kernel import (
    EARTH_MACRO,
    base_station_cooling_kw,
    base_station_it_kw,
    closed_day_start_probability,
    earth_power_w,
    mean_one_lognormal,
    normal_quantile_table,
    ou_interval_lag1_correlation,
    ou_interval_mean_sd,
    shift_window_level,
    traffic_fraction,
)
from twin.devices.customers.params import CustomerParams
from twin.devices.customers.shapes import ShapeTables, bdew_power_per_annual_kwh, local_steps

__all__ = [
    "BDEW_CLASSES",
    "CUSTOMER_CLASSES",
    "CUSTOMER_KINDS",
    "EARTH_MACRO",
    "CustomerFleet",
    "CustomerParams",
    "CustomerVariation",
    "ShapeTables",
    "base_station_cooling_kw",
    "base_station_it_kw",
    "bdew_power_per_annual_kwh",
    "closed_day_start_probability",
    "customer_kind_of",
    "earth_power_w",
    "local_steps",
    "mean_one_lognormal",
    "normal_quantile_table",
    "ou_interval_lag1_correlation",
    "ou_interval_mean_sd",
    "shift_window_level",
    "traffic_fraction",
]
