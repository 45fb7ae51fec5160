"""Figures load lazily in a box of their own shape (figure_tags.py)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from scripts.derivations.figure_tags import lazy_figures, svg_size


def test_svg_size_is_the_figure_size_in_css_pixels(tmp_path):
    figure = plt.figure(figsize=(6.5, 3.0))  # inches; CSS has 96 pixels per inch
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    path = tmp_path / "figure.svg"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert svg_size(path) == (624, 288)


def test_only_snippet_figures_become_lazy_and_sized():
    page = (
        '<img alt="a" src="../figures/em/fit.svg">'
        '<img alt="logo" src="../assets/avatar.svg">'
        '<img alt="b" src="../../figures/em/other.svg" loading="eager">'
    )
    out = lazy_figures(page, {"em/fit.svg": (640, 360), "em/other.svg": None})
    assert (
        '<img alt="a" src="../figures/em/fit.svg" loading="lazy" decoding="async" width="640" height="360">'
        in out
    )
    assert '<img alt="logo" src="../assets/avatar.svg">' in out
    assert 'loading="eager">' in out and 'other.svg" loading="eager">' in out
