"""Notebook pages (rendered by mkdocs-jupyter) made to match the articles:
math in Markdown cells goes through the same KaTeX renderer, and the nbconvert
template's script loaders for MathJax and Mermaid, which point at other hosts or
at nothing, are removed, so the page loads nothing from elsewhere. The
stylesheets the template inlines into every notebook page move to one shared file,
and its figures, inlined as data URIs, become links to the site's figure files."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable

MATHJAX_BLOCK = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
REMOTE_MODULE = re.compile(
    r'<script type="module">(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>', re.S
)
MARKDOWN_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.S
)
CODE = re.compile(r"(<code.*?</code>|<pre.*?</pre>)", re.S)
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\$)")
# An inline stylesheet: from the first to the next closing tag (as the lazy regex
# '<style type="text/css">(.*?)</style>' with re.S finds them, but with str.find:
# the regex tried every character of the CSS against "</style>", 30 ms a build).
STYLE_OPEN, STYLE_CLOSE = '<style type="text/css">', "</style>"
SHARED_STYLES_FOLDER = "assets/notebooks"
SVG_DATA_URI = re.compile(r'src="data:image/svg\+xml;base64,([^"]*)"')


def linked_figures(content: str, figures: dict[str, str], href_for: Callable[[str], str]) -> str:
    """The page's SVG outputs as links to the same files under figures/ instead of data
    URIs. They were about 1 MB of a 1.3 MB notebook page (each figure is also written
    twice once the zoom plugin wraps it), for files the article already loaded.
    `figures`: SHA-256 of an SVG's bytes → its site path; an output that is no
    snippet figure stays as it is."""

    def link(match: re.Match) -> str:
        try:
            digest = hashlib.sha256(base64.b64decode(match[1], validate=True)).hexdigest()
        except binascii.Error:
            return match[0]
        path = figures.get(digest)
        return f'src="{href_for(path)}"' if path else match[0]

    return SVG_DATA_URI.sub(link, content)


def shared_styles(content: str, href_for: Callable[[str], str]) -> tuple[str, str, str]:
    """(content with its inline stylesheets replaced by one link, the stylesheet's
    site path, its text). nbconvert's template puts about 590 KB of JupyterLab CSS
    into each notebook page; a shared file is fetched once by a reader, and the
    later steps of the build (search indexing, figure zoom, math) no longer read it
    once per notebook. The file is named by the CSS's checksum, so a new
    mkdocs-jupyter gives a new file rather than a stale one. `href_for` turns the
    site path into a URL relative to the page."""
    kept, styles = [], []  # the text around the stylesheets, and their CSS
    position = 0
    while (start := content.find(STYLE_OPEN, position)) >= 0:
        end = content.find(STYLE_CLOSE, start + len(STYLE_OPEN))
        if end < 0:  # unclosed: neither this nor any later opening tag has a match
            break
        kept.append(content[position:start])
        styles.append(content[start + len(STYLE_OPEN) : end])
        position = end + len(STYLE_CLOSE)
    kept.append(content[position:])
    if not styles:
        return content, "", ""
    css = "\n".join(styles)
    path = f"{SHARED_STYLES_FOLDER}/notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    link = f'<link rel="stylesheet" href="{href_for(path)}">'  # in the first one's place
    return kept[0] + link + "".join(kept[1:]), path, css


def prepare(page_html: str) -> str:
    """Strip remote script loaders; wrap Markdown-cell math as arithmatex does."""
    page_html = MATHJAX_BLOCK.sub("", page_html)
    page_html = REMOTE_MODULE.sub("", page_html)
    return MARKDOWN_CELL.sub(lambda m: m[1] + _mark_math(m[2]) + m[3], page_html)


def _mark_math(cell_html: str) -> str:
    parts = CODE.split(cell_html)
    for i in range(0, len(parts), 2):  # even parts are outside code
        part = DISPLAY.sub(lambda m: f'<div class="arithmatex">\\[{m[1]}\\]</div>', parts[i])
        parts[i] = INLINE.sub(lambda m: f'<span class="arithmatex">\\({m[1]}\\)</span>', part)
    return "".join(parts)
