"""The report page: one HTML file, inline CSS, no scripts, no external assets.

Everything that comes from the run is escaped; the page links only to the
PNG files next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

__all__ = ["FigureRef", "Section", "Table", "render_page"]

CSS = """
:root { --ink: #1f2933; --muted: #52606d; --rule: #d9e2ec; --accent: #1f6feb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f7f9fb; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff;
       min-height: 100vh; box-shadow: 0 0 24px rgba(0,0,0,.05); }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; color: var(--muted); }
nav { margin: 16px 0 8px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 14px; }
h2 { margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule);
     font-size: 20px; }
h3 { margin: 20px 0 6px; font-size: 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--rule); text-align: left;
         vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.key { width: 100%; }
table.key td:first-child { color: var(--muted); width: 36%; }
table.key td:last-child { font-weight: 600; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0; }
figure { margin: 16px 0 24px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.note { color: var(--muted); font-size: 14px; border-left: 3px solid var(--rule);
        padding: 2px 10px; margin: 8px 0; }
details { margin: 8px 0; }
pre { background: #f0f4f8; padding: 10px; overflow-x: auto; font-size: 12px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""


@dataclass
class FigureRef:
    """A PNG next to the page, with its caption."""

    file: str
    caption: str
    alt: str = ""


@dataclass
class Table:
    """A small table: header and rows of already formatted cells."""

    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    numeric: bool = True
    """Right-align every cell after the first."""


@dataclass
class Section:
    """One section of the report."""

    anchor: str
    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[FigureRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    preformatted: dict[str, str] = field(default_factory=dict)
    """Collapsed blocks of plain text by summary line (scenario YAML, versions)."""


def _table(table: Table, css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    out = [f"<table{cls}>"]
    if table.caption:
        out.append(f"<caption>{escape(table.caption)}</caption>")
    if table.header:
        out.append("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in table.header) + "</tr>")
    for row in table.rows:
        cells = []
        for i, cell in enumerate(row):
            num = ' class="num"' if table.numeric and i > 0 else ""
            cells.append(f"<td{num}>{escape(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _section(section: Section) -> str:
    out = [f'<section id="{escape(section.anchor)}">', f"<h2>{escape(section.title)}</h2>"]
    out += [f"<p>{escape(paragraph)}</p>" for paragraph in section.text]
    out += [_table(t) for t in section.tables]
    for fig in section.figures:
        alt = escape(fig.alt or fig.caption)
        out.append(
            f'<figure><img src="{escape(fig.file)}" alt="{alt}" loading="lazy">'
            f"<figcaption>{escape(fig.caption)}</figcaption></figure>"
        )
    out += [f'<p class="note">{escape(note)}</p>' for note in section.notes]
    for summary, text in section.preformatted.items():
        out.append(
            f"<details><summary>{escape(summary)}</summary><pre>{escape(text)}</pre></details>"
        )
    out.append("</section>")
    return "\n".join(out)


def render_page(
    *,
    title: str,
    subtitle: str,
    key_figures: list[tuple[str, str]],
    sections: list[Section],
    footer: str,
) -> str:
    """The whole report as one HTML document.

    Parameters
    ----------
    title, subtitle : str
        Page heading and the line under it.
    key_figures : list of (str, str)
        The run's key figures, shown first as a two-column table.
    sections : list of Section
        The sections, in order, linked from a small table of contents.
    footer : str
        Provenance line at the bottom.
    """
    nav = " ".join(f'<a href="#{escape(s.anchor)}">{escape(s.title)}</a>' for s in sections)
    key = _table(Table(header=[], rows=[[k, v] for k, v in key_figures], numeric=False), "key")
    body = "\n".join(_section(s) for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>
<nav><a href="#key-figures">Key figures</a> {nav}</nav>
<section id="key-figures"><h2>Key figures</h2>
{key}
</section>
{body}
<footer>{escape(footer)}</footer>
</main>
</body>
</html>
"""
