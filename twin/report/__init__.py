"""The HTML run report: ``write_report(RUN_DIR)`` writes ``RUN_DIR/report/index.html``.

One self-contained HTML page (inline CSS, no scripts) with PNG figures made
with matplotlib's Agg canvas, reading the run through :mod:`twin.streams`.
"""

from twin.report.build import write_report

__all__ = ["write_report"]
