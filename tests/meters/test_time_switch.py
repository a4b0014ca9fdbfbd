"""The metrology core's time switch: tariff per interval from a local calendar."""

from __future__ import annotations

import numpy as np

from twin.meters.time_switch import TariffWindow, active_tariff, tariff_count


def test_first_matching_window_wins_and_night_windows_wrap() -> None:
    windows = [
        TariffWindow(2, 6.0, 22.0, "weekday"),  # day rate on weekdays
        TariffWindow(3, 22.0, 6.0),  # night rate every day, over midnight
    ]
    hours = np.array([0.0, 5.75, 6.0, 12.0, 21.75, 22.0, 12.0, 23.0])
    weekday = np.array([0, 0, 0, 0, 0, 0, 5, 6])  # Monday x 6, Saturday, Sunday
    # a weekend noon falls in no window: tariff 1
    assert active_tariff(windows, hours, weekday).tolist() == [3, 3, 2, 2, 2, 3, 1, 3]
    assert tariff_count(windows) == 3 and tariff_count([]) == 1
    assert (active_tariff([], hours, weekday) == 1).all()
