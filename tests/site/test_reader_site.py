"""The reader's site around the articles: feeds, sitemap, 404, descriptions,
last-updated dates, tags, zoomable figures, series navigation and print styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from scripts.derivations.series import Member, navigation

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = sorted((ROOT / "docs" / "posts").glob("*.md"))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text().split("---\n", 2)[1])


def test_rss_feed_and_sitemap_list_every_article(built_site):
    site_dir, _ = built_site
    feed = ET.parse(site_dir / "feed_rss_created.xml").getroot()
    links = {item.findtext("link") for item in feed.iter("item")}
    sitemap = (site_dir / "sitemap.xml").read_text()
    for article in ARTICLES:
        assert any(link and link.endswith(f"/{article.stem}/") for link in links), article.stem
        assert f"/{article.stem}/</loc>" in sitemap
    head = soup(site_dir / "index.html").find("head")
    assert head.find("link", rel="alternate", type="application/rss+xml"), (
        "the feed is discoverable"
    )


def test_not_found_page_exists(built_site):
    site_dir, _ = built_site
    assert "404" in soup(site_dir / "404.html").get_text()


def test_articles_have_description_updated_date_tags_and_lazy_zoomable_figures(built_site):
    site_dir, _ = built_site
    tags_page = soup(site_dir / "tags" / "index.html").get_text()
    for article in ARTICLES:
        meta = front_matter(article)
        page = soup(site_dir / article.stem / "index.html")
        assert page.find("meta", attrs={"name": "description"})["content"] == meta["description"]
        updated = page.select_one(".page-updated time")
        assert updated is not None and len(updated["datetime"]) == len("2026-11-23")
        for tag in meta.get("tags", []):
            assert tag in tags_page
        images = page.select("article img")
        assert images and all(img.find_parent("a", class_="glightbox") for img in images)
        for img in page.select('article img[src*="figures/"]'):
            # Fetched when scrolled to, in a box of the figure's shape (no layout shift).
            assert img["loading"] == "lazy", img["src"]
            assert int(img["width"]) > 300 and int(img["height"]) > 100, img["src"]


def test_home_lists_articles_with_excerpts(built_site):
    site_dir, _ = built_site
    home = soup(site_dir / "index.html")
    posts = home.select("article.md-post")
    assert len(posts) == len(ARTICLES)
    for post in posts:
        assert post.select_one("time") is not None, "date shown"
        assert "read" in post.get_text(), "reading time shown"


def test_print_stylesheet_hides_navigation(built_site):
    site_dir, _ = built_site
    css = (site_dir / "assets" / "derivations.css").read_text()
    print_rules = css.split("@media print", 1)[1]
    for selector in (".md-header", ".md-sidebar", ".md-footer"):
        assert selector in print_rules


def test_series_navigation_links_neighbours_in_date_order():
    members = [
        Member("generative", "2026-02-01", "posts/b.md", "B"),
        Member("generative", "2026-01-01", "posts/a.md", "A"),
        Member("generative", "2026-03-01", "posts/c.md", "C"),
        Member("other", "2026-01-15", "posts/x.md", "X"),
    ]
    middle = navigation(members, "posts/b.md")
    assert "← Previous: [A](a.md)" in middle and "Next: [C](c.md) →" in middle
    assert "Previous" not in navigation(members, "posts/a.md")
    assert navigation(members, "posts/x.md") == ""
