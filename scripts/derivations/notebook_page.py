"""Notebook pages (rendered by mkdocs-jupyter) made to match the articles:
math in Markdown cells goes through the same KaTeX renderer, and the nbconvert
template's script loaders for MathJax and Mermaid, which point at other hosts or
at nothing, are removed, so the page loads nothing from elsewhere."""

from __future__ import annotations

import re

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
