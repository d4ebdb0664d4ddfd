"""The distance operators the app's code uses, found in its Python (ast: SQL in string
literals, pgvector-python's comparator methods, Django's distance functions) and its .sql
files. Nothing is imported or run; tests and virtualenvs are skipped."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# pgvector-python (SQLAlchemy/SQLModel comparators, Peewee) and Django function names.
METHOD_OPERATORS = {
    "l2_distance": "<->",
    "max_inner_product": "<#>",
    "cosine_distance": "<=>",
    "l1_distance": "<+>",
    "hamming_distance": "<~>",
    "jaccard_distance": "<%>",
    "L2Distance": "<->",
    "MaxInnerProduct": "<#>",
    "CosineDistance": "<=>",
    "L1Distance": "<+>",
    "HammingDistance": "<~>",
    "JaccardDistance": "<%>",
}
OPERATOR_NAMES = {
    "<->": "l2",
    "<#>": "inner product",
    "<=>": "cosine",
    "<+>": "l1",
    "<~>": "hamming",
    "<%>": "jaccard",
}
# `embedding <=> …`, `d.embedding <-> …`: the operator and the column written before it.
_SQL_OPERATOR = re.compile(
    r"(?:(?P<column>[A-Za-z_][A-Za-z0-9_]*)\"?\s*)?(?P<op><->|<#>|<=>|<\+>|<~>|<%>)"
)
_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "site-packages",
    "__pycache__",
    ".devdb",
    "build",
    "dist",
    "tests",
    "test",
}
_FEATURE = re.compile(r"iterative_scan|halfvec|sparsevec", re.IGNORECASE)
_MAX_BYTES = 1_000_000
_MAX_FILES = 2000


@dataclass(frozen=True)
class Usage:
    operator: str  # '<=>'
    column: str | None  # the column it is applied to, when the code names it
    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sql_usages(text: str, path: str, first_line: int = 1) -> Iterator[Usage]:
    """Operators in SQL text (`--` comments skipped; an operator may start the next line)."""
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    for match in _SQL_OPERATOR.finditer(code):
        line = first_line + code.count("\n", 0, match.start("op"))
        yield Usage(match["op"], match["column"], path, line)


def _attribute_column(node: ast.AST) -> str | None:
    """`Document.embedding.cosine_distance(q)` → 'embedding'."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def python_usages(text: str, path: str) -> Iterator[Usage]:
    """Operators in Python source; a file that does not parse is read as SQL-ish text."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        yield from sql_usages(text, path)
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from sql_usages(node.value, path, node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            operator = METHOD_OPERATORS.get(name or "")
            if operator is None:
                continue
            column = None
            if isinstance(func, ast.Attribute):
                column = _attribute_column(func.value)
            elif node.args and isinstance(node.args[0], ast.Constant):
                column = str(node.args[0].value)  # Django: CosineDistance("embedding", q)
            yield Usage(operator, column, path, node.lineno)


def _files(root: Path) -> Iterator[Path]:
    """The project's .py and .sql files, folders in name order, skipped folders not entered."""
    count = 0
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in _SKIP_DIRS and d[0] != ".")
        for name in sorted(names):
            if not name.endswith((".py", ".sql")) or name.startswith("test_"):
                continue
            path = Path(folder, name)
            try:
                if not path.is_file() or path.stat().st_size > _MAX_BYTES:
                    continue
            except OSError:
                continue
            count += 1
            if count > _MAX_FILES:
                return
            yield path


@dataclass
class CodeScan:
    usages: list[Usage]
    features: dict[str, str]  # pgvector feature the code names → first place: iterative_scan…

    def as_dict(self) -> dict[str, Any]:
        return {"usages": [u.as_dict() for u in self.usages], "features": self.features}


def scan_code(root: Path, skip: tuple[Path, ...] = ()) -> CodeScan:
    """Every distance operator and version-dependent feature in the project under `root`
    (files under `skip` left out: the migrations, which create indexes, not query them)."""
    skipped = tuple(p.resolve() for p in skip)
    scan = CodeScan([], {})
    for path in _files(root):
        if any(path.resolve().is_relative_to(s) for s in skipped):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        rel = path.relative_to(root).as_posix()
        reader = python_usages if path.suffix == ".py" else sql_usages
        scan.usages.extend(reader(text, rel))
        for feature, where in feature_mentions(text, rel).items():
            scan.features.setdefault(feature, where)
    return scan


def feature_mentions(text: str, path: str) -> dict[str, str]:
    """{feature: 'path:line'} for pgvector features that need a minimum version."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _FEATURE.finditer(line):
            found.setdefault(match[0].lower(), f"{path}:{number}")
    return found
