"""Scenario files: pydantic models, safe loading, overrides and error collection."""

from twin.scenario.durations import format_duration, parse_duration
from twin.scenario.loading import apply_overrides, load_scenario, parse_overrides
from twin.scenario.models import Scenario

__all__ = [
    "Scenario",
    "apply_overrides",
    "format_duration",
    "load_scenario",
    "parse_duration",
    "parse_overrides",
]
