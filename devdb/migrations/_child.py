"""Alembic worker, run by path with the APP's interpreter: ``python _child.py REQ_FD RES_FD``.

Standalone on purpose: the app's virtualenv may not have devdb installed, so this imports
only the stdlib, alembic and sqlalchemy (and must stay Python 3.8 compatible). One file for
the same reason, although longer than most: a sibling module could only be imported with
this folder on sys.path, where runner.py and scripts.py would shadow an app's own modules
of those names.

Protocol: JSON lines. Requests are read from REQ_FD, events and results are written to
RES_FD. stdin/stdout/stderr belong to env.py and the migrations (they print, call
fileConfig, may even read stdin) and are never used for the protocol.

    -> {"event": "ready", "import_seconds": 0.41, "alembic": "1.16.1", "python": "3.12.3"}
    <- {"id": 1, "op": "upgrade", "params": {...}, "env": {...}}
    -> {"event": "step", "id": 1, "revision": "abc", "direction": "up", "doc": "..."}
    -> {"event": "result", "id": 1, "ok": true, "data": {...}}
    -> {"event": "result", "id": 1, "ok": false, "error": {...}}
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import IO, Any

# Running a script puts its folder first on sys.path; that folder is devdb's own package
# directory and must not shadow the app's modules (e.g. a top-level `scripts`).
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    del sys.path[0]

_RES: IO[str] | None = None


def _send(msg: dict[str, Any]) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # an odd stream must not kill the protocol
            stream.flush()
    assert _RES is not None
    _RES.write(json.dumps(msg, default=str) + "\n")
    _RES.flush()


class _State:
    """What the current request has done so far (filled by the step hooks)."""

    def __init__(self, request_id: Any) -> None:
        self.request_id = request_id
        self.active: tuple | None = None  # (revision, direction, path) running now
        self.done: list[str] = []  # revisions whose step function returned
        self.heads: list[str] | None = None  # read on the migration connection after the run
        self.buffer: io.StringIO | None = None  # offline SQL: per-revision slices -> .sql
        self.sql: dict[str, str] = {}


_STATE = _State(0)


def _install_hooks() -> None:
    """Wrap each revision step and the run, whatever env.py does (no on_version_apply)."""
    from alembic.runtime import migration as mig

    orig_init = mig.RevisionStep.__init__

    def step_init(
        self: Any, revision_map: Any, revision: Any, is_upgrade: bool, *args: Any, **kwargs: Any
    ) -> None:
        orig_init(self, revision_map, revision, is_upgrade, *args, **kwargs)
        inner = self.migration_fn
        rev = revision.revision
        direction = "up" if is_upgrade else "down"
        doc = (revision.doc or "").strip().splitlines()[0] if revision.doc else ""

        @functools.wraps(inner)  # alembic names the step after the function ("upgrade")
        def wrapped(*a: Any, **kw: Any) -> Any:
            state = _STATE
            state.active = (rev, direction, getattr(revision, "path", None))
            _send(
                {
                    "event": "step",
                    "id": state.request_id,
                    "revision": rev,
                    "direction": direction,
                    "doc": doc,
                }
            )
            start = state.buffer.tell() if state.buffer is not None else 0
            result = inner(*a, **kw)
            if state.buffer is not None:
                state.sql[rev] = state.buffer.getvalue()[start:]
            state.done.append(rev)
            state.active = None
            return result

        self.migration_fn = wrapped

    mig.RevisionStep.__init__ = step_init  # type: ignore[method-assign]

    orig_run = mig.MigrationContext.run_migrations

    def run_migrations(self: Any, **kw: Any) -> None:
        orig_run(self, **kw)
        if not self.as_sql:
            try:
                _STATE.heads = sorted(self.get_current_heads())
            except Exception:
                _STATE.heads = None

    mig.MigrationContext.run_migrations = run_migrations  # type: ignore[method-assign]


_DRIVER_MODULES = {
    "psycopg": ("psycopg", "sqlalchemy.dialects.postgresql.psycopg"),
    "psycopg2": ("psycopg2", "sqlalchemy.dialects.postgresql.psycopg2"),
    "asyncpg": ("asyncpg", "sqlalchemy.dialects.postgresql.asyncpg", "sqlalchemy.ext.asyncio"),
    "pg8000": ("pg8000", "sqlalchemy.dialects.postgresql.pg8000"),
}


def _preload_drivers() -> list[str]:
    """Import the DB driver(s) the app's URLs name, while we wait for the go anyway."""
    import importlib
    import re

    wanted: list[str] = []
    for value in os.environ.values():
        match = re.match(r"postgres(?:ql)?(?:\+(\w+))?://", value)
        if match:
            for name in _DRIVER_MODULES.get(match.group(1) or "psycopg2", ()):
                if name not in wanted:
                    wanted.append(name)
    loaded = []
    for name in wanted:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception:  # env.py will meet (and report) the same problem if it matters
            pass
    return loaded


def _config(params: dict[str, Any], output_buffer: io.StringIO | None = None) -> Any:
    import argparse
    import inspect

    from alembic.config import Config

    ini = params["ini_path"]
    kwargs: dict[str, Any] = {"file_": ini, "ini_section": params.get("ini_section") or "alembic"}
    if output_buffer is not None:
        kwargs["output_buffer"] = output_buffer
    toml = os.path.join(os.path.dirname(ini), "pyproject.toml")
    if os.path.exists(toml) and "toml_file" in inspect.signature(Config.__init__).parameters:
        kwargs["toml_file"] = toml
    kwargs["cmd_opts"] = argparse.Namespace(
        x=list(params.get("x_args") or []),
        sql=output_buffer is not None,
        tag=None,
        autogenerate=False,
        quiet=True,
        raiseerr=True,
    )
    config = Config(**kwargs)
    # Flask-Migrate sets script_location in code; Alembic >= 1.16 may read it from pyproject
    if not getattr(config, "get_alembic_option", config.get_main_option)("script_location"):
        config.set_main_option("script_location", os.path.dirname(os.path.abspath(ini)))
    return config


def _read_current(params: dict[str, Any]) -> list[str]:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = _config(params)
    script = ScriptDirectory.from_config(cfg)
    heads: list[str] = []

    def fn(rev: Any, context: Any) -> list[Any]:
        heads.extend(context.get_current_heads())
        return []

    with EnvironmentContext(cfg, script, fn=fn, dont_mutate=True):
        script.run_env()
    return sorted(heads)


def _really_applied(
    params: dict[str, Any], ran: list[str], db_heads: list[str], upgrade: bool
) -> list[str]:
    """Steps that ran AND stuck: a failure can roll back steps that shared its transaction."""
    from alembic.script import ScriptDirectory

    try:
        script = ScriptDirectory.from_config(_config(params))
        revs = script.revision_map.iterate_revisions(tuple(db_heads), "base") if db_heads else ()
        below = {sc.revision for sc in revs}
    except Exception:
        return ran
    return [r for r in ran if (r in below) == upgrade]


def op_heads(params: dict[str, Any]) -> dict[str, Any]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config(params))
    revisions = []
    for sc in script.walk_revisions():
        down = sc.down_revision
        downs = [] if down is None else [down] if isinstance(down, str) else list(down)
        revisions.append(
            {
                "revision": sc.revision,
                "down_revisions": downs,
                "path": os.path.abspath(sc.path),
                "doc": (sc.doc or "").strip(),
                "branch_labels": sorted(sc.branch_labels or ()),
            }
        )
    revisions.reverse()  # walk_revisions goes head -> base
    return {"heads": sorted(script.get_heads()), "revisions": revisions}


def op_upgrade(params: dict[str, Any], downgrade: bool = False) -> dict[str, Any]:
    from alembic import command

    cfg = _config(params)
    started = time.perf_counter()
    if downgrade:
        command.downgrade(cfg, params["revision"])
    else:
        command.upgrade(cfg, params.get("revision") or "head")
    seconds = time.perf_counter() - started
    current = _STATE.heads if _STATE.heads is not None else _read_current(params)
    return {"applied": list(_STATE.done), "current": current, "seconds": seconds}


def op_revision(params: dict[str, Any]) -> dict[str, Any]:
    """`alembic revision --autogenerate -m MESSAGE`; returns the new file's path."""
    from alembic import command

    cfg = _config(params)
    if cfg.cmd_opts is not None:
        cfg.cmd_opts.autogenerate = bool(params.get("autogenerate", True))
    script = command.revision(
        cfg,
        message=params.get("message") or "",
        autogenerate=bool(params.get("autogenerate", True)),
    )
    scripts = script if isinstance(script, list) else [script]
    return {"paths": [os.path.abspath(sc.path) for sc in scripts if sc is not None]}


def op_current(params: dict[str, Any]) -> dict[str, Any]:
    return {"current": _read_current(params)}


def op_render_sql(params: dict[str, Any]) -> dict[str, Any]:
    from alembic import command

    buf = io.StringIO()
    cfg = _config(params, output_buffer=buf)
    start, end = params.get("start"), params["end"]
    rng = f"{start}:{end}" if start else end
    if params.get("downgrade"):
        command.downgrade(cfg, rng, sql=True)
    else:
        command.upgrade(cfg, rng, sql=True)
    return {"sql": buf.getvalue()}


def op_render_sql_each(params: dict[str, Any]) -> dict[str, Any]:
    """Offline SQL of every revision's upgrade, from one pass base -> heads."""
    from alembic import command

    buf = io.StringIO()
    _STATE.buffer = buf
    command.upgrade(_config(params, output_buffer=buf), "heads", sql=True)
    return {"sql": dict(_STATE.sql)}


def op_compare(params: dict[str, Any]) -> dict[str, Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = _config(params)
    script = ScriptDirectory.from_config(cfg)
    excluded = set(params.get("exclude_schemas") or ())
    out: list[str] = []
    seen = {"metadata": False}

    def fn(rev: Any, context: Any) -> list[Any]:
        metadata = context.opts.get("target_metadata")
        if metadata is None:
            return []
        seen["metadata"] = True
        for diff in compare_metadata(context, metadata):
            items = diff if isinstance(diff, list) else [diff]
            for item in items:
                if _diff_schema(item) in excluded:
                    continue
                out.append(_format_diff(item))
        return []

    with EnvironmentContext(cfg, script, fn=fn, as_sql=False, dont_mutate=True):
        script.run_env()
    if not seen["metadata"]:
        raise _UserError(
            "no_metadata",
            "env.py passes no target_metadata to context.configure(), so models cannot be compared",
        )
    return {"diffs": out}


def _diff_schema(item: Any) -> str | None:
    kind = item[0]
    if kind.startswith("modify_") or kind in ("add_column", "remove_column"):
        return item[1]
    obj = item[1]
    table = (
        obj if kind.endswith("_table") or "table_comment" in kind else getattr(obj, "table", None)
    )
    return getattr(table, "schema", None)


def _qual(schema: str | None, name: Any) -> str:
    return f"{schema}.{name}" if schema else str(name)


def _table_name(table: Any) -> str:
    return _qual(getattr(table, "schema", None), getattr(table, "name", table))


def _type_text(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return repr(value)


def _format_diff(item: Any) -> str:
    """One line per difference, '<kind> <object>[: detail]'; kind is Alembic's diff tag."""
    kind = item[0]
    try:
        if kind in ("add_table", "remove_table"):
            return f"{kind} {_table_name(item[1])}"
        if kind in ("add_column", "remove_column"):
            return f"{kind} {_qual(item[1], item[2])}.{item[3].name}"
        if kind in ("add_index", "remove_index"):
            idx = item[1]
            cols = ", ".join(getattr(c, "name", str(c)) for c in idx.expressions)
            return f"{kind} {idx.name} on {_table_name(idx.table)} ({cols})"
        if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
            con = item[1]
            name = con.name if isinstance(con.name, str) else None
            return "{} {} on {}".format(
                kind,
                name or f"(unnamed {type(con).__name__})",
                _table_name(con.table),
            )
        if kind.startswith("modify_"):
            _, schema, tname, cname, _existing, old, new = item
            return f"{kind} {_qual(schema, tname)}.{cname}: {_type_text(old)} -> {_type_text(new)}"
        if kind.endswith("table_comment"):
            return f"{kind} {_table_name(item[1])}"
    except Exception:  # fall through to the generic rendering
        pass
    return " ".join(_type_text(x) for x in item)


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "heads": op_heads,
    "upgrade": op_upgrade,
    "revision": op_revision,
    "downgrade": lambda p: op_upgrade(p, downgrade=True),
    "current": op_current,
    "render_sql": op_render_sql,
    "render_sql_each": op_render_sql_each,
    "compare": op_compare,
}


class _UserError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _first_line(text: Any) -> str:
    text = str(text).strip()
    return text.splitlines()[0].strip() if text else ""


def _project_frame(exc: BaseException, root: str) -> tuple | None:
    """The innermost traceback frame in the app's own files (not site-packages)."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = os.path.abspath(frame.filename)
        inside = path.startswith(root + os.sep) and "site-packages" not in path
        if inside and os.path.isfile(path):  # not alembic's generated "<string>" proxies
            found = (path, frame.lineno)
    return found


def _describe(exc: BaseException, params: dict[str, Any]) -> dict[str, Any]:
    root = os.path.dirname(os.path.abspath(params["ini_path"]))
    frame = _project_frame(exc, root)
    location = None
    if frame is not None:
        location = f"{os.path.relpath(frame[0], root)}:{frame[1]}"
    active = _STATE.active
    info: dict[str, Any] = {
        "exc_type": type(exc).__name__,
        "location": location,
        "revision": active[0] if active else None,
        "direction": active[1] if active else None,
        "applied": list(_STATE.done),
        "phase": "migration" if active else "setup",
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
    }
    orig = getattr(exc, "orig", None)  # SQLAlchemy DBAPIError -> the driver's error
    base = orig if orig is not None else exc
    diag = getattr(base, "diag", None)
    info["sqlstate"] = getattr(diag, "sqlstate", None) or getattr(base, "pgcode", None)
    statement = getattr(exc, "statement", None)
    info["statement"] = _first_line(statement)[:300] if statement else None
    if isinstance(exc, _UserError):
        info["kind"] = exc.kind
        info["message"] = str(exc)
    elif isinstance(exc, ImportError) and not active:
        info["kind"] = "import"
        # only a module that is not there is "not installed"; `cannot import name 'x' from
        # 'pkg'` names a module that is, so its own message says more
        info["module"] = exc.name if isinstance(exc, ModuleNotFoundError) else None
        message = _first_line(exc) or "import failed"
        if exc.path:  # "(/absolute/path/of/the/module.py)": the location says where
            message = message.replace(f" ({exc.path})", "")
        info["message"] = message
    elif isinstance(exc, KeyError) and not active:
        info["kind"] = "missing_key"
        info["key"] = str(exc.args[0]) if exc.args else None
        info["message"] = "KeyError %s" % (exc.args[0] if exc.args else "")
    elif type(exc).__name__ == "ValidationError" and callable(getattr(exc, "errors", None)):
        info["kind"] = "settings"
        try:
            parts = []
            errors = exc.errors()  # type: ignore[attr-defined]
            for err in errors:
                loc = ".".join(str(x) for x in err.get("loc", ()))
                parts.append(
                    "{}: {}".format(loc, err.get("msg", "")) if loc else err.get("msg", "")
                )
            title = getattr(exc, "title", "settings")
            info["message"] = "{}: {}".format(title, "; ".join(parts))
            info["keys"] = [str(e.get("loc", ("",))[-1]) for e in errors if e.get("loc")]
        except Exception:
            info["message"] = _first_line(exc)
    elif orig is not None or info["sqlstate"]:
        info["kind"] = "database"
        info["message"] = _first_line(base) or type(base).__name__
    elif type(exc).__name__ == "CommandError":
        info["kind"] = "alembic"
        info["message"] = _first_line(exc)
    else:
        info["kind"] = "python"
        line = _first_line(exc)
        info["message"] = f"{type(exc).__name__}: {line}" if line else type(exc).__name__
    return info


_FLASK_CHECKED: set = set()  # alembic.ini paths whose env.py this worker has looked at


def _flask_migrate_root(ini: str) -> str | None:
    """The app's folder when env.py is Flask-Migrate's (it reads `current_app`, so it runs
    only inside the app's context, which `flask db` pushes); None for any other env.py."""
    here = os.path.dirname(os.path.abspath(ini))
    try:
        with open(os.path.join(here, "env.py"), encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    if "current_app" not in text or "flask" not in text:
        return None
    for folder in (os.path.dirname(here), here, os.path.dirname(os.path.dirname(here))):
        if any(os.path.exists(os.path.join(folder, f)) for f in (".flaskenv", "wsgi.py", "app.py")):
            return folder
    return os.path.dirname(here)  # Flask-Migrate's default: migrations/ in the app's folder


def _flaskenv_app(root: str) -> str | None:
    try:
        with open(os.path.join(root, ".flaskenv"), encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.strip()
                line = line[len("export ") :] if line.startswith("export ") else line
                key, sep, value = line.partition("=")
                if sep and key.strip() == "FLASK_APP":
                    return value.strip().strip("'\"") or None
    except OSError:
        pass
    return None


def _push_flask_app(params: dict[str, Any]) -> None:
    """What `flask db` does before Alembic runs: load the app as the flask CLI finds it
    (FLASK_APP, from the environment or .flaskenv, else wsgi.py / app.py) and push its
    application context, once for this worker."""
    ini = str(params.get("ini_path") or "")
    if ini in _FLASK_CHECKED:
        return
    root = _flask_migrate_root(ini)
    if root is None:
        _FLASK_CHECKED.add(ini)
        return
    from flask.cli import ScriptInfo

    spec = os.environ.get("FLASK_APP") or _flaskenv_app(root)
    if spec:  # relative to the folder `flask` runs in, not this worker's (the ini's)
        path, sep, name = spec.partition(":")
        spec = os.path.join(root, path) + sep + name
    else:
        found = [f for f in ("wsgi.py", "app.py") if os.path.exists(os.path.join(root, f))]
        spec = os.path.join(root, found[0]) if found else None
    if root not in sys.path:
        sys.path.insert(0, root)
    ScriptInfo(app_import_path=spec).load_app().app_context().push()
    _FLASK_CHECKED.add(ini)  # not before: an app that fails to load says so on every request


def _handle(request: dict[str, Any]) -> None:
    global _STATE
    rid = request.get("id", 0)
    _STATE = _State(rid)
    os.environ.update({str(k): str(v) for k, v in (request.get("env") or {}).items()})
    params = request.get("params") or {}
    op = OPS.get(str(request.get("op")))
    if op is None:
        _send(
            {
                "event": "result",
                "id": rid,
                "ok": False,
                "error": {
                    "kind": "protocol",
                    "message": "unknown op {!r}".format(request.get("op")),
                },
            }
        )
        return
    try:
        _push_flask_app(params)
        data = op(params)
    except BaseException as exc:  # report everything, incl. SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = _describe(exc, params)
        if request.get("op") in ("upgrade", "downgrade"):
            try:
                error["db_revision"] = _read_current(params)
            except BaseException as again:
                error["db_revision"] = None
                error["db_revision_error"] = _first_line(again)
            else:
                error["applied"] = _really_applied(
                    params, error["applied"], error["db_revision"], request.get("op") == "upgrade"
                )
        _send({"event": "result", "id": rid, "ok": False, "error": error})
        return
    _send({"event": "result", "id": rid, "ok": True, "data": data})


def main(argv: list[str]) -> int:
    global _RES
    req_fd, res_fd = int(argv[1]), int(argv[2])
    for fd in (req_fd, res_fd):
        os.set_inheritable(fd, False)  # nothing env.py spawns may hold the protocol open
    _RES = os.fdopen(res_fd, "w", encoding="utf-8")
    started = time.perf_counter()
    try:
        import alembic
        import alembic.command
        import alembic.config
        import alembic.runtime.environment
        import alembic.runtime.migration
        import alembic.script
        import sqlalchemy

        _install_hooks()
        preloaded = _preload_drivers()
    except ImportError as exc:
        _send(
            {
                "event": "ready",
                "ok": False,
                "error": {
                    "kind": "no_alembic",
                    "module": getattr(exc, "name", None),
                    "message": _first_line(exc),
                    "python": sys.executable,
                },
            }
        )
        return 1
    _send(
        {
            "event": "ready",
            "ok": True,
            "import_seconds": time.perf_counter() - started,
            "wall": time.time(),
            "alembic": getattr(alembic, "__version__", "?"),
            "sqlalchemy": getattr(sqlalchemy, "__version__", "?"),
            "python": ".".join(str(x) for x in sys.version_info[:3]),
            "preloaded": preloaded,
        }
    )
    with os.fdopen(req_fd, "r", encoding="utf-8") as requests:
        for line in requests:
            if line.strip():
                _handle(json.loads(line))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
