"""Changes to Material's own assets that make the reader's page cheaper to load,
applied to the installed theme's files as the site is built (nothing is copied
into the repository, so a new Material brings its own files).

Material's palette script marks `<body>` with `data-md-color-switching` when a
page loads and removes it a frame later; its stylesheet turns off transitions for
every element while that attribute is there (`[data-md-color-switching] *`). An
attribute that selects every element makes the browser restyle the whole page
each time it is set and removed: on an article with two thousand formulas (18,000
elements) that was 0.2-0.3 s of every page load in Chromium. The rule now keys on
`data-palette-switching`, which `assets/palette-switch.js` sets only while a reader
switches between light and dark, so the switch is still instant and the load
restyles nothing."""

from __future__ import annotations

import re

PALETTE_CSS = re.compile(r"assets/stylesheets/palette\.[0-9a-f]+\.min\.css")
MATERIAL_SWITCHING = "[data-md-color-switching]"
OUR_SWITCHING = "[data-palette-switching]"
SWITCHING_RULE = re.compile(r"(?:\[data-md-color-switching\] (?:\*|:after|:before),?)+\{[^}]*\}")


def is_palette_css(site_path: str) -> bool:
    return PALETTE_CSS.fullmatch(site_path) is not None


def palette_css(text: str) -> str | None:
    """The stylesheet with the switching rule keyed on our attribute, or None if
    Material's stylesheet no longer has the rule as expected (then it stays as is)."""
    rules = SWITCHING_RULE.findall(text)
    if len(rules) != 1:
        return None
    return text.replace(rules[0], rules[0].replace(MATERIAL_SWITCHING, OUR_SWITCHING))
