"""Layer 1 of theft: the attack shapes and windows on hand-worked numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from twin.devices.theft import (
    TheftParams,
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


def test_h1_and_h3_scale_the_true_power() -> None:
    assert h1_kw(2.0, 0.25) == pytest.approx(0.5)
    np.testing.assert_allclose(h1_kw([1.0, 4.0], [0.5, 0.2]), [0.5, 0.8])
    np.testing.assert_allclose(h3_kw([1.0, 3.0, 0.0], [0.1, 0.8, 0.5]), [0.1, 2.4, 0.0])


def test_h2_zeroes_the_share_of_the_interval_in_the_off_window() -> None:
    np.testing.assert_allclose(h2_kw([2.0, 2.0, 2.0], [0.0, 1.0, 0.25]), [2.0, 0.0, 1.5])


def test_h4_and_h5_report_the_mean() -> None:
    np.testing.assert_allclose(h4_kw([2.0, 1.0], [0.5, 0.1]), [1.0, 0.1])
    mean = np.array([2.5, 0.3])
    out = h5_kw(mean)
    np.testing.assert_allclose(out, mean)
    assert out is not mean


def test_h6_reverses_a_day_offline() -> None:
    day = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 5.0, 1.0]])
    np.testing.assert_allclose(h6_reversed_day_kw(day), [[4, 3, 2, 1], [1, 5, 0, 0]])


def test_h6_streaming_reports_the_previous_day_mirrored_and_x_where_unknown() -> None:
    previous = np.array([[1.0, 2.0, 3.0, 4.0], [np.nan, np.nan, np.nan, np.nan]])
    x = np.array([9.0, 7.0])
    # Slot 0 of today is slot 3 of yesterday; slot 3 is yesterday's slot 0.
    np.testing.assert_allclose(h6_streaming_kw(x, previous, 0), [4.0, 7.0])
    np.testing.assert_allclose(h6_streaming_kw(x, previous, 3), [1.0, 7.0])
    with pytest.raises(ValueError, match=re.escape("slot given 4; expected 0 .. 3")):
        h6_streaming_kw(x, previous, 4)


def test_bypass_meters_the_rest_of_the_load() -> None:
    np.testing.assert_allclose(bypass_kw([2.0, 1.0], [0.3, 0.9]), [1.4, 0.1])


def test_metered_import_caps_the_shape_and_leaves_export_untouched() -> None:
    true = np.array([2.0, 2.0, -1.5, 0.0, 1.0])
    shaped = np.array([0.5, 3.0, 0.7, 0.4, -0.2])
    # 0.5 stays; 3.0 is capped at the true 2.0; export -1.5 passes; no import,
    # nothing seen; a negative shape is floored at 0.
    np.testing.assert_allclose(metered_import_kw(true, shaped), [0.5, 2.0, -1.5, 0.0, 0.0])


def test_active_fraction_prorates_start_and_end() -> None:
    # Interval [900, 1800): a theft from 1125 covers 3/4, one to 1125 covers 1/4.
    frac = active_fraction(900, 900, [1125, 0, 0, 1800, 0], [5000, 1125, 900, 2700, 10**9])
    np.testing.assert_allclose(frac, [0.75, 0.25, 0.0, 0.0, 1.0])


def test_window_fraction_inside_outside_partial_and_across_midnight() -> None:
    # Window 22:00-02:00 (wraps midnight), 1-h intervals.
    start, dur = 22.0, 4.0
    hours = np.arange(24.0)
    frac = np.array([window_fraction(h, 1.0, start, dur) for h in hours])
    expected = np.zeros(24)
    expected[[22, 23, 0, 1]] = 1.0
    np.testing.assert_allclose(frac, expected)
    # A window from 6:30 for 1 h covers half of 6-7 and half of 7-8.
    np.testing.assert_allclose(window_fraction(6.0, 1.0, [6.5], [1.0]), [0.5])
    np.testing.assert_allclose(window_fraction(7.0, 1.0, [6.5], [1.0]), [0.5])
    # A 6-h interval from 18:00 and the window 22:00-02:00: 2 h of 6.
    np.testing.assert_allclose(window_fraction(18.0, 6.0, 22.0, 4.0), 1.0 / 3.0)
    # A 24-h window covers everything.
    assert window_fraction(13.0, 1.0, 5.0, 24.0) == pytest.approx(1.0)


def test_illegal_connection_is_on_in_its_evening_window() -> None:
    p = np.array([illegal_connection_kw(h, 1.0, [2.0], [18.5], [6.0])[0] for h in range(24)])
    expected = np.zeros(24)
    expected[19:24] = 2.0
    expected[18] = 1.0  # on from 18:30
    expected[0] = 1.0  # off at 00:30
    np.testing.assert_allclose(p, expected)


def test_illegal_connections_are_drawn_in_their_ranges(rng: np.random.Generator) -> None:
    p = TheftParams()
    kw, start, dur = draw_illegal_connections(
        500,
        rng=rng,
        kw_range=p.illegal_kw_range,
        start_h_range=p.illegal_start_h_range,
        duration_h_range=p.illegal_duration_h_range,
    )
    assert kw.shape == start.shape == dur.shape == (500,)
    assert np.all((kw >= 1.0) & (kw <= 5.0))
    assert np.all((start >= 17.0) & (start <= 22.0))
    assert np.all((dur >= 4.0) & (dur <= 10.0))


def test_params_defaults_and_every_problem_named() -> None:
    p = TheftParams()
    assert p.h1_ratio_range == (0.2, 0.8)
    assert p.h3_ratio_range == p.h4_ratio_range == (0.1, 0.8)
    assert p.cover_open_probability == 0.3 and p.neutral_mismatch_probability == 0.5
    assert TheftParams(bypass_share_range=[0.5, 0.5]).bypass_share_range == (0.5, 0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as info:
        TheftParams(
            h1_ratio_range=(0.8, 0.2),
            bypass_share_range=(0.0, 1.5),
            illegal_kw_range=(-1.0, 2.0),
            cover_open_probability=1.2,
        )
    message = str(info.value)
    assert message.startswith("invalid TheftParams: ")
    for name in ("h1_ratio_range", "bypass_share_range", "illegal_kw_range", "cover_open"):
        assert name in message
