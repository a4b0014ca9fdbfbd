"""Matplotlib figures of the studies and the run report, drawn the same way.

Figures are drawn on the Agg canvas (no pyplot, no global state) and saved as
PNG at one resolution, into the output folder a study or the report is given
(:func:`twin.streams.staged_folder`).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["FIGURE_DPI", "new_figure", "save_figure"]

FIGURE_DPI = 110
"""Resolution of every PNG the studies and the report write [dots per inch]."""


def new_figure(width_in: float = 8.0, height_in: float = 4.5) -> Figure:
    """A matplotlib figure on the Agg canvas with a constrained layout.

    Parameters
    ----------
    width_in, height_in : float
        Size [in].
    """
    figure = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure: Figure, path: Path, dpi: int = FIGURE_DPI) -> str:
    """Save ``figure`` as PNG at ``path`` (resolution ``dpi`` [dots per inch]); return the name."""
    figure.savefig(path, format="png", dpi=dpi)
    return path.name
