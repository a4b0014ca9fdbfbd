"""Exceptions that the command line maps to exit codes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ScenarioError", "TwinError"]


class TwinError(Exception):
    """Base class of gridtwin's own errors."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario.

    Attributes
    ----------
    path : str
        Dotted YAML path of the offending key (``households.count``), or the
        file name for problems with the file itself.
    message : str
        What is wrong and what is allowed.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(TwinError):
    """Bad user input: every problem found, each with its YAML path.

    The command line prints it without a traceback and exits with code 2.
    """

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        """One paragraph naming every problem."""
        head = f"invalid scenario {self.source}" if self.source else "invalid scenario"
        n = len(self.problems)
        lines = [f"{head}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)
