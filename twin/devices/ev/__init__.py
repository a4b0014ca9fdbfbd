"""EV charging: session statistics and kernels (layer 1), the charger fleet (layer 2).

Home chargers (3.7-22 kW) and public DC connectors (50-150 kW); sessions,
policies (uncontrolled, delayed, managed), OCPP 1.6 faults and records.
"""

from twin.devices.ev.events import EV_EVENT_KINDS, EvEvent
from twin.devices.ev.fleet import EvFleet
from twin.devices.ev.kernel import (
    allocate_earliest_departure,
    allocate_proportional,
    interval_request_kwh,
    next_window_open_s,
)
from twin.devices.ev.params import (
    ALLOCATIONS,
    FAULT_CODES,
    POLICIES,
    Allocation,
    EvParams,
    Policy,
)
from twin.devices.ev.records import (
    CHARGER_STATUSES,
    END_OF_RUN,
    ERROR_CODES,
    SESSION_COLUMNS,
    STATUS_COLUMNS,
    STOP_REASONS,
)
from twin.devices.ev.sessions import (
    HOME_SESSIONS,
    PUBLIC_SESSIONS,
    SessionStatistics,
    SessionTable,
    draw_sessions,
)

__all__ = [
    "ALLOCATIONS",
    "CHARGER_STATUSES",
    "END_OF_RUN",
    "ERROR_CODES",
    "EV_EVENT_KINDS",
    "FAULT_CODES",
    "HOME_SESSIONS",
    "POLICIES",
    "PUBLIC_SESSIONS",
    "SESSION_COLUMNS",
    "STATUS_COLUMNS",
    "STOP_REASONS",
    "Allocation",
    "EvEvent",
    "EvFleet",
    "EvParams",
    "Policy",
    "SessionStatistics",
    "SessionTable",
    "allocate_earliest_departure",
    "allocate_proportional",
    "draw_sessions",
    "interval_request_kwh",
    "next_window_open_s",
]
