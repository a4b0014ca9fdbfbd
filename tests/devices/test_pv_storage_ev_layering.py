"""The DER and theft device modules stay in their layer: no grid/streams/engine/scenario imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DEVICES = Path(__file__).resolve().parents[2] / "twin" / "devices"
FILES = sorted(
    [
        DEVICES / "weather.py",
        *(p for d in ("pv", "storage", "ev", "theft") for p in (DEVICES / d).glob("*.py")),
    ]
)
FORBIDDEN = ("twin.grid", "twin.streams", "twin.engine", "twin.scenario")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DEVICES)))
def test_device_modules_import_nothing_from_higher_layers(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    bad = [n for n in names if n.startswith(FORBIDDEN)]
    assert not bad, f"{path.name} imports {bad}"
    # No global RNG: every draw goes through a Generator handed in.
    text = path.read_text(encoding="utf-8")
    assert "np.random.seed" not in text and "import random" not in text
    assert "np.random.rand" not in text and "np.random.normal" not in text
    assert len(text.splitlines()) <= 450
