"""The lamp-fault rule on hand-made cabinet readings."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from twin.services.lighting_faults import MISSING_LAMP_SHARE, lamp_fault_flags

LAMP_W = 100.0


def _flags(power: list[float], on: bool = True, sodium: bool = True, level: float = 1.0):  # type: ignore[no-untyped-def]
    n = len(power)
    return lamp_fault_flags(
        np.asarray(power),
        np.full(n, on),
        np.full(n, on),
        np.full(n, level),
        np.full(n, 10.0),
        np.full(n, LAMP_W),
        np.full(n, sodium),
    )


def test_whole_and_half_lamps_out_are_burn_outs_and_cycling_lamps() -> None:
    # healthy, one lamp out, one cycling (half a lamp), one out and one cycling
    f = _flags([1000.0, 900.0, 950.0, 850.0])
    assert f.burn_out.tolist() == [False, True, False, True]
    assert f.cycling.tolist() == [False, False, True, True]
    assert not f.day_burner.any()


def test_an_led_circuit_never_cycles_and_dimming_scales_the_expectation() -> None:
    f = _flags([950.0, 450.0], sodium=False, level=0.5)
    # at half power 10 lamps draw 500 W: 950 W is no deficit, 450 W is one lamp out
    assert f.burn_out.tolist() == [False, True] and not f.cycling.any()


def test_a_dark_circuit_drawing_power_has_a_day_burner() -> None:
    f = _flags([0.0, 100.0, 30.0], on=False)
    assert f.day_burner.tolist() == [False, True, False]
    assert not (f.burn_out | f.cycling).any() and not f.lit.any()


def test_switching_inside_a_reading_says_nothing() -> None:
    f = lamp_fault_flags(
        np.array([300.0]),
        np.array([True]),
        np.array([False]),
        np.array([1.0]),
        np.array([10.0]),
        np.array([LAMP_W]),
        np.array([True]),
    )
    assert not (f.burn_out | f.cycling | f.day_burner | f.lit | f.dark).any()


@given(st.floats(0.0, 1200.0), st.booleans())
def test_lamps_out_is_exactly_a_deficit_of_the_missing_share(power: float, sodium: bool) -> None:
    f = _flags([power], sodium=sodium)
    out = (10 * LAMP_W - power) / LAMP_W >= MISSING_LAMP_SHARE
    assert bool((f.burn_out | f.cycling)[0]) == out
