"""Run a migration that cannot be rendered offline on a scratch database and keep the SQL it
executes (a `before_cursor_execute` listener), so the SQL rules still see it.

The caller supplies an empty scratch database (with the project's extensions); its
ancestors are run first, in order, so the migration meets the schema it was written
against. Nothing here knows about engines: it is given a SQLAlchemy URL.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from devdb.lint.sqlrender import Chunk, Rendered, error_line, one_line

_counter = itertools.count()


class LiveRunError(Exception):
    """An ancestor or the migration itself failed on the scratch database."""


@contextlib.contextmanager
def _module(path: Path, import_paths: Sequence[Path]) -> Iterator[ModuleType]:
    name = f"_devdb_lint_live_{next(_counter)}"
    added = [os.fspath(p) for p in import_paths if os.fspath(p) not in sys.path]
    sys.path[:0] = added
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise LiveRunError(f"{path.name} is not an importable Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)
        for p in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(p)


def _line_in(target: str) -> int | None:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != target:
        frame = frame.f_back
    return frame.f_lineno if frame is not None else None


def _inline(cursor: Any, statement: str, parameters: Any, executemany: bool) -> str:
    """The statement with its parameters, as PostgreSQL's parser can read it."""
    if executemany and isinstance(parameters, list | tuple):
        parameters = parameters[0] if parameters else None
    if not parameters:
        return statement
    try:
        import psycopg

        raw = cursor.connection
        return psycopg.ClientCursor(raw).mogrify(statement, parameters)
    except Exception:
        return statement


def _upgrade(
    engine: Any, path: Path, import_paths: Sequence[Path], chunks: list[Chunk] | None
) -> None:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import event

    target = os.fspath(path.resolve())

    def before_cursor_execute(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip()[:6].lower() == "select" or chunks is None:
            return  # reads (inspectors, guards) change nothing the rules care about
        chunks.append(Chunk(_line_in(target), _inline(cursor, statement, parameters, many)))

    sink = io.StringIO()
    with (
        _module(path, import_paths) as module,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        engine.connect() as conn,
    ):
        upgrade = getattr(module, "upgrade", None)
        if not callable(upgrade):
            return
        if chunks is not None:
            event.listen(conn, "before_cursor_execute", before_cursor_execute)
        ctx = MigrationContext.configure(connection=conn)
        ops = Operations(ctx)
        ops._install_proxy()
        try:
            with ctx.begin_transaction():
                upgrade()
        finally:
            ops._remove_proxy()
        if conn.in_transaction():
            conn.commit()


def run_on_database(
    url: str, ancestors: Sequence[Path], target: Path, import_paths: Sequence[Path] = ()
) -> Rendered:
    """Upgrade an empty database through `ancestors`, then run `target`'s upgrade() and
    return the statements it executed. Failures come back in `error`, never raised."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    out = Rendered(ran_on_database=True)
    engine = create_engine(url, poolclass=NullPool)
    try:
        for path in ancestors:
            try:
                _upgrade(engine, path, import_paths, None)
            except Exception as exc:
                out.error = f"earlier revision {path.name} failed on the scratch database: " + (
                    one_line(exc)
                )
                return out
        try:
            _upgrade(engine, target, import_paths, out.chunks)
        except Exception as exc:
            out.error = f"it failed on the scratch database too: {one_line(exc)}"
            out.error_line = error_line(exc, os.fspath(target.resolve()))
    finally:
        engine.dispose()
    return out
