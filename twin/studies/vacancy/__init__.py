"""Vacancy detection from smart-meter data, scored against the twin's ground truth.

``twin study vacancy RUN_DIR`` calls :func:`run_vacancy_study`. Detectors see
only the utility's ``internal/`` tables (:class:`~twin.studies.inputs.InternalData`);
the truth is read afterwards, to score them.
"""

from twin.studies.vacancy.data import MeterSeries, Window, load_meter_series, resolve_window
from twin.studies.vacancy.detection import Detection, Detector
from twin.studies.vacancy.evidence import EvidenceThresholds, IntervalEvidenceDetector
from twin.studies.vacancy.rules import RULE_PRESETS, EnergyThresholdRule
from twin.studies.vacancy.study import run_vacancy_study
from twin.studies.vacancy.water import WaterEvidenceDetector, WaterThresholds

__all__ = [
    "RULE_PRESETS",
    "Detection",
    "Detector",
    "EnergyThresholdRule",
    "EvidenceThresholds",
    "IntervalEvidenceDetector",
    "MeterSeries",
    "WaterEvidenceDetector",
    "WaterThresholds",
    "Window",
    "load_meter_series",
    "resolve_window",
    "run_vacancy_study",
]
