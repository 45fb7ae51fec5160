"""Figure 6: build time per article on synthetic sites with 10 and 100 times the
articles, made from the real ones (equation labels renamed per copy) and
building from a copy of the real snippets' cache."""

from __future__ import annotations

import contextlib
import re
import statistics
import tempfile
from pathlib import Path

from .workspace import commit_all, copy_project, say, timed_build

FACTORS = (1, 10, 100)
ROUNDS = 3  # each: every smaller site built three times, the largest once
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
    with contextlib.ExitStack() as stack:
        sites = []  # (articles, project root, site folder), smallest first
        for factor in FACTORS:
            temp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            root = copy_project(temp / "project")
            articles = multiply_articles(root, factor)
            commit_all(root)
            timed_build(root, temp / "warm")  # .pyc files, template cache
            sites.append((articles, root, temp / "site"))
        # The sizes take turns, and each figure is the median of its builds. One build
        # of the largest site takes over a minute, long enough for this machine's speed
        # to drift (63.8 and 75.6 s the same day, one build each), and the growth
        # figure divides differences of these times: measured one size after another,
        # a drift between them read as growth (x0.90 to x1.22 over four runs).
        # The two small sites get three builds a round, before and after the large
        # one: the figure's denominator is their difference, about 6 s, in which
        # their spread between builds (0.4 s and 0.5 s within three rounds) moved
        # the figure by up to 8 %; the large site's spread moves it about 1 % per 1 %.
        smaller, (largest,) = sites[:-1], sites[-1:]
        one_round = [*smaller, largest, *reversed(smaller), *smaller]
        times: dict[int, list[float]] = {articles: [] for articles, _, _ in sites}
        for round_number in range(ROUNDS):
            this_round: dict[int, list[str]] = {articles: [] for articles in times}
            for articles, root, site in one_round:
                elapsed = timed_build(root, site)
                times[articles].append(elapsed)
                this_round[articles].append(f"{elapsed:.1f}")
            say(
                f"round {round_number + 1}/{ROUNDS}: "
                + ", ".join(f"{n} articles {' '.join(t)} s" for n, t in this_round.items())
            )
    sizes = list(times)
    seconds = [statistics.median(times[n]) for n in sizes]
    for articles, elapsed in zip(sizes, seconds, strict=True):
        say(f"{articles} articles: {elapsed:.1f} s, {elapsed / articles:.3f} s per article")
    marginal = [
        (seconds[i + 1] - seconds[i]) / (sizes[i + 1] - sizes[i]) for i in range(len(sizes) - 1)
    ]
    return {
        "articles": sizes,
        "builds_per_size": [len(times[n]) for n in sizes],
        "build_seconds": [round(s, 2) for s in seconds],
        "seconds_per_article": [round(s / n, 4) for s, n in zip(seconds, sizes, strict=True)],
        # Cost of one more article between 10x and 100x over that between 1x and 10x:
        # above 1 means the build grows faster than linearly.
        "marginal_seconds_per_article": [round(m, 4) for m in marginal],
        "marginal_growth": round(marginal[-1] / marginal[0], 3),
    }
