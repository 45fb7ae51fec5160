"""The EM page as a reader's browser shows it: Debian's Chromium driven by
Playwright, at desktop and phone widths, in the light and dark schemes, and
with JavaScript off. Skips only where Chromium is absent; CI sets
DERIVATIONS_REQUIRE_BROWSER=1 so that a skip there is a failure."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from scripts.derivations.browser import CHROMIUM, SCROLL_THROUGH, chromium, serve_directory

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".cache" / "screenshots"


@pytest.fixture(scope="module")
def server(built_site):
    site_dir, _ = built_site
    with serve_directory(site_dir) as origin:
        yield origin


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("DERIVATIONS_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"Chromium is required here but {CHROMIUM} is missing (apt-get install chromium)"
            )
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with chromium() as browser:
        yield browser


class PageWatch:
    """Everything a page did that a reader would call broken."""

    def __init__(self, page, origin: str):
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        host = urlparse(origin).netloc
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} {r.status}"))
        page.on(
            "request",
            lambda r: (
                urlparse(r.url).netloc not in {host, ""}
                and r.url.startswith("http")
                and self.foreign.append(r.url)
            ),
        )


ARTICLES = sorted(path.stem for path in (ROOT / "docs" / "posts").glob("*.md"))
PAGES = {
    "home": "/",
    "claims": "/claims/",
    "category": "/category/latent-variable-models/",
    **{article: f"/{article}/" for article in ARTICLES},
}
# Every page on a wide light screen and a phone in the dark scheme; the site's
# frame (home, claims, category) and the first article in all four combinations.
VIEWS = [
    (name, width, scheme)
    for name in PAGES
    for width, scheme in (
        [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]
        if name in {"home", "claims", "category", "em"}
        else [(1280, "light"), (390, "dark")]
    )
]
TAGS_OVERLAPPING_FORMULAS = """
[...document.querySelectorAll("article .equation--numbered .katex-html")].flatMap((html) => {
  const tag = html.querySelector(":scope > .tag");
  if (!tag) return [];
  const left = tag.getBoundingClientRect().left;
  const right = Math.max(...[...html.querySelectorAll(":scope > .base")].map(
    (base) => base.getBoundingClientRect().right));
  return right > left + 1 ? [html.closest(".equation").id] : [];
})
"""
PAINT_EVERYTHING = "article.md-typeset > * { content-visibility: visible !important; }"
CONTENT_VISIBILITY = """(selector) => [...document.querySelectorAll(selector)].map(
  (element) => getComputedStyle(element).contentVisibility)"""
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize(("name", "width", "scheme"), VIEWS)
def test_page_reads_cleanly(browser, server, name, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    watch = PageWatch(page, server)
    page.goto(f"{server}{PAGES[name]}", wait_until="networkidle")
    page.evaluate(SCROLL_THROUGH)  # as a reader does: every lazily loaded figure arrives
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Off-screen paragraphs and equations are not painted (content-visibility in
    # derivations.css), and a full-page capture reaches past the screen: paint all.
    # Painting all also lets content wider than the screen show in scrollWidth, which a
    # contained paragraph would clip instead.
    paint_all = page.add_style_tag(content=PAINT_EVERYTHING)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
    if width == 390:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    paint_all.evaluate("(style) => style.remove()")
    assert watch.console_errors == []
    assert watch.failed == []
    assert watch.foreign == [], "requests to another host"
    expected_scheme = "slate" if scheme == "dark" else "default"
    assert page.locator("body").get_attribute("data-md-color-scheme") == expected_scheme
    if name in ARTICLES:
        math = page.locator("article .katex")
        assert math.count() > 5 and math.first.is_visible()
        assert page.locator("article .equation--numbered").first.is_visible()
        if width == 1280:  # every numbered equation fits beside its number
            crowded = page.evaluate(TAGS_OVERLAPPING_FORMULAS)
            assert crowded == [], f"equation numbers over their formulas: {crowded}"
        images = page.evaluate(
            "[...document.querySelectorAll('article img')].map(i => [i.src, i.complete && i.naturalWidth > 0])"
        )
        assert len(images) >= 2 and all(ok for _, ok in images), images
    if name in {"home", "category"}:
        assert page.locator("article.md-post a[href*='em/']").first.is_visible(), (
            "the article is listed"
        )
    context.close()


@pytest.mark.parametrize(
    ("name", "scheme"),
    [(name, "light") for name in PAGES] + [(name, "dark") for name in ("home", "claims", "em")],
)
def test_no_serious_accessibility_violations(browser, server, name, scheme):
    """Every rule on every page in the light scheme. In the dark one, colour contrast
    (the rule the scheme changes) on the frame, the claims table and one article:
    the colours are the site's CSS, the same on every article (all five would add 40 s)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{server}{PAGES[name]}", wait_until="networkidle")
    page.add_script_tag(path=str(AXE))
    only = "" if scheme == "light" else ", runOnly: ['color-contrast']"
    results = page.evaluate(f"axe.run(document, {{resultTypes: ['violations']{only}}})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == [], "\n".join(serious)
    context.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Jensen", "/em/"),
        ("似然", "/em/"),
        ("Kantorovich", "/wgan-duality/"),
        ("contrastive", "/nce/"),
        ("IWAE", "/f-vae/"),
        ("brachistochrone", "/euler-lagrange/"),
    ],
)
def test_search_finds_the_article(browser, server, query, expected):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/", wait_until="networkidle")
    page.keyboard.press("/")  # Material's shortcut focuses the search box
    # Wait until the search worker has built its index (a first query returns).
    page.keyboard.type("EM")
    page.locator(".md-search-result__item a").first.wait_for(timeout=20_000)
    page.keyboard.press("Control+A")
    page.keyboard.type(query)
    # Chinese text arrives as one inserted string with no key events, and Material
    # searches on key events: a space typed and deleted sends some, as a person's IME would.
    page.keyboard.press("Space")
    page.keyboard.press("Backspace")
    # A result for this query shows the query's words in its text (EM's results need not).
    page.wait_for_function(
        "q => [...document.querySelectorAll('.md-search-result__item')].some(i => i.textContent.includes(q))",
        arg=query,
        timeout=10_000,
    )
    hrefs = page.eval_on_selector_all(
        ".md-search-result__item",
        "(items, q) => items.filter(i => i.textContent.includes(q)).map(i => i.querySelector('a').href)",
        query,
    )
    assert any(expected in href for href in hrefs), hrefs
    context.close()


def test_keyboard_reaches_search_and_article_links(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/", wait_until="networkidle")
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "[document.activeElement.tagName, document.activeElement.getAttribute('href') || document.activeElement.getAttribute('aria-label') || document.activeElement.className]"
            )
        )
    assert any(tag == "INPUT" or "search" in str(label).lower() for tag, label in reached), reached
    assert any(tag == "A" and label and "em/" in label for tag, label in reached), reached
    context.close()


def test_em_page_is_readable_without_javascript(browser, server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{server}/em/", wait_until="load")
    page.screenshot(path=str(SCREENSHOTS / "em-no-javascript.png"))
    numbered = page.locator("article .equation--numbered")
    assert numbered.count() >= 2 and numbered.first.is_visible()
    assert "(1)" in numbered.first.inner_text()
    assert page.locator("article details").first.is_visible(), "the citation box is there"
    context.close()


@pytest.mark.parametrize("start", ["/em/", "/notation/"], ids=["same page", "from another page"])
def test_equation_reference_lands_on_the_equation(browser, server, start):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}{start}", wait_until="networkidle")
    reference = page.locator("article a.eqref").first
    anchor = reference.get_attribute("href").split("#")[1]
    reference.click()
    page.wait_for_url(f"**/em/#{anchor}")
    page.wait_for_load_state("networkidle")
    box = page.locator(f"#{anchor}").bounding_box()
    assert box is not None and 0 <= box["y"] < 900, (
        "the equation is not in view after following its reference"
    )
    assert page.locator(f"#{anchor} .katex-display").is_visible()
    context.close()


def test_off_screen_paragraphs_wait_to_be_laid_out_and_a_focused_one_is_whole(browser, server):
    """derivations.css: after the first section heading, paragraphs and equations are
    laid out only near the screen (content-visibility), and never in print; a
    paragraph holding the keyboard focus is not contained, so its link's focus ring
    is not clipped at the paragraph's edge."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/em/", wait_until="load")
    body = page.evaluate(CONTENT_VISIBILITY, "article.md-typeset > h2 ~ p")
    assert len(body) > 20 and set(body) == {"auto"}, body
    assert set(page.evaluate(CONTENT_VISIBILITY, "article.md-typeset > h2 ~ .equation")) == {"auto"}
    assert "auto" not in page.evaluate(CONTENT_VISIBILITY, "article.md-typeset > h1 ~ p:not(h2 ~ p)")
    link = page.locator("article.md-typeset > h2 ~ p a.eqref").first
    link.focus()
    assert link.evaluate("(a) => getComputedStyle(a.closest('p')).contentVisibility") == "visible"
    page.emulate_media(media="print")
    assert set(page.evaluate(CONTENT_VISIBILITY, "article.md-typeset > h2 ~ p")) == {"visible"}
    context.close()


WATCH_SWITCHING = """
window.__switching = [];
new MutationObserver((records) => {
  for (const record of records) {
    window.__switching.push(`${record.attributeName}=${document.body.hasAttribute(record.attributeName)}`);
  }
}).observe(document, {
  attributes: true, subtree: true,
  attributeFilter: ["data-palette-switching", "data-md-color-switching"],
});
"""


def test_scheme_switch_is_instant_and_a_page_load_restyles_nothing_for_it(browser, server):
    """Material's transition-off rule keys on data-palette-switching (theme_patches.py):
    its own attribute, which it sets on every page load, selects nothing any more, and
    a reader's switch to dark sets ours for a frame, then removes it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    page.add_init_script(WATCH_SWITCHING)
    page.goto(f"{server}/em/", wait_until="load")
    rules = page.evaluate(
        """[...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
             .map((rule) => rule.cssText).filter((text) => text.includes("switching]"))"""
    )  # top-level rules; Material's sits inside @media screen
    assert rules and not [r for r in rules if "[data-md-color-switching]" in r], rules
    assert any("[data-palette-switching] *" in r for r in rules)
    assert not [s for s in page.evaluate("window.__switching") if s.startswith("data-palette")]
    page.locator('[data-md-component="palette"] label:visible').first.click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    page.wait_for_function("!document.body.hasAttribute('data-palette-switching')")
    switching = page.evaluate("window.__switching")
    assert "data-palette-switching=true" in switching, switching
    assert switching[-1] != "data-palette-switching=true", switching
    context.close()


def test_from_the_home_page_every_article_shows_its_source_and_discuss_links(browser, server):
    """A reader follows each article's link from the home page and finds where its
    Markdown and code live and where to discuss it (hrefs only: no network here)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server}/", wait_until="networkidle")
    article_urls = {
        urlparse(href).path
        for href in page.eval_on_selector_all(
            "article h2 a[href]", "links => links.map(a => a.href)"
        )
    }
    assert article_urls == {f"/{article}/" for article in ARTICLES}
    repository = "https://github.com/runnable-derivations/runnable-derivations.github.io"
    for url in sorted(article_urls):
        page.goto(f"{server}{url}", wait_until="networkidle")
        links = page.locator("p.page-source a")
        links.first.scroll_into_view_if_needed()
        assert links.first.is_visible()
        hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        slug = url.strip("/")
        assert hrefs[0].endswith(f"/docs/posts/{slug}.md") and hrefs[0].startswith(repository)
        assert hrefs[1].endswith(f"/snippets/{slug.replace('-', '_')}")
        assert hrefs[2].startswith(f"{repository}/discussions?discussions_q=")
    context.close()
