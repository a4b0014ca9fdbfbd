"""The check of a scenario's ``[low, high]`` distribution keys, one for every section."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import ValidationInfo

__all__ = ["range_check"]

Pair = tuple[float, float]


def range_check(
    bounds: Mapping[str, Pair], units: Mapping[str, str] | None = None
) -> Callable[[Pair, ValidationInfo], Pair]:
    """A pydantic field validator of ``[low, high]`` pairs within per-field bounds.

    Parameters
    ----------
    bounds : mapping
        Field name -> (smallest low, largest high) allowed.
    units : mapping, optional
        Field name -> unit named in the message.

    Returns
    -------
    callable
        ``check(value, info)`` for ``field_validator(*bounds)(check)``: the pair
        as given, or ValueError naming the value, the bounds and the unit.
    """

    def check(value: Pair, info: ValidationInfo) -> Pair:
        name = str(info.field_name)
        lo, hi = bounds[name]
        if not lo <= value[0] <= value[1] <= hi:
            unit = f" [{units[name]}]" if units and name in units else ""
            raise ValueError(
                f"given {list(value)}; expected [low, high] with {lo:g} <= low <= high "
                f"<= {hi:g}{unit}"
            )
        return value

    return check
