"""Checks of device-fleet parameters: every problem at once, in one ValueError."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["is_hour_window", "one_of", "raise_problems"]


def raise_problems(owner: str, checks: Iterable[tuple[bool, str]]) -> None:
    """Raise one ValueError listing the message of every failed check.

    Parameters
    ----------
    owner : str
        What is checked, e.g. ``"PvParams"``; the message starts
        ``"invalid <owner>: "``.
    checks : iterable of (bool, str)
        Each check's result (True: fine) and its message, which names the
        field, the value given and what is allowed.

    Raises
    ------
    ValueError
        If any check failed, with every failed check's message.
    """
    problems = [message for ok, message in checks if not ok]
    if problems:
        raise ValueError(f"invalid {owner}: " + "; ".join(problems))


def is_hour_window(window: tuple[float, float]) -> bool:
    """Whether ``window`` is ``(start_h, end_h)``: local hours 0..24, start != end.

    The window may wrap midnight (start after end).
    """
    if len(window) != 2:
        return False
    start, end = window
    return 0.0 <= start <= 24.0 and 0.0 <= end <= 24.0 and start != end


def one_of(values: Iterable[str]) -> str:
    """``values`` for a message, in their order: ``"{'a', 'b'}"``."""
    return "{" + ", ".join(repr(v) for v in values) + "}"
