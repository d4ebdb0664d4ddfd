"""Which env file the app really reads, from its settings code (read with `ast`, not imported).

pydantic-settings' `env_file=` (a string, a tuple read in order, or a path built from
`__file__`), `load_dotenv(path)`, `load_dotenv()` / `find_dotenv()` (which walk up from the
*calling file's* folder, or from the process directory with `usecwd=True`), `dotenv_values`
and Starlette's `Config(".env")`. A relative path is relative to the process directory: the
folder the app starts from, which is why the start directory decides the file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

_MAX_FILES = 3000
_MAX_BYTES = 400_000
_PATH_CALLS = {
    "Path",
    "PurePath",
    "PosixPath",
    "str",
    "abspath",
    "realpath",
    "normpath",
    "expanduser",
}
_READER_CALLS = {"load_dotenv", "dotenv_values"}


@dataclass(frozen=True)
class _Where:
    """A path as the code builds it: absolute (from __file__), relative to the process
    directory, or "the first .env walking up from a folder"."""

    absolute: Path | None = None
    relative: str | None = None
    walk_from: Path | None = None  # None with walk=True: from the process directory
    walk: bool = False
    name: str = ".env"


@dataclass(frozen=True)
class Reader:
    where: _Where
    source: Path  # the Python file that reads it
    how: str  # as the code says it: 'env_file="../.env"', 'load_dotenv()'
    rank: int = 0  # position in an env_file tuple: a later file overrides an earlier one

    def resolve(self, start_dir: Path) -> Path:
        """The file this reader reads when the process runs in `start_dir`."""
        where = self.where
        if where.absolute is not None:
            return where.absolute
        if where.relative is not None:
            return (start_dir / where.relative).resolve()
        folder = where.walk_from or start_dir
        for candidate in (folder, *folder.parents):
            if (candidate / where.name).is_file():
                return candidate / where.name
        # nothing there yet: the process directory when the walk passes it, else the folder
        if folder.is_relative_to(start_dir):
            return start_dir / where.name
        return folder / where.name


def _parent(where: _Where | None, levels: int = 1) -> _Where | None:
    if where is None:
        return None
    if where.absolute is not None:
        path = where.absolute
        for _ in range(levels):
            path = path.parent
        return _Where(absolute=path)
    if where.relative is not None:
        rel = PurePath(where.relative)
        for _ in range(levels):
            rel = rel.parent if rel.name not in ("", "..") else rel / ".."
        return _Where(relative=str(rel))
    return None


def _join(base: _Where | None, part: str) -> _Where | None:
    if base is None:
        return None
    if base.absolute is not None:
        return _Where(absolute=(base.absolute / part).resolve())
    if base.relative is not None:
        return _Where(relative=str(PurePath(base.relative) / part))
    return None


class _Evaluator:
    """Evaluates the few path expressions settings modules use to name their env file."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.names: dict[str, _Where] = {}

    def value(self, node: ast.AST | None) -> _Where | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            return _Where(absolute=Path(text)) if text.startswith("/") else _Where(relative=text)
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return _Where(absolute=self.file.resolve())
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            if node.attr == "parent":
                return _parent(self.value(node.value))
            return None
        if isinstance(node, ast.Subscript):
            # Path(__file__).parents[2]
            if (
                isinstance(node.value, ast.Attribute)
                and node.value.attr == "parents"
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, int)
            ):
                return _parent(self.value(node.value.value), node.slice.value + 1)
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            right = node.right
            if isinstance(right, ast.Constant) and isinstance(right.value, str):
                return _join(self.value(node.left), right.value)
            return None
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _fstring(self, node: ast.JoinedStr) -> _Where | None:
        base: _Where | None = None
        text = ""
        for index, part in enumerate(node.values):
            if isinstance(part, ast.FormattedValue) and index == 0:
                base = self.value(part.value)
            elif isinstance(part, ast.Constant) and isinstance(part.value, str):
                text += part.value
            else:
                return None
        if base is None:
            return _Where(relative=text) if text else None
        return _join(base, text.lstrip("/"))

    def _call(self, node: ast.Call) -> _Where | None:
        name = _call_name(node)
        if name in ("resolve", "absolute") and isinstance(node.func, ast.Attribute):
            return self.value(node.func.value)
        if name in _PATH_CALLS and node.args:
            return self.value(node.args[0])
        if name == "dirname" and node.args:
            return _parent(self.value(node.args[0]))
        if name in ("join", "joinpath"):
            args = list(node.args)
            if name == "joinpath" and isinstance(node.func, ast.Attribute):
                args.insert(0, node.func.value)
            if not args:
                return None
            result = self.value(args[0])
            for arg in args[1:]:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    return None
                result = _join(result, arg.value)
            return result
        if name == "find_dotenv":
            filename = _string_arg(node, 0, "filename") or ".env"
            usecwd = any(
                kw.arg == "usecwd" and isinstance(kw.value, ast.Constant) and kw.value.value
                for kw in node.keywords
            )
            return _Where(walk=True, walk_from=None if usecwd else self.file.parent, name=filename)
        return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _string_arg(node: ast.Call, index: int, keyword: str) -> str | None:
    for kw in node.keywords:
        if (
            kw.arg == keyword
            and isinstance(kw.value, ast.Constant)
            and isinstance(kw.value.value, str)
        ):
            return kw.value.value
    if len(node.args) > index:
        arg = node.args[index]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


def _looks_like_env_file(where: _Where) -> bool:
    if where.walk:
        return True
    name = (
        where.absolute.name if where.absolute is not None else PurePath(where.relative or "").name
    )
    return name.startswith(".env") or name.endswith(".env") or name in ("env", "dotenv")


def _env_file_values(node: ast.AST, evaluator: _Evaluator) -> list[_Where]:
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    found = [evaluator.value(item) for item in items]
    return [where for where in found if where is not None and _looks_like_env_file(where)]


def readers_in(path: Path, text: str) -> list[Reader]:
    """The env file reads in one Python file."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    evaluator = _Evaluator(path)
    found: list[Reader] = []
    for statement in tree.body:  # module-level names first: BASE_DIR = Path(__file__)…
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                value = evaluator.value(statement.value)
                if value is not None:
                    evaluator.names[target.id] = value

    def add(wheres: Iterable[_Where], how: str) -> None:
        for rank, where in enumerate(wheres):
            found.append(Reader(where, path, how, rank))

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in ("env_file", "_env_file"):
            add(_env_file_values(node.value, evaluator), f"env_file={ast.unparse(node.value)}")
        elif isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "env_file":
                    add(_env_file_values(item, evaluator), f"env_file: {ast.unparse(item)}")
        elif isinstance(node, ast.ClassDef) and node.name == "Config":
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)
                    and statement.targets[0].id == "env_file"
                ):
                    item = statement.value
                    add(_env_file_values(item, evaluator), f"Config.env_file = {ast.unparse(item)}")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name in _READER_CALLS:
                arg = next((kw.value for kw in node.keywords if kw.arg == "dotenv_path"), None)
                if arg is None and node.args:
                    arg = node.args[0]
                if arg is None:
                    where: _Where | None = _Where(walk=True, walk_from=path.parent)
                else:
                    where = evaluator.value(arg)
                if where is not None and _looks_like_env_file(where):
                    add([where], f"{name}({ast.unparse(arg) if arg is not None else ''})")
            elif name == "Config" and node.args and not node.keywords:
                where = evaluator.value(node.args[0])
                if where is not None and where.relative and _looks_like_env_file(where):
                    add([where], f"Config({ast.unparse(node.args[0])})")
    return found


def find_readers(python_files: Iterable[Path]) -> list[Reader]:
    found: list[Reader] = []
    for count, path in enumerate(python_files):
        if count >= _MAX_FILES:
            break
        try:
            if path.stat().st_size > _MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "env" not in text:
            continue
        found += readers_in(path, text)
    return found
