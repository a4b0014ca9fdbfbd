"""Self-disconnection and long-disconnection figures from small tables."""

from __future__ import annotations

import pandas as pd
import pytest

from twin.services.prepaid.measures import prepaid_figures


def _t(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def test_figures_count_premises_and_censor_spells_at_the_run_end() -> None:
    accounts = pd.DataFrame(
        {
            "meter_id": ["M1", "M2", "M3", "M4", "M5"],
            "payment": ["prepaid", "prepaid", "prepaid", "prepaid", "postpaid"],
        }
    )
    commands = pd.DataFrame(
        {
            "meter_id": ["M1", "M1", "M2", "M5"],
            "reason": [
                "credit_exhausted",
                "credit_restored",
                "credit_exhausted",
                "credit_exhausted",
            ],
        }
    )
    spells = pd.DataFrame(
        {
            "start": [_t("2025-01-01 08:00"), _t("2025-01-05 08:00"), _t("2025-01-09 20:00"),
                      _t("2025-01-08 08:00")],
            "end": [_t("2025-01-01 20:00"), _t("2025-01-06 09:00"), pd.NaT, pd.NaT],
        }
    )  # fmt: skip
    got = prepaid_figures(accounts, commands, spells, run_end=_t("2025-01-10"), days=73)
    assert got.prepaid_premises == 4 and got.self_disconnected == 2
    assert got.share_in_run == pytest.approx(0.5)
    assert got.share_year_upper == pytest.approx(1 - 0.5**5)
    # 12 h, 25 h, censored at 4 h (left out), still on after 40 h (long)
    assert got.disconnections == 3
    assert got.long_share == pytest.approx(2 / 3)
