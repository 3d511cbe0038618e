"""HTML fragments of the results page: tables, rating badges, figures with alt text.

Plain functions returning escaped HTML strings (no Streamlit import), drawn with
``st.html``. Why HTML rather than Streamlit's data grid: the grid is a canvas (screen
readers and the browser's own contrast checks cannot see its cells, and its cell colours
ignored the dark theme), while a ``<table>`` with ``<th scope>`` headers is real markup.

Colour rules, so every text is readable in the light and the dark theme:

- table and page text keep the theme's own text colour on the theme's background (no
  cell backgrounds);
- a rating is always a **word** in a badge; the badge has its own text and background
  colours (:data:`BADGE_COLOURS`), each pair at least 4.5:1 (WCAG AA), checked by
  :func:`contrast_ratio` in the tests and measured in a real browser in both themes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

#: rating -> (text colour, background colour) of its badge; every pair >= 4.5:1
BADGE_COLOURS: dict[str, tuple[str, str]] = {
    "good": ("#ffffff", "#1b5e20"),
    "fair": ("#ffffff", "#8f4700"),
    "poor": ("#ffffff", "#b71c1c"),
    "none": ("#ffffff", "#4f5b62"),
}
#: columns of the rep table shown on a phone (the rest behind "All columns")
KEY_COLUMNS: tuple[str, ...] = ("Rep", "Side")

CSS = (
    """
<style>
.hc-table-wrap { overflow-x: auto; max-width: 100%; }
table.hc-table { border-collapse: collapse; width: 100%; font-size: 0.95rem; margin: 0.25rem 0; }
table.hc-table caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
table.hc-table th, table.hc-table td { text-align: left; vertical-align: top;
  padding: 0.35rem 0.5rem; border-bottom: 1px solid rgba(128, 128, 128, 0.35);
  color: inherit; background: transparent; }
table.hc-table th { font-weight: 600; }
table.hc-table tr.hc-mean td, table.hc-table tr.hc-mean th { font-weight: 700; }
table.hc-table td { overflow-wrap: break-word; }
table.hc-table .hc-sub { font-size: 0.85em; }
.hc-badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 0.6rem;
  font-size: 0.8rem; font-weight: 700; line-height: 1.4; white-space: nowrap; }
"""
    + "".join(
        f".hc-badge.hc-{name} {{ color: {fg}; background-color: {bg}; }}\n"
        for name, (fg, bg) in BADGE_COLOURS.items()
    )
    + """
.hc-narrow-only { display: none; }
@media (max-width: 640px) {
  .hc-wide-only { display: none; }
  .hc-narrow-only { display: block; }
  table.hc-table { font-size: 0.9rem; }
  table.hc-table th, table.hc-table td { padding: 0.3rem 0.25rem; }
  .hc-badge { white-space: normal; }
}
figure.hc-figure { margin: 0 0 0.75rem 0; }
figure.hc-figure img { max-width: 100%; height: auto; display: block; }
figure.hc-figure figcaption { font-size: 0.85rem; margin-top: 0.25rem; }
.hc-frames { display: flex; gap: 0.75rem; }
.hc-frames figure { flex: 1 1 0; min-width: 0; }
p.hc-value { font-size: 1.5rem; font-weight: 600; margin: 0.1rem 0; }
</style>
"""
)


def _relative_luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(fg: str, bg: str) -> float:
    """Return the WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((_relative_luminance(fg), _relative_luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def badge(word: str, rating: str | None) -> str:
    """Return a rating badge: the word, coloured by the rating (grey when unrated)."""
    cls = rating if rating in BADGE_COLOURS else "none"
    return f'<span class="hc-badge hc-{cls}">{escape(word)}</span>'


def figure(png: bytes, alt: str, caption: str = "") -> str:
    """Return an ``<figure>`` with the PNG inlined, its alt text and caption."""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="hc-figure"><img src="{src}" alt="{escape(alt)}">{cap}</figure>'


def figures_row(items: Sequence[tuple[bytes, str, str]]) -> str:
    """Return figures next to each other (also on a phone: they are for comparing)."""
    return '<div class="hc-frames">' + "".join(figure(*item) for item in items) + "</div>"


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str = "",
    row_classes: Sequence[str] | None = None,
    header_cells: int = 1,
) -> str:
    """Return an accessible table.

    Parameters
    ----------
    columns
        Column titles (escaped here).
    rows
        Cell contents as **HTML** (escape text with :func:`html.escape`, or use
        :func:`badge`); the first ``header_cells`` cells of a row are row headers.
    caption
        The table's caption (escaped).
    row_classes
        A CSS class per row (e.g. ``hc-mean``).
    header_cells
        How many leading cells of each row are row headers.
    """
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        cells = "".join(
            f'<th scope="row">{cell}</th>' if j < header_cells else f"<td>{cell}</td>"
            for j, cell in enumerate(row)
        )
        body.append(f'<tr class="{escape(cls)}">{cells}</tr>')
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="hc-table-wrap"><table class="hc-table">{cap}<thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def value_cell(text: str, sub: str = "", rating: str | None = None, word: str = "") -> str:
    """Return one value cell: the value, an optional small second line and a badge."""
    out = escape(text)
    if sub:
        out += f' <span class="hc-sub">{escape(sub)}</span>'
    if word:
        out += " " + badge(word, rating)
    return out


def responsive_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    key_columns: Sequence[int],
    *,
    caption: str = "",
    row_classes: Sequence[str] | None = None,
    more_label: str = "All columns",
) -> str:
    """Return a table that shows only ``key_columns`` on a phone, the rest on demand.

    A wide screen shows the full table. A narrow one (at most 640 px) shows the key
    columns, with the full table inside a ``<details>`` element (scrolling sideways
    within its own box, never the page).
    """
    full = table(columns, rows, caption=caption, row_classes=row_classes)
    key_cols = [columns[i] for i in key_columns]
    key_rows = [[row[i] for i in key_columns] for row in rows]
    compact = table(key_cols, key_rows, caption=caption, row_classes=row_classes)
    return (
        f'<div class="hc-wide-only">{full}</div>'
        f'<div class="hc-narrow-only">{compact}'
        f"<details><summary>{escape(more_label)}</summary>{full}</details></div>"
    )
