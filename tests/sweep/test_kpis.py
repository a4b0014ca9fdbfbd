"""KPIs of a sweep's runs, on hand-made tables."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from twin.devices.ev import END_OF_RUN
from twin.sweep.kpis import _ev_not_delivered


class _Sessions:
    """The part of a run directory the EV KPI reads."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def has(self, name: str) -> bool:
        return name == "external/ev_session"

    def table(self, name: str) -> pd.DataFrame:
        assert name == "external/ev_session"
        return self._frame


def test_ev_energy_not_delivered_leaves_out_sessions_open_at_the_run_end() -> None:
    sessions = pd.DataFrame(
        {
            "meter_start_wh": [0, 9_000, 0],
            "meter_stop_wh": [9_000, 15_000, 2_000],
            "energy_requested_wh": [10_000, 6_000, 20_000],
            "stop_reason": ["EVDisconnected", "EmergencyStop", END_OF_RUN],
        }
    )
    # 1,000 Wh missed by the first session, none by the second; the third still charges.
    run: Any = _Sessions(sessions)
    assert _ev_not_delivered(run) == 1.0  # [kWh]
    older: Any = _Sessions(sessions.drop(columns="energy_requested_wh"))
    assert math.isnan(_ev_not_delivered(older))
