"""Strict JSON files of a run directory: ``manifest.json`` and the studies' ``metrics.json``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import TwinError

__all__ = ["jsonable", "read_json", "write_json"]


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars made plain and NaN/inf made ``None`` (valid JSON)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented, strict JSON (NaN written as ``null``)."""
    text = json.dumps(jsonable(data), indent=2, allow_nan=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``.

    Raises
    ------
    twin.errors.TwinError
        If the file cannot be read, is not JSON, or holds something else than an object.
    """
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise TwinError(f"{str(path)!r} cannot be read: {exc!s}") from None
    if not isinstance(data, dict):
        raise TwinError(f"{str(path)!r} holds no JSON object; expected one")
    return data
