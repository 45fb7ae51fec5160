"""theme_patches: Material's palette stylesheet keyed on our switching attribute."""

from __future__ import annotations

from pathlib import Path

import material

from scripts.derivations import theme_patches

RULE = "[data-md-color-switching] *,[data-md-color-switching] :after,[data-md-color-switching] :before{transition-duration:0s!important}"


def test_the_switching_rule_keys_on_our_attribute_and_nothing_else_changes():
    text = f".a{{color:red}}{RULE}.b{{color:blue}}"
    patched = theme_patches.palette_css(text)
    assert patched == text.replace("data-md-color-switching", "data-palette-switching")


def test_a_stylesheet_without_the_rule_is_left_alone():
    assert theme_patches.palette_css(".a{color:red}") is None
    assert theme_patches.palette_css(RULE + RULE) is None  # not the one rule expected


def test_the_installed_material_palette_has_the_rule():
    """A Material upgrade that changes the rule shows here, not only as a build warning."""
    folder = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
    (palette,) = folder.glob("palette.*.min.css")
    assert theme_patches.is_palette_css(f"assets/stylesheets/{palette.name}")
    patched = theme_patches.palette_css(palette.read_text(encoding="utf-8"))
    assert patched is not None and "[data-md-color-switching]" not in patched
