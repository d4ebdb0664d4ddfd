"""The copy at size: the base revision's schema filled with synthetic rows, kept as a
template keyed by (base revision, row counts, seed) so the next rehearse clones it at once.

Base: `--base REF` (a git ref: its migration heads read from a temporary `git worktree`),
by default the merge-base with the main branch, or the working database's revision when
the project is not in a git repository.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devdb.copies.databases import create_database, ensure_extensions
from devdb.copies.snapshots import (
    admin_connection,
    advisory_lock,
    drop,
    exists,
    seal_template,
    snapshot_key,
    throwaway_copy,
)
from devdb.errors import DevdbError, first_line
from devdb.migrations.runner import AlembicTarget, script_heads
from devdb.migrations.scripts import migrations_hash
from devdb.project.config import require_alembic
from devdb.rehearse.synth import SynthResult, VectorSource, fill_database
from devdb.server.checkout import Project
from devdb.server.engines.base import Server
from devdb.server.envsync import app_environment, db_values

COPY_TEMPLATE = "__rhs_"
FILL_VERSION = "2"  # how a copy is filled (2: vacuumed); a change builds the copies anew
RUN = "__rhsrun_"


@dataclass
class Base:
    ref: str | None  # the git ref, None for the working database's revision
    commit: str | None
    heads: list[str]
    worktree: Path | None  # the project's folder in the base checkout
    checkout: Path | None = None  # the base checkout (a `git worktree`), removed by close_base()
    migrations_hash: str | None = None  # env.py + migration files at the base (keys the copy)


def migration_target(
    project: Project, server: Server, database: str, root: Path | None = None
) -> AlembicTarget:
    """How the app would run Alembic on `database`; `root`: the same project in a worktree."""
    config = project.config
    ini = require_alembic(config)
    if root is not None:
        ini = root / ini.relative_to(config.project_root)
    values, _, _ = db_values(project, server, database)
    return AlembicTarget(ini, config.python, app_environment(project, values))


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DevdbError(
            f"git {' '.join(args)}: {first_line(Exception(result.stderr)) or 'failed'}", ""
        )
    return result.stdout.strip()


def _in_git(root: Path) -> bool:
    try:
        _git(root, "rev-parse", "--git-dir")
    except (DevdbError, OSError):
        return False
    return True


def default_ref(root: Path) -> str | None:
    if not _in_git(root):
        return None
    for branch in ("origin/main", "main", "origin/master", "master"):
        with contextlib.suppress(DevdbError):
            return _git(root, "merge-base", "HEAD", branch)
    return "HEAD"


def resolve_base(project: Project, server: Server, ref: str | None) -> Base:
    root = project.config.project_root
    ref = ref or default_ref(root)
    if ref is None:
        return Base(None, None, _working_revision(server, project.database), None)
    if not _in_git(root):
        raise DevdbError(
            f"--base {ref}: {root} is not in a git repository",
            "leave out --base to rehearse from the working database's revision",
        )
    top = Path(_git(root, "rev-parse", "--show-toplevel"))
    try:
        commit = _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}")
    except DevdbError:
        raise DevdbError(
            f"--base {ref}: no such git ref", "name a branch, tag or commit (git log)"
        ) from None
    worktree = Path(tempfile.mkdtemp(prefix="devdb-rehearse-base-"))
    base_root = worktree / project.config.project_root.resolve().relative_to(top.resolve())
    opened = Base(ref, commit, [], base_root, worktree)
    try:
        _git(top, "worktree", "add", "--detach", "--force", str(worktree), commit)
        target = migration_target(project, server, project.database, base_root)
        if not target.ini_path.is_file():
            raise DevdbError(
                f"--base {ref} has no {target.ini_path.relative_to(base_root)}",
                "pick a ref that has the migrations",
            )
        opened.heads = script_heads(target).heads
        opened.migrations_hash = migrations_hash(target.ini_path)
    except BaseException:
        close_base(opened, root)
        raise
    return opened


def close_base(base: Base, root: Path) -> None:
    """Remove the base checkout (also after an interrupt: git forgets it, the folder goes)."""
    if base.checkout is None:
        return
    import shutil

    with contextlib.suppress(DevdbError, OSError):
        _git(root, "worktree", "remove", "--force", str(base.checkout))
    shutil.rmtree(base.checkout, ignore_errors=True)
    with contextlib.suppress(DevdbError, OSError):
        _git(root, "worktree", "prune")
    base.checkout = None


def _working_revision(server: Server, database: str) -> list[str]:
    import psycopg

    try:
        with psycopg.connect(server.conninfo(database), connect_timeout=5) as conn:
            return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    except psycopg.Error as exc:
        raise DevdbError(
            f"cannot read the working database's revision: {first_line(exc)}",
            "run `devdb up --no-app` first, or pass --base REF in a git repository",
        ) from None


@dataclass
class Copy:
    template: str
    reused: bool
    build_seconds: float
    fill: SynthResult | None


def copy_key(base: Base, counts: dict[str, Any], seed: int, version_key: str) -> str:
    """The base's schema (its heads and migration files: another commit with the same
    migrations shares the copy), the sizing, the seed and the server."""
    return snapshot_key(
        ",".join(base.heads),
        json.dumps(counts, sort_keys=True),
        str(seed),
        version_key,
        base.migrations_hash,
        FILL_VERSION,
    )


def ensure_copy(
    project: Project,
    server: Server,
    base: Base,
    sizing: dict[str, Any],
    *,
    vectors: VectorSource,
    seed: int,
    progress: Callable[[str], None],
) -> Copy:
    """The filled template for this base and size, built once."""
    import time

    key = copy_key(base, sizing, seed, project.engine.version_key())
    name = f"{project.database[:30]}{COPY_TEMPLATE}{key}"
    if exists(server, name):
        return Copy(name, True, 0.0, None)
    started = time.perf_counter()
    with advisory_lock(server, name):
        if exists(server, name):
            return Copy(name, True, 0.0, None)
        building = f"{project.database[:30]}__rhsbuild_{key}"
        drop(server, building)
        create_database(server, building)
        try:
            ensure_extensions(server, building, project.config.extensions, project.engine_name)
            target = migration_target(project, server, building, base.worktree)
            revision = ",".join(base.heads)
            progress(f"copy: base schema at {revision or 'base'}")
            if base.heads:
                from devdb.migrations.runner import MigrationSession

                with MigrationSession(target) as session:
                    for head in base.heads:
                        session.upgrade(head)
            result = fill_database(
                server.conninfo(building),
                vectors=vectors,
                rows=sizing.get("rows") or {},
                scale=sizing.get("scale"),
                stats=sizing.get("stats"),
                seed=seed,
                vector_rows=sizing.get("vector_rows"),
                progress=progress,
            )
            seal_template(server, building, name)
        except BaseException:
            drop(server, building)
            raise
    prune_copies(server, project, keep=max(1, project.config.templates_keep))
    return Copy(name, False, time.perf_counter() - started, result)


def prune_copies(server: Server, project: Project, keep: int) -> list[str]:
    """The newest `keep` filled copies stay (a copy at size can be large); older ones go."""
    rows = (
        admin_connection(server)
        .execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY oid DESC",
            (f"{project.database[:30]}{COPY_TEMPLATE}",),
        )
        .fetchall()
    )
    old = [row[0] for row in rows][keep:]
    for name in old:
        drop(server, name)
    return old


@contextlib.contextmanager
def clone(server: Server, template: str, project: Project, suffix: str) -> Iterator[str]:
    """A scratch database cloned from the copy; dropped afterwards."""
    import os

    with throwaway_copy(
        server, f"{project.database[:30]}{RUN}{os.getpid()}_{suffix}", template
    ) as name:
        yield name
