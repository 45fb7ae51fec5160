"""Find the snippets of a project and read what they declare, without running them.

A snippet is `snippets/<topic>/<name>.py` (files starting with `_` are helpers).
It declares its claims and parameters as literal dicts, `CLAIMS = {...}` and
`PARAMETERS = {...}`, and any data files it reads as `DATA_FILES = [...]`;
reading them with `ast` keeps a cache hit free of imports and gives each
declaration its line for error messages.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import parsed
from .errors import DerivationError, Problem
from .project import Project

TOPIC_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DECLARATION_FIELDS = {"statement", "unit", "reference", "format"}


@dataclass(frozen=True)
class Declaration:
    """One claim or parameter as the snippet declares it."""

    id: str
    kind: str  # "claim" or "parameter"
    statement: str
    unit: str | None
    reference: str | None
    format: str | None
    snippet: str  # repository path
    line: int

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]


@dataclass(frozen=True)
class Snippet:
    path: Path
    rel: str  # repository path, e.g. snippets/em/gmm.py
    topic: str
    name: str
    declarations: tuple[Declaration, ...] = field(default=())
    data_files: tuple[str, ...] = field(default=())
    time_limit: float | None = None  # TIME_LIMIT_SECONDS, if the snippet declares one

    @property
    def slug(self) -> str:
        """The article's URL slug: the topic with `-` for `_` (DESIGN.md)."""
        return self.topic.replace("_", "-")


def discover(project: Project) -> list[Snippet]:
    """Every snippet of the project, parsed; raises with every problem found."""
    problems: list[Problem] = []
    found: list[Snippet] = []
    for path in sorted(project.snippets_dir.glob("*/*.py")):
        if path.name.startswith("_"):
            continue
        rel = project.rel(path)
        topic = path.parent.name
        if not TOPIC_PATTERN.match(topic) or not NAME_PATTERN.match(path.stem):
            problems.append(Problem(rel, None, "snippet folder and file names must be lower_snake"))
            continue
        try:
            found.append(_parse_remembered(project, path, rel, topic))
        except DerivationError as error:
            problems.extend(error.problems)
    problems.extend(_duplicate_ids(found))
    if problems:
        raise DerivationError(problems)
    return found


def _parse_remembered(project: Project, path: Path, rel: str, topic: str) -> Snippet:
    """parse(), kept on disk by the snippet's text (parsed.py)."""

    def read(text: str) -> dict:
        snippet = parse(path, rel, topic, text)
        return {
            "declarations": [dataclasses.astuple(d) for d in snippet.declarations],
            "data_files": list(snippet.data_files),
            "time_limit": snippet.time_limit,
        }

    data = parsed.remembered(project, "snippet", path, read)
    declarations = tuple(Declaration(*fields) for fields in data["declarations"])
    data_files = tuple(data["data_files"])
    return Snippet(path, rel, topic, path.stem, declarations, data_files, data["time_limit"])


def parse(path: Path, rel: str, topic: str, text: str | None = None) -> Snippet:
    if text is None:
        text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text, filename=rel)
    except SyntaxError as error:
        raise DerivationError([Problem(rel, error.lineno, f"syntax error: {error.msg}")]) from None
    assignments = _module_assignments(tree)
    problems: list[Problem] = []
    declarations: list[Declaration] = []
    for variable, kind in (("CLAIMS", "claim"), ("PARAMETERS", "parameter")):
        node = assignments.get(variable)
        if node is not None:
            declarations.extend(_declarations(node, kind, topic, rel, problems))
    if not any(d.kind == "claim" for d in declarations):
        problems.append(
            Problem(rel, 1, "declares no claims: add CLAIMS = {name: {statement: ...}}")
        )
    data_files = _data_files(assignments.get("DATA_FILES"), rel, problems)
    time_limit = _time_limit(assignments.get("TIME_LIMIT_SECONDS"), rel, problems)
    if problems:
        raise DerivationError(problems)
    return Snippet(path, rel, topic, path.stem, tuple(declarations), data_files, time_limit)


def _time_limit(node: ast.expr | None, rel: str, problems: list[Problem]) -> float | None:
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except ValueError:
        value = None
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        problems.append(Problem(rel, node.lineno, "TIME_LIMIT_SECONDS must be a positive number"))
        return None
    return float(value)


def _module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            found[statement.target.id] = statement.value
    return found


def _declarations(node: ast.expr, kind: str, topic: str, rel: str, problems: list[Problem]):
    if not isinstance(node, ast.Dict):
        problems.append(Problem(rel, node.lineno, f"{kind} declarations must be a literal dict"))
        return
    for key_node, value_node in zip(node.keys, node.values, strict=True):
        line = value_node.lineno
        try:
            name = ast.literal_eval(key_node) if key_node is not None else None
            fields = ast.literal_eval(value_node)
        except ValueError:
            problems.append(Problem(rel, line, f"{kind} declaration must be literal (no code)"))
            continue
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            problems.append(Problem(rel, line, f"{kind} name {name!r} must be lower_snake"))
            continue
        if not isinstance(fields, dict) or not isinstance(fields.get("statement"), str):
            problems.append(Problem(rel, line, f"{kind} '{name}' needs a 'statement' string"))
            continue
        unknown = set(fields) - DECLARATION_FIELDS
        if unknown:
            allowed = ", ".join(sorted(DECLARATION_FIELDS))
            problems.append(
                Problem(
                    rel, line, f"{kind} '{name}': unknown field(s) {sorted(unknown)}; use {allowed}"
                )
            )
            continue
        yield Declaration(
            id=f"{topic}.{name}",
            kind=kind,
            statement=fields["statement"],
            unit=fields.get("unit"),
            reference=fields.get("reference"),
            format=fields.get("format"),
            snippet=rel,
            line=line,
        )


def _data_files(node: ast.expr | None, rel: str, problems: list[Problem]) -> tuple[str, ...]:
    if node is None:
        return ()
    try:
        value = ast.literal_eval(node)
    except ValueError:
        value = None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.append(Problem(rel, node.lineno, "DATA_FILES must be a literal list of paths"))
        return ()
    return tuple(value)


def _duplicate_ids(snippets: list[Snippet]) -> list[Problem]:
    seen: dict[str, Declaration] = {}
    problems = []
    for snippet in snippets:
        for declaration in snippet.declarations:
            first = seen.setdefault(declaration.id, declaration)
            if first is not declaration:
                problems.append(
                    Problem(
                        declaration.snippet,
                        declaration.line,
                        f"'{declaration.id}' is declared twice (first at {first.snippet}:{first.line})",
                    )
                )
    return problems
