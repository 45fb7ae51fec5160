"""Where a snippet's mathematics can be changed, and the one change made at each place.

Scope: the module's top-level functions, except figure drawing (`draw_*`) and the
helpers only figure drawing calls. One mutant per site, as mutmut does:

| site | mutant |
|---|---|
| `a + b`, `a - b`, `a * b`, `a / b`, `a ** b`, `a // b` | `-`, `+`, `/`, `*`, `*`, `/` |
| a sum of three or more terms | its last term dropped |
| `<`, `<=`, `>`, `>=`, `==`, `!=` | `<=`, `<`, `>=`, `>`, `!=`, `==` |
| `-x` | `x` |
| a number inside a formula (an operand of the above) | `n + 1` for an integer, `2x` for a non-zero float, `1.0` for `0.0` |
| `x[k]` with a literal integer `k` | `x[k + 1]` (`x[-2]` for `x[-1]`) |
| `.sum(`, `np.sum(`, `torch.sum(` and the same for `mean` | `mean` for `sum`, `sum` for `mean` |
| `max`, `min`, `maximum`, `minimum` (call or method) | the other one |

A line marked `# mutate: setting` (a sample size, a seed, an iteration cap, a
learning rate, a tolerance) holds no site; the report counts such lines.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass

SETTING_MARK = "# mutate: setting"
SWAPPED_OPERATORS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Pow: ast.Mult,
    ast.FloorDiv: ast.Div,
}
SWAPPED_COMPARISONS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}
SWAPPED_NAMES = {
    "sum": "mean",
    "mean": "sum",
    "max": "min",
    "min": "max",
    "maximum": "minimum",
    "minimum": "maximum",
    "amax": "amin",
    "amin": "amax",
}


@dataclass(frozen=True)
class Mutant:
    path: str  # the snippet, relative to the repository
    function: str
    line: int
    operator: str  # which row of the table
    original: str  # the source text replaced
    replacement: str
    start: tuple[int, int]  # (line, column) of the replaced text, as ast counts them
    end: tuple[int, int]

    @property
    def id(self) -> str:
        text = f"{self.path}:{self.start}:{self.end}:{self.operator}:{self.replacement}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def apply(self, source: str) -> str:
        """The module's source with this one change."""
        # Lines as ast counts them (bytes.splitlines breaks only at \n and \r, where
        # str.splitlines also breaks at a form feed), columns in UTF-8 bytes.
        encoded = source.encode()
        offsets = [0]
        for line in encoded.splitlines(keepends=True):
            offsets.append(offsets[-1] + len(line))
        begin = offsets[self.start[0] - 1] + self.start[1]
        finish = offsets[self.end[0] - 1] + self.end[1]
        return (encoded[:begin] + self.replacement.encode() + encoded[finish:]).decode()

    def diff(self) -> str:
        return f"- {self.original}\n+ {self.replacement}"


def in_scope(tree: ast.Module) -> list[ast.FunctionDef]:
    """Top-level functions except figure drawing and what only figure drawing calls."""
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    drawing = {name for name in functions if name.startswith("draw")}
    callers: dict[str, set[str]] = {name: set() for name in functions}
    for name, function in functions.items():
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id in callers and node.id != name:
                callers[node.id].add(name)
    # A helper whose every caller is drawing code (or another such helper) draws too.
    changed = True
    while changed:
        changed = False
        for name, calls in callers.items():
            if name not in drawing and calls and calls <= drawing:
                drawing.add(name)
                changed = True
    return [function for name, function in functions.items() if name not in drawing]


def settings_lines(source: str) -> set[int]:
    return {n for n, line in enumerate(source.splitlines(), start=1) if SETTING_MARK in line}


def mutants(source: str, path: str) -> tuple[list[Mutant], int]:
    """Every mutant of the snippet, and how many lines are marked as settings."""
    tree = ast.parse(source)
    settings = settings_lines(source)
    found: list[Mutant] = []
    for function in in_scope(tree):
        collector = _Sites(source, path, function.name, settings)
        collector.visit(function)
        found += collector.found
    unique = {m.id: m for m in found}  # a site reached twice is one mutant
    return sorted(unique.values(), key=lambda m: (m.start, m.operator)), len(settings)


class _Sites(ast.NodeVisitor):
    def __init__(self, source: str, path: str, function: str, settings: set[int]):
        self.source, self.path, self.function, self.settings = source, path, function, settings
        self.found: list[Mutant] = []
        self.formula_operands: set[int] = set()  # ids of nodes that are operands of formulas
        self.inner_sums: set[int] = set()  # sums that are the left part of a longer sum

    def add(self, node: ast.AST, operator: str, replacement: ast.AST | str) -> None:
        if any(line in self.settings for line in range(node.lineno, node.end_lineno + 1)):
            return
        text = replacement if isinstance(replacement, str) else f"({ast.unparse(replacement)})"
        self.found.append(
            Mutant(
                path=self.path,
                function=self.function,
                line=node.lineno,
                operator=operator,
                original=ast.get_source_segment(self.source, node) or "",
                replacement=text,
                start=(node.lineno, node.col_offset),
                end=(node.end_lineno, node.end_col_offset),
            )
        )

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.formula_operands.update({id(node.left), id(node.right)})
        swapped = SWAPPED_OPERATORS.get(type(node.op))
        if swapped is not None:
            self.add(node, "arithmetic", ast.BinOp(node.left, swapped(), node.right))
        if _is_sum(node) and _is_sum(node.left):
            self.inner_sums.add(id(node.left))
        if id(node) not in self.inner_sums and len(_sum_terms(node)) >= 3:
            self.add(node, "drop term", node.left)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        self.formula_operands.update({id(node.left), *map(id, node.comparators)})
        if len(node.ops) == 1 and type(node.ops[0]) in SWAPPED_COMPARISONS:
            swapped = SWAPPED_COMPARISONS[type(node.ops[0])]()
            self.add(node, "comparison", ast.Compare(node.left, [swapped], node.comparators))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.USub):
            if isinstance(node.operand, ast.Constant) and id(node) not in self.formula_operands:
                return  # a negative literal outside a formula: an argument or an index
            if id(node) in self.formula_operands:
                self.formula_operands.add(id(node.operand))
            self.add(node, "unary minus", f"({ast.unparse(node.operand)})")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if id(node) not in self.formula_operands or isinstance(value, bool):
            return
        if isinstance(value, int):
            self.add(node, "number", repr(value + 1))
        elif isinstance(value, float):
            self.add(node, "number", repr(value * 2 if value else 1.0))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        index = node.slice
        literal = _literal_int(index)
        if literal is not None:
            moved = literal + 1 if literal != -1 else -2
            self.add(index, "index", repr(moved))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in SWAPPED_NAMES:
            renamed = ast.Attribute(function.value, SWAPPED_NAMES[function.attr], ast.Load())
            self.add(function, "sum/mean, max/min", ast.unparse(renamed))
        elif isinstance(function, ast.Name) and function.id in {"max", "min"}:
            self.add(function, "sum/mean, max/min", SWAPPED_NAMES[function.id])
        self.generic_visit(node)


def _literal_int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _is_sum(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)


def _sum_terms(node: ast.AST) -> list[ast.AST]:
    if _is_sum(node):
        return [*_sum_terms(node.left), node.right]
    return [node]
