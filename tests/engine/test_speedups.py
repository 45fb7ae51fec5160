"""mkdocs_speedups: the blog's post list answers `page in posts` as a list would,
without comparing the page with every post."""

from __future__ import annotations

from mkdocs.structure.files import File
from mkdocs.structure.pages import Page

from scripts.derivations.mkdocs_speedups import PostsByFile


class CountingPage(Page):
    """A Page that counts the equality tests made on it."""

    comparisons = 0

    def __eq__(self, other) -> bool:
        CountingPage.comparisons += 1
        return super().__eq__(other)

    __hash__ = None


def make_page(name: str, cls=CountingPage, file: File | None = None, title: str | None = None):
    file = file or File(f"posts/{name}.md", "docs", "site", use_directory_urls=True)
    page = cls(title or name.title(), file, {"site_url": None, "repo_url": None, "edit_uri": None})
    page.markdown = ""  # MkDocs gives a title only to a page whose source was read
    return page


def test_membership_is_the_lists_for_posts_twins_strangers_and_non_pages():
    posts = [make_page(f"post{i}") for i in range(40)]
    fast = PostsByFile(posts)
    twin = make_page("twin", file=posts[7].file, title=posts[7].title)  # == posts[7]
    renamed = make_page("renamed", file=posts[7].file, title="Another title")
    plain = make_page("plain", cls=Page, file=posts[3].file, title=posts[3].title)
    stranger = make_page("stranger")
    for candidate in [*posts, twin, renamed, plain, stranger, None, "post3", 3]:
        assert (candidate in fast) is list.__contains__(posts, candidate), candidate
    assert twin in fast and renamed not in fast and stranger not in fast


def test_a_page_is_compared_with_the_posts_of_its_file_only():
    posts = [make_page(f"post{i}") for i in range(300)]
    fast = PostsByFile(posts)
    strangers = [make_page(f"stranger{i}") for i in range(50)]
    CountingPage.comparisons = 0
    assert all(post in fast for post in posts)
    assert not any(page in fast for page in strangers)
    as_a_list = CountingPage.comparisons
    CountingPage.comparisons = 0
    assert all(list.__contains__(posts, post) for post in posts)
    assert not any(list.__contains__(posts, page) for page in strangers)
    assert as_a_list == 0 and CountingPage.comparisons > 300 * 300 / 2


def test_the_index_follows_a_list_that_grew():
    posts = [make_page(f"post{i}") for i in range(5)]
    fast = PostsByFile(posts)
    late = make_page("late")
    assert late not in fast
    fast.append(late)
    assert late in fast
