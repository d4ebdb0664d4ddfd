"""Project facts the linter needs beyond the migration files: the embedding dimension the app
uses (models, settings, env example, the model name) and whether env.py runs migrations with
a lock_timeout. Read with ast and plain text; nothing is imported or run."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devdb.lint.model import RULES, Finding

# Dimensions of embedding models people configure by name (substring of the value, lower case).
KNOWN_MODEL_DIMS: dict[str, int] = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
    "all-minilm-l6-v2": 384,
    "all-minilm-l12-v2": 384,
    "all-mpnet-base-v2": 768,
    "paraphrase-multilingual-minilm-l12-v2": 384,
    "bge-small-en": 384,
    "bge-base-en": 768,
    "bge-large-en": 1024,
    "bge-m3": 1024,
    "nomic-embed-text": 768,
    "mxbai-embed-large": 1024,
    "multilingual-e5-small": 384,
    "multilingual-e5-base": 768,
    "multilingual-e5-large": 1024,
    "e5-small": 384,
    "e5-base": 768,
    "e5-large": 1024,
    "gte-small": 384,
    "gte-base": 768,
    "gte-large": 1024,
    "embed-english-v3.0": 1024,
    "embed-multilingual-v3.0": 1024,
    "embed-english-light-v3.0": 384,
    "embed-multilingual-light-v3.0": 384,
    "voyage-3-lite": 512,
    "voyage-3": 1024,
    "voyage-large-2": 1536,
    "text-embedding-004": 768,
    "gemini-embedding-001": 3072,
    "snowflake-arctic-embed-l": 1024,
    "snowflake-arctic-embed-m": 768,
    "snowflake-arctic-embed-s": 384,
}
_VECTOR_CALLS = {"Vector", "VECTOR", "HalfVector", "HALFVEC"}
_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "env",
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
_MAX_FILES = 600
_MAX_BYTES = 300_000
_DIM_NAME = re.compile(
    r"(^|_)(embedding|embed|vector|emb)s?_?(dim|dims|dimension|dimensions|size)$"
)
_ENV_DIM_KEY = re.compile(r"(^|_)(DIM|DIMS|DIMENSION|DIMENSIONS)$")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)$")


@dataclass
class DimensionEvidence:
    """Dimensions the project's embedding configuration names, with where each came from."""

    dims: dict[int, str] = field(default_factory=dict)  # dim -> first place seen

    def add(self, dim: int, where: str) -> None:
        if 0 < dim <= 100_000:
            self.dims.setdefault(dim, where)

    @property
    def source(self) -> str:
        return "; ".join(f"{d} in {w}" for d, w in sorted(self.dims.items()))


def model_name_dim(value: str) -> int | None:
    """The dimension of an embedding model named in `value` (longest known name wins)."""
    lowered = value.lower()
    for name in sorted(KNOWN_MODEL_DIMS, key=len, reverse=True):
        if name in lowered:
            return KNOWN_MODEL_DIMS[name]
    return None


def _python_files(root: Path, skip: set[Path]) -> Iterator[Path]:
    count = 0
    stack = [root]
    while stack and count < _MAX_FILES:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir():
                if (
                    entry.name not in _SKIP_DIRS
                    and not entry.name.startswith(".")
                    and (entry.resolve() not in skip)
                ):
                    stack.append(entry)
            elif entry.suffix == ".py":
                try:
                    if entry.stat().st_size > _MAX_BYTES:
                        continue
                except OSError:
                    continue
                count += 1
                yield entry


def _int_value(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Call) and node.args:  # Field(1024, ...), int(os.getenv(.., 1024))
        for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "default")]:
            found = _int_value(arg)
            if found is not None:
                return found
    return None


def _strings(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _assignments(tree: ast.Module) -> Iterator[tuple[str, ast.AST | None]]:
    """(name, value) of module-level and class-level assignments (settings classes)."""
    bodies: list[list[ast.stmt]] = [tree.body]
    bodies += [n.body for n in tree.body if isinstance(n, ast.ClassDef)]
    for body in bodies:
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        yield target.id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                yield stmt.target.id, stmt.value


_WORTH_PARSING = re.compile(r"vector|dim|model", re.IGNORECASE)


def _scan_python(path: Path, rel: str, consts: dict[str, tuple[int, str]], calls: list) -> None:
    try:
        text = path.read_text(encoding="utf-8")
        if not _WORTH_PARSING.search(text):
            return
        tree = ast.parse(text, filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return
    for name, value in _assignments(tree):
        key = name.lower()
        if _DIM_NAME.search(key):
            dim = _int_value(value)
            if dim is not None:
                consts.setdefault(key, (dim, f"{rel} ({name} = {dim})"))
        elif "model" in key and value is not None:
            # a literal, or the default of os.getenv("EMBEDDING_MODEL", "text-embedding-3-small")
            for named in _strings(value):
                dim = model_name_dim(named)
                if dim is not None:
                    consts.setdefault(f"model:{key}", (dim, f"{rel} ({name} = {named!r})"))
                    break
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _last_name(node.func) not in _VECTOR_CALLS:
            continue
        arg = (
            node.args[0]
            if node.args
            else next((k.value for k in node.keywords if k.arg in ("dim", "dimensions")), None)
        )
        if arg is not None:
            calls.append((arg, f"{rel}:{node.lineno}"))


def _env_examples(paths: Iterable[Path]) -> Iterator[tuple[Path, str, str]]:
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            m = _ENV_LINE.match(line)
            if m:
                value = m.group("value").split(" #")[0].strip().strip("'\"")
                yield path, m.group("key"), value


def discover_dimensions(
    root: Path, env_examples: Iterable[Path] = (), skip_dirs: Iterable[Path] = ()
) -> DimensionEvidence:
    """What the project says its embedding dimension is, strongest evidence first: the
    models' Vector(n) (a literal or a constant it names), settings constants, env example keys
    (EMBEDDING_DIM, *_DIMENSIONS), an embedding model name with a known dimension."""
    consts: dict[str, tuple[int, str]] = {}
    calls: list[tuple[ast.AST, str]] = []
    skip = {Path(p).resolve() for p in skip_dirs}
    for path in _python_files(root, skip):
        _scan_python(path, path.relative_to(root).as_posix(), consts, calls)
    models = DimensionEvidence()
    for arg, where in calls:
        dim = _int_value(arg)
        name = _last_name(arg)
        if dim is None and name is not None and name.lower() in consts:
            dim = consts[name.lower()][0]
        if dim is not None:
            models.add(dim, f"{where} (Vector({dim}))")
    if models.dims:
        return models
    settings = DimensionEvidence()
    for key, (dim, where) in consts.items():
        if not key.startswith("model:"):
            settings.add(dim, where)
    env = DimensionEvidence()
    named = DimensionEvidence()
    for path, key, value in _env_examples(env_examples):
        rel = path.name
        if _ENV_DIM_KEY.search(key.upper()) and value.isdigit():
            env.add(int(value), f"{rel} ({key}={value})")
        elif "MODEL" in key.upper() and (dim := model_name_dim(value)) is not None:
            named.add(dim, f"{rel} ({key}={value})")
    for key, (dim, where) in consts.items():
        if key.startswith("model:"):
            named.add(dim, where)
    for evidence in (settings, env, named):
        if evidence.dims:
            return evidence
    return DimensionEvidence()


# --- lock_timeout where migrations run -----------------------------------------------------

_TIMEOUT_TEXT = re.compile(r"lock_timeout", re.IGNORECASE)


def _local_modules(tree: ast.Module, search: list[Path]) -> Iterator[Path]:
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        for module in modules:
            rel = Path(*module.split("."))
            for base in search:
                for candidate in (base / rel.with_suffix(".py"), base / rel / "__init__.py"):
                    if candidate.is_file():
                        yield candidate


def _without_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def _mentions_timeout(path: Path) -> bool:
    try:
        return bool(_TIMEOUT_TEXT.search(_without_comments(path.read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError):
        return False


def env_sets_lock_timeout(
    env_py: Path, search: Iterable[Path] = (), also: Iterable[Path] = ()
) -> bool:
    """Does env.py (or a project module it imports: the app's engine) set lock_timeout?
    `also`: other places that set it for every migration (alembic.ini's URL options, the
    script.py.mako template every revision starts from)."""
    try:
        text = env_py.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True  # nothing to judge: say nothing
    if _TIMEOUT_TEXT.search(_without_comments(text)):
        return True
    if any(_mentions_timeout(p) for p in also if p.is_file()):
        return True
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return True
    bases = list(dict.fromkeys([env_py.parent, *search]))
    return any(_mentions_timeout(module) for module in _local_modules(tree, bases))


def _connect_line(env_py: Path) -> int | None:
    try:
        lines = env_py.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for needle in (".connect()", "context.configure(connection", "run_sync("):
        for number, line in enumerate(lines, 1):
            if needle in line:
                return number
    return None


def lock_timeout_finding(
    env_py: Path, shown: str, search: Iterable[Path] = (), also: Iterable[Path] = ()
) -> Finding | None:
    """DD210 once per project, on env.py, when migrations run without a lock_timeout."""
    if not env_py.is_file() or env_sets_lock_timeout(env_py, search, also):
        return None
    info = RULES["DD210"]
    return Finding(
        code="DD210",
        severity=info.severity,
        path=shown,
        revision=None,
        line=_connect_line(env_py),
        message="migrations run without a lock_timeout; add after connecting: "
        "`connection.execute(text(\"SET lock_timeout = '5s'\"))` and `connection.commit()` "
        "(async env.py: in the function run_sync calls)",
        why=info.why,
        safer=info.safer,
    )
