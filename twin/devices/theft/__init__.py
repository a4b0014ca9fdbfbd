"""Electricity theft in front of the meter: attack shapes (layer 1) and the fleet (layer 2).

Theft changes what a meter sees, not the load: the true power still flows
in the power flow. The shapes ``h1`` .. ``h6`` follow Jokar, Arianpoo and
Leung (IEEE Trans. Smart Grid 7(1), 2016); a ``bypass`` hides a share of
the load, and an ``illegal_connection`` is an unmetered load of its own.
"""

from twin.devices.theft.fleet import THEFT_KINDS, TheftFleet, TheftKind
from twin.devices.theft.kernel import (
    active_fraction,
    bypass_kw,
    draw_illegal_connections,
    h1_kw,
    h2_kw,
    h3_kw,
    h4_kw,
    h5_kw,
    h6_reversed_day_kw,
    h6_streaming_kw,
    illegal_connection_kw,
    metered_import_kw,
    window_fraction,
)
from twin.devices.theft.params import TheftParams

__all__ = [
    "THEFT_KINDS",
    "TheftFleet",
    "TheftKind",
    "TheftParams",
    "active_fraction",
    "bypass_kw",
    "draw_illegal_connections",
    "h1_kw",
    "h2_kw",
    "h3_kw",
    "h4_kw",
    "h5_kw",
    "h6_reversed_day_kw",
    "h6_streaming_kw",
    "illegal_connection_kw",
    "metered_import_kw",
    "window_fraction",
]
