"""Figures load when a reader scrolls to them, in a box of the right shape.

Each `<img>` of a snippet's figure gets `loading="lazy"` (a reader's first view
fetches only the figures on screen) and the SVG's own width and height, so the
browser reserves the space before the file arrives and the text below does not
jump (layout shift). CSS keeps the height proportional when the width shrinks.
"""

from __future__ import annotations

import re
from pathlib import Path

FIGURE_IMG = re.compile(
    r'<img (?P<attributes>[^>]*\bsrc="(?:\.\./)*figures/(?P<path>[^"]+\.svg)"[^>]*)>'
)
SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="(?P<w>[\d.]+)pt"[^>]*?\bheight="(?P<h>[\d.]+)pt"')
PIXELS_PER_POINT = 96 / 72


def svg_size(svg: Path) -> tuple[int, int] | None:
    """Width and height in CSS pixels from matplotlib's `width="…pt"` header."""
    with svg.open(encoding="utf-8") as handle:
        match = SVG_SIZE.search(handle.read(2048))
    if match is None:
        return None
    return (
        round(float(match["w"]) * PIXELS_PER_POINT),
        round(float(match["h"]) * PIXELS_PER_POINT),
    )


def lazy_figures(page_html: str, sizes: dict[str, tuple[int, int] | None]) -> str:
    """`sizes`: figure path under figures/ (e.g. em/fit.svg) → its size in pixels."""

    def tag(match: re.Match) -> str:
        attributes = match["attributes"]
        if "loading=" not in attributes:
            attributes += ' loading="lazy" decoding="async"'
        size = sizes.get(match["path"])
        if size is not None and "width=" not in attributes:
            attributes += f' width="{size[0]}" height="{size[1]}"'
        return f"<img {attributes}>"

    return FIGURE_IMG.sub(tag, page_html)
