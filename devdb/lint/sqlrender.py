"""Render a migration's upgrade() to PostgreSQL SQL offline: no env.py, no database.

Alembic's offline (`--sql`) machinery does the rendering: a MigrationContext for the
postgresql dialect in as_sql mode writes every statement to an output buffer. The buffer
notes, for each statement, the line of the migration file that was running when it was
written, so SQL findings point at the op.* call that produced them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from devdb.lint.model import Chunk as Chunk
from devdb.lint.offline_bind import OfflineBind, OfflineInspector, SchemaAt
from devdb.lint.stubs import MAX_STUBBED, stubbed

_counter = itertools.count()
# A batching loop that never ends offline (it waits for a rowcount that never comes) is
# stopped after this many statements.
MAX_STATEMENTS = 20_000


class _Runaway(BaseException):
    """Raised inside upgrade() to stop a loop; BaseException so `except Exception` in the
    migration does not swallow it."""


@dataclass
class Rendered:
    chunks: list[Chunk] = field(default_factory=list)
    error: str | None = None  # import or upgrade() failure, one line
    error_line: int | None = None
    import_failed: bool = False
    ran_on_database: bool = False  # offline rendering failed; these ran on a scratch copy
    stubbed: list[str] = field(default_factory=list)  # missing modules stood in for
    # (table, column) -> SQL type from alter_column(existing_type=...)
    existing_types: dict[tuple[str, str], str] = field(default_factory=dict)


class _Capture(io.StringIO):
    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.chunks: list[Chunk] = []

    def current_line(self) -> int | None:
        frame: FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != self.target:
            frame = frame.f_back
        return frame.f_lineno if frame is not None else None

    def write(self, s: str) -> int:
        if s.strip():
            if len(self.chunks) >= MAX_STATEMENTS:
                raise _Runaway(f"more than {MAX_STATEMENTS} statements offline (endless loop?)")
            self.chunks.append(Chunk(self.current_line(), s))
        return len(s)


def error_line(exc: BaseException, target: str) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == target:
            line = frame.lineno
    if line is None and isinstance(exc, SyntaxError):
        line = exc.lineno
    return line


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def render_upgrade(
    path: Path, import_paths: Sequence[Path] = (), schema_at: SchemaAt | None = None
) -> Rendered:
    """Import the migration by path and run its upgrade() against an offline context.

    Never raises for problems in the migration itself: they are returned in `error`.
    Statements rendered before a failure are kept.
    """
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    target = os.fspath(path.resolve())
    out = Rendered()
    capture = _Capture(target)
    mod_name = f"_devdb_lint_migration_{next(_counter)}"
    added = [os.fspath(p) for p in import_paths if os.fspath(p) not in sys.path]
    sys.path[:0] = added
    sink = io.StringIO()  # the migration's own prints must not reach our output
    missing: set[str] = set()
    try:
        with (
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            contextlib.ExitStack() as stack,
        ):
            spec = importlib.util.spec_from_file_location(mod_name, target)
            if spec is None or spec.loader is None:
                out.error, out.import_failed = "not an importable Python file", True
                return out
            while True:
                module = importlib.util.module_from_spec(spec)
                sys.modules[mod_name] = module
                try:
                    spec.loader.exec_module(module)
                    break
                except ModuleNotFoundError as exc:
                    # A library of the app that is not installed here: stand it in.
                    root = (exc.name or "").split(".")[0]
                    if not root or root in missing or len(missing) >= MAX_STUBBED:
                        out.error, out.error_line = one_line(exc), error_line(exc, target)
                        out.import_failed = True
                        return out
                    missing.add(root)
                    stack.enter_context(stubbed({root}))
                except (Exception, SystemExit) as exc:
                    out.error, out.error_line = one_line(exc), error_line(exc, target)
                    out.import_failed = True
                    return out
            out.stubbed = sorted(missing)
            _supply_pgvector(module)
            upgrade = getattr(module, "upgrade", None)
            if not callable(upgrade):
                return out
            ctx = MigrationContext.configure(
                dialect_name="postgresql",
                opts={"as_sql": True, "output_buffer": capture, "literal_binds": True},
            )
            ops = Operations(ctx)
            _instrument(ops, ctx, out, OfflineBind(ctx, capture, schema_at))
            import alembic.op

            previous = getattr(alembic.op, "_proxy", None)  # a caller inside an Alembic run
            ops._install_proxy()
            try:
                upgrade()
            except (Exception, SystemExit, _Runaway) as exc:
                out.error, out.error_line = one_line(exc), error_line(exc, target)
            finally:
                ops._remove_proxy()
                if previous is not None:
                    previous._install_proxy()
    finally:
        sys.modules.pop(mod_name, None)
        for p in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(p)
        out.chunks = capture.chunks
    return out


_PGVECTOR_NAMES = ("Vector", "VECTOR", "HALFVEC", "SPARSEVEC")


def _supply_pgvector(module: Any) -> None:
    """Bind pgvector names the file uses without importing (the autogenerate gap).

    The missing import is reported by DD305; supplying it here lets the rest of
    upgrade() render so its other statements are still checked.
    """
    try:
        import pgvector.sqlalchemy as pgv_sa
    except ImportError:
        return
    namespace = module.__dict__
    namespace.setdefault("pgvector", sys.modules["pgvector"])
    for name in _PGVECTOR_NAMES:
        if hasattr(pgv_sa, name):
            namespace.setdefault(name, getattr(pgv_sa, name))


_inspection_registered = False


def _register_inspection() -> None:
    """Let `sqlalchemy.inspect(bind)` return the offline inspector (once per process)."""
    global _inspection_registered
    if _inspection_registered:
        return
    from sqlalchemy import inspection

    inspection._inspects(OfflineBind)(OfflineInspector)
    _inspection_registered = True


def _instrument(ops: Any, ctx: Any, out: Rendered, bind: OfflineBind) -> None:
    _register_inspection()
    original_alter = ops.alter_column

    def get_bind() -> Any:
        return bind

    def alter_column(table_name: str, column_name: str, *args: Any, **kw: Any) -> Any:
        existing = kw.get("existing_type")
        if existing is not None:
            with contextlib.suppress(Exception):
                type_obj = existing() if isinstance(existing, type) else existing
                out.existing_types[(table_name.lower(), column_name.lower())] = str(
                    type_obj.compile(dialect=ctx.dialect)
                )
        return original_alter(table_name, column_name, *args, **kw)

    # Instance attributes win over the class methods when the `op` proxy is installed.
    setattr(ops, "get_bind", get_bind)  # noqa: B010
    setattr(ops, "alter_column", alter_column)  # noqa: B010
