"""Durations written as ``15min``, ``1h``, ``7d`` or ``90s``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

__all__ = ["Duration", "format_duration", "parse_duration"]

_UNITS_S = {"s": 1, "min": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_PATTERN = re.compile(r"^\s*(\d+)\s*(s|min|h|d|w)\s*$")


def parse_duration(value: object) -> int:
    """Parse a duration string into whole seconds.

    Parameters
    ----------
    value : str or int
        A whole number followed by a unit: ``s``, ``min``, ``h``, ``d`` or
        ``w`` (``15min``, ``7d``); a bare whole number is seconds.

    Returns
    -------
    int
        The duration [s].

    Raises
    ------
    ValueError
        When the text is not of that form.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f"given an invalid duration {value!r}; expected a string such as '15min', '1h' or '7d'"
        )
    match = _PATTERN.match(value)
    if match is None:
        raise ValueError(
            f"given an invalid duration {value!r}; expected a whole number and one of "
            f"the units {sorted(_UNITS_S, key=_UNITS_S.__getitem__)}, such as '15min' or '7d'"
        )
    return int(match.group(1)) * _UNITS_S[match.group(2)]


def format_duration(seconds: int) -> str:
    """Write seconds in the largest unit that divides them exactly (``900 -> '15min'``)."""
    for unit in ("w", "d", "h", "min"):
        size = _UNITS_S[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
"""A duration [s] in a scenario, written in YAML as ``15min``, ``1h``, ``7d``."""
