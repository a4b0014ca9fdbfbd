"""Wall-clock seconds per named stage, for benchmarks that time a library's own entry point.

A stage is either a ``with stages.time(name):`` block or a function wrapped for
the duration of a ``with stages.patched(...)`` block: each call of the wrapped
function adds its wall time to its stage, and the original is put back on exit.
Wrapping leaves the code path of the library unchanged (the same functions run
in the same order), so a documented entry point such as ``twin.run`` or
pandapower's ``run_timeseries`` can be timed stage by stage without being
re-implemented in the benchmark.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Stages"]


class Stages:
    """Seconds and calls per stage, summed over calls.

    Attributes
    ----------
    seconds : dict of str to float
        Wall time per stage [s].
    calls : dict of str to int
        Number of timed calls per stage.
    missing : list of str
        Wrap targets that did not exist (their time falls into no stage).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.missing: list[str] = []

    def add(self, stage: str, seconds: float) -> None:
        """Add ``seconds`` [s] to ``stage``."""
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        self.calls[stage] = self.calls.get(stage, 0) + 1

    def get(self, stage: str) -> float:
        """Seconds of ``stage`` [s]; 0 when it never ran."""
        return self.seconds.get(stage, 0.0)

    @contextmanager
    def time(self, stage: str) -> Iterator[None]:
        """Time the body of the ``with`` block as ``stage``."""
        tic = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - tic)

    def timed(self, function: Callable[..., Any], stage: str) -> Callable[..., Any]:
        """``function`` with each call's wall time added to ``stage``."""

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            tic = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(stage, time.perf_counter() - tic)

        return wrapper

    @contextmanager
    def patched(self, targets: list[tuple[object, str, str]]) -> Iterator[None]:
        """Wrap ``owner.name`` for each ``(owner, name, stage)`` inside the block.

        ``owner`` is a module, a class (the method is wrapped for every
        instance) or an instance. A missing attribute is noted in
        :attr:`missing` rather than raised, so that a renamed internal
        leaves its time unattributed instead of stopping the benchmark.
        """
        saved: list[tuple[object, str, Any, bool]] = []
        for owner, name, stage in targets:
            label = f"{getattr(owner, '__name__', type(owner).__name__)}.{name}"
            original = getattr(owner, name, None)
            if original is None:
                self.missing.append(label)
                continue
            own = name in getattr(owner, "__dict__", {})
            raw = owner.__dict__[name] if own else original
            setattr(owner, name, self.timed(original, stage))
            saved.append((owner, name, raw, own))
        try:
            yield
        finally:
            for owner, name, raw, own in reversed(saved):
                if own:
                    setattr(owner, name, raw)
                else:
                    delattr(owner, name)
