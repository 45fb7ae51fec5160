"""Math rendered to HTML at build time with KaTeX, inside embedded V8 (mini-racer).

KaTeX comes from `node_modules/katex` (pinned in package-lock.json); its CSS and
fonts are served from the site, and no page loads KaTeX's JavaScript. Formulas
are rendered a page at a time in one call into V8, and remembered across builds
in `.cache/math/katex-<version>-<options>.json` (options: a hash of the render
call, so changing what is trusted renders every formula again).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .cache import read_json, write_json_atomic

INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>', re.S)
DISPLAY = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.S)
TAG_NUMBER = re.compile(r"\\tag\{(\d+)\}")

RENDER_ALL = r"""
function renderAll(items) {
  return JSON.stringify(items.map(([tex, display]) => {
    try {
      return {html: katex.renderToString(tex, {
        displayMode: display, throwOnError: true, strict: "ignore",
        // Trusted: links (from \eqref) and the data attributes that mark a claim's
        // value for the round-trip check; no other HTML-producing command.
        trust: (context) => context.command === "\\href" || (context.command === "\\htmlData"
          && Object.keys(context.attributes).every((key) => key === "data-value-of" || key === "data-format")),
      })};
    } catch (error) {
      return {error: String(error.message || error)};
    }
  }));
}
"""


def katex_dir(root: Path) -> Path:
    return root / "node_modules" / "katex"


@dataclass
class Formula:
    tex: str
    display: bool
    html: str | None = None
    error: str | None = None


@dataclass
class KatexRenderer:
    root: Path
    cache_dir: Path
    memory: dict[str, dict] = field(default_factory=dict)
    _context: object | None = None
    _dirty: bool = False

    def __post_init__(self):
        package = katex_dir(self.root) / "package.json"
        if not package.is_file():
            raise FileNotFoundError(
                f"{package}: KaTeX is not installed; run `make install` (npm ci)"
            )
        self.version = json.loads(package.read_text())["version"]
        if self.cache_file.is_file():
            self.memory = _read_cache(self.cache_file, self.cache_file.stat().st_mtime_ns)

    @property
    def cache_file(self) -> Path:
        options = hashlib.sha256(RENDER_ALL.encode()).hexdigest()[:12]
        return self.cache_dir / "math" / f"katex-{self.version}-{options}.json"

    @property
    def stats_file(self) -> Path:
        """What the last build spent on math (read by `make bench`)."""
        return self.cache_dir / "math" / "last-build.json"

    def render(self, formulas: list[Formula]) -> int:
        """Fill in html or error for each formula, asking V8 only for new ones;
        returns how many distinct formulas were new."""
        missing = {}
        for formula in formulas:
            key = f"{int(formula.display)}{formula.tex}"
            if key in self.memory:
                formula.html, formula.error = (
                    self.memory[key].get("html"),
                    self.memory[key].get("error"),
                )
            else:
                missing.setdefault(key, []).append(formula)
        if not missing:
            return 0
        items = [[group[0].tex, group[0].display] for group in missing.values()]
        results = json.loads(self._v8().call("renderAll", items))
        for (key, group), result in zip(missing.items(), results, strict=True):
            if "html" in result:  # errors are not cached: the author is about to fix them
                self.memory[key] = result
                self._dirty = True
            for formula in group:
                formula.html, formula.error = result.get("html"), result.get("error")
        return len(missing)

    def _v8(self):
        if self._context is None:
            from py_mini_racer import MiniRacer

            self._context = MiniRacer()
            self._context.eval(
                (katex_dir(self.root) / "dist" / "katex.min.js").read_text(encoding="utf-8")
            )
            self._context.eval(RENDER_ALL)
        return self._context

    @property
    def started(self) -> bool:
        """V8 runs in this process (its threads make forking it unsafe)."""
        return self._context is not None

    def remember(self, rendered: dict[str, dict]) -> None:
        """Formulas rendered elsewhere (a forked copy of this build), to be saved."""
        new = {key: value for key, value in rendered.items() if key not in self.memory}
        if new:
            self.memory.update(new)
            self._dirty = True

    def save(self) -> None:
        if self._dirty:
            write_json_atomic(self.cache_file, self.memory)
            self._dirty = False


@functools.lru_cache(maxsize=2)
def _read_cache(path: Path, mtime_ns: int) -> dict[str, dict]:
    """The formula cache as last saved; under serve, read again only when it changed
    (it holds every formula's HTML: 0.2 s to parse on each rebuild)."""
    return read_json(path)


def formulas_in(page_html: str) -> list[tuple[re.Match, Formula]]:
    found = []
    for pattern, display in ((DISPLAY, True), (INLINE, False)):
        for match in pattern.finditer(page_html):
            found.append((match, Formula(html.unescape(match["tex"]).strip(), display)))
    return sorted(found, key=lambda pair: pair[0].start())


def replace_formulas(
    page_html: str, rendered: list[tuple[re.Match, Formula]], anchors: dict[int, str]
) -> str:
    """Put each rendered formula in place; numbered displays get anchors and a link control."""
    pieces, position = [], 0
    for match, formula in rendered:
        pieces.append(page_html[position : match.start()])
        position = match.end()
        if formula.error is not None:
            pieces.append(
                f'<code class="math-error" title="{html.escape(formula.error)}">{html.escape(formula.tex)}</code>'
            )
        elif formula.display:
            pieces.append(_display(formula, anchors))
        else:
            pieces.append(formula.html)
    pieces.append(page_html[position:])
    return "".join(pieces)


def _display(formula: Formula, anchors: dict[int, str]) -> str:
    names = [anchors[int(n)] for n in TAG_NUMBER.findall(formula.tex) if int(n) in anchors]
    if not names:
        return f'<div class="equation">{formula.html}</div>'
    extra = "".join(f'<span class="eq-anchor" id="{name}"></span>' for name in names[1:])
    numbers = ", ".join(n for n in TAG_NUMBER.findall(formula.tex))
    link = f'<a class="eq-link" href="#{names[0]}" title="Link to equation ({numbers})" aria-label="Link to equation ({numbers})">#</a>'
    return f'<div class="equation equation--numbered" id="{names[0]}">{extra}{formula.html}{link}</div>'
