"""Checks of an authored page that MkDocs would let through or report without a line:
its front matter, the code sections it embeds, and the figures it shows."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .errors import Problem

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)
ARTICLE_KEYS = ("title", "description", "date", "authors")
INCLUDE = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"(?P<target>[^"]+)"', re.M)
FIGURE = re.compile(
    r"\]\((?P<target>(?:\.\./)*figures/(?P<topic>[a-z0-9_]+)/(?P<name>[^)\s/]+)\.svg)[)\s]"
)


def _load_yaml(text: str) -> object:
    """YAML parsed by libyaml where PyYAML has it (its wheels do): the same values, and
    12 ms less of a cached build with five articles. A text it rejects is parsed again
    in Python, whose messages say what it found ("but got ':'")."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def front_matter_problems(text: str, path: str, is_article: bool) -> list[Problem]:
    """Bad YAML (which MkDocs would silently show as text) and, for articles, missing keys."""
    return check_front_matter(text, path, is_article)[0]


def check_front_matter(
    text: str, path: str, is_article: bool
) -> tuple[list[Problem], tuple[str, object] | None]:
    """`front_matter_problems`, and (the YAML text, what it parsed to) when it parsed,
    for other readers of the same front matter (one parse per page and build)."""
    if not text.startswith("---"):
        return (
            [
                Problem(
                    path,
                    1,
                    "an article needs front matter (--- title, description, date, authors ---)",
                )
            ]
            if is_article
            else []
        ), None
    match = FRONT_MATTER.match(text)
    if match is None:
        return [Problem(path, 1, "front matter is not closed: end it with a line '---'")], None
    try:
        meta = _load_yaml(match["body"])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for the opening ---, +1 for 1-based
        reason = getattr(error, "problem", None) or str(error)
        return [Problem(path, line, f"front matter is not valid YAML: {reason}")], None
    parsed = (match["body"], meta)
    if not isinstance(meta, dict):
        return [Problem(path, 2, "front matter must be a mapping of keys to values")], parsed
    missing = [key for key in ARTICLE_KEYS if key not in meta] if is_article else []
    if missing:
        return [
            Problem(
                path,
                1,
                f"front matter lacks {', '.join(missing)} (articles need {', '.join(ARTICLE_KEYS)})",
            )
        ], parsed
    return [], parsed


def include_problems(text: str, path: str, root: Path) -> list[Problem]:
    """Every `--8<-- "file:section"` names an existing file and section."""
    problems = []
    for match in INCLUDE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        target, _, section = match["target"].partition(":")
        file = root / target
        if not file.is_file():
            problems.append(Problem(path, line, f"embedded file '{target}' does not exist"))
            continue
        if section and not section.replace(":", "").isdigit():
            source = file.read_text(encoding="utf-8")
            if f"[start:{section}]" not in source or f"[end:{section}]" not in source:
                sections = sorted(set(re.findall(r"\[start:([\w\-]+)\]", source)))
                problems.append(
                    Problem(
                        path,
                        line,
                        f"'{target}' has no section '{section}' (sections: {', '.join(sections) or 'none'})",
                    )
                )
    return problems


def figure_problems(text: str, path: str, written: dict[str, set[str]]) -> list[Problem]:
    """Every generated figure a page shows was written by its topic's snippets."""
    problems = []
    for match in FIGURE.finditer(text):
        names = written.get(match["topic"])
        if names is None or match["name"] in names:
            continue  # a topic whose snippet failed is reported as that failure
        line = text.count("\n", 0, match.start()) + 1
        problems.append(
            Problem(
                path,
                line,
                f"figure '{match['name']}' was not written by snippets/{match['topic']}/ "
                f"(written: {', '.join(sorted(names)) or 'none'}); return it from draw_figures()",
            )
        )
    return problems
