"""Figure 6: build time per article on synthetic sites with 10 and 100 times the
articles, made from the real ones (equation labels renamed per copy) and
building from a copy of the real snippets' cache."""

from __future__ import annotations

import re
import statistics
import tempfile
from pathlib import Path

from .workspace import commit_all, copy_project, say, timed_build

FACTORS = (1, 10, 100)
BUILDS_PER_SIZE = 3
EQUATION = re.compile(r"(\\(?:label|eqref)\{eq:)([^}]+)\}")


def multiply_articles(root: Path, factor: int) -> int:
    """Write factor − 1 copies of every post; returns how many articles the site has."""
    posts = sorted((root / "docs" / "posts").glob("*.md"))
    for copy in range(1, factor):
        for post in posts:
            text = EQUATION.sub(rf"\g<1>\g<2>-copy{copy}}}", post.read_text())
            (post.parent / f"{post.stem}-copy{copy}.md").write_text(text, encoding="utf-8")
    return len(posts) * factor


def measure() -> dict:
    sizes, seconds = [], []
    for factor in FACTORS:
        with tempfile.TemporaryDirectory() as temp:
            root = copy_project(Path(temp) / "project")
            articles = multiply_articles(root, factor)
            commit_all(root)
            timed_build(root, Path(temp) / "warm")  # .pyc files, template cache
            # The median of three: one build of the largest site takes over a minute,
            # long enough for this machine's speed to drift (63.8 and 75.6 s the
            # same day, one build each), and the growth figure divides two of them.
            elapsed = statistics.median(
                timed_build(root, Path(temp) / "site") for _ in range(BUILDS_PER_SIZE)
            )
        sizes.append(articles)
        seconds.append(elapsed)
        say(f"{articles} articles: {elapsed:.1f} s, {elapsed / articles:.3f} s per article")
    marginal = [
        (seconds[i + 1] - seconds[i]) / (sizes[i + 1] - sizes[i]) for i in range(len(sizes) - 1)
    ]
    return {
        "articles": sizes,
        "build_seconds": [round(s, 2) for s in seconds],
        "seconds_per_article": [round(s / n, 4) for s, n in zip(seconds, sizes, strict=True)],
        # Cost of one more article between 10x and 100x over that between 1x and 10x:
        # above 1 means the build grows faster than linearly.
        "marginal_seconds_per_article": [round(m, 4) for m in marginal],
        "marginal_growth": round(marginal[-1] / marginal[0], 3),
    }
