"""Figure 5: a reader's first view of each article, in headless Chromium with an
empty cache, from the built site served on localhost."""

from __future__ import annotations

import gzip
from pathlib import Path

from scripts.derivations.browser import SCROLL_THROUGH, chromium, serve_directory

from .workspace import ROOT, say

VIEWPORT = {"width": 1280, "height": 800}
SETTLE_MS = 1500
# Layout shifts a reader did not cause (scrolling is not input), summed over the
# page's life: load, then a scroll to the bottom that loads every lazy figure.
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__cls += entry.value;
  }
}).observe({type: "layout-shift", buffered: true});
"""


def articles() -> list[str]:
    return sorted(path.stem for path in (ROOT / "docs" / "posts").glob("*.md"))


def compressed_size(body: bytes) -> int:
    """Bytes on the wire if the server gzips (level 6) what gzip makes smaller."""
    return min(len(body), len(gzip.compress(body, compresslevel=6)))


def measure(site_dir: Path) -> dict:
    pages = {}
    with serve_directory(site_dir) as origin, chromium() as browser:
        for slug in articles():
            pages[slug] = _first_view(browser, f"{origin}/{slug}/")
            pages[slug]["readable_without_javascript"] = _readable_without_javascript(
                browser, f"{origin}/{slug}/"
            )
            say(f"first view of {slug}: {pages[slug]}")
    return {
        "pages": pages,
        "max_compressed_kb": max(p["compressed_kb"] for p in pages.values()),
        "max_requests": max(p["requests"] for p in pages.values()),
        "max_layout_shift": max(p["layout_shift"] for p in pages.values()),
        "max_first_contentful_paint_ms": max(
            p["first_contentful_paint_ms"] for p in pages.values()
        ),
        "all_readable_without_javascript": all(
            p["readable_without_javascript"] for p in pages.values()
        ),
    }


def _first_view(browser, url: str) -> dict:
    context = browser.new_context(viewport=VIEWPORT)  # a new context: an empty cache
    context.add_init_script(CLS_OBSERVER)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(SETTLE_MS)  # late requests: the search index, fonts
    first_view = list(responses)
    sizes = [compressed_size(response.body()) for response in first_view]
    paint = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint').map(e => e.startTime)[0]"
    )
    shift_on_load = page.evaluate("window.__cls")
    page.evaluate(SCROLL_THROUGH)
    page.wait_for_timeout(SETTLE_MS)
    shift = page.evaluate("window.__cls")
    context.close()
    return {
        "requests": len(first_view),
        "compressed_kb": round(sum(sizes) / 1024, 1),
        "first_contentful_paint_ms": round(paint, 1),
        "layout_shift_on_load": round(shift_on_load, 4),
        "layout_shift": round(shift, 4),
    }


def _readable_without_javascript(browser, url: str) -> bool:
    """The article's text, typeset math and figures are there with JavaScript off."""
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    page.goto(url, wait_until="load")
    article = page.locator("article").first
    readable = (
        len(article.inner_text()) > 3000
        and page.locator("article .katex").count() > 0
        and page.locator("article .katex").first.is_visible()
        and page.locator("article figure img").count() >= 2
    )
    context.close()
    return readable
