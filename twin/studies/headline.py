"""A study's headline metrics: a few numbers read back from its ``metrics.json``.

Every study names its headline metrics in its own ``headline`` module (a mapping
from metric name to the dotted key in ``metrics.json``) and reads them with
:func:`read_headline`, so that the same numbers can be had for any run directory,
whether the study ran by hand (``twin study``) or inside a sweep.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twin.streams import read_json

__all__ = ["metric_at", "read_headline"]


def metric_at(metrics: Mapping[str, Any], dotted: str) -> float:
    """The number at a dotted key of a study's metrics, NaN where absent or not a number.

    Parameters
    ----------
    metrics : mapping
        The content of a study's ``metrics.json``.
    dotted : str
        Keys joined by dots, such as ``transformers.peak_loading_percent``.

    Returns
    -------
    float
        The value (a bool as 0.0 or 1.0); NaN when a key is missing, or the
        value is ``null``, text or a container.
    """
    node: Any = metrics
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return math.nan
        node = node[key]
    if isinstance(node, bool | int | float):
        return float(node)
    return math.nan


def read_headline(study_dir: str | Path, keys: Mapping[str, str]) -> dict[str, float]:
    """The headline metrics of a study from ``study_dir/metrics.json``.

    Parameters
    ----------
    study_dir : str or pathlib.Path
        The study's folder in a run directory (``RUN_DIR/studies/NAME``).
    keys : mapping
        Headline metric name -> dotted key in ``metrics.json``.

    Returns
    -------
    dict
        Every name of ``keys`` in its order, with its value; all NaN when the
        study has not written ``metrics.json`` there.

    Raises
    ------
    twin.errors.TwinError
        If ``metrics.json`` exists but cannot be read as a JSON object.
    """
    path = Path(study_dir) / "metrics.json"
    if not path.is_file():
        return dict.fromkeys(keys, math.nan)
    metrics = read_json(path)
    return {name: metric_at(metrics, dotted) for name, dotted in keys.items()}
