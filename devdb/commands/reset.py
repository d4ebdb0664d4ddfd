"""`devdb reset`: back to exactly the migrated + seeded state, by swapping in a clone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devdb.copies import snapshots
from devdb.copies.databases import database_revisions
from devdb.copies.databases import live_server as live_server
from devdb.copies.templates import current_hashes, ensure_template, template_key
from devdb.errors import DevdbError
from devdb.faults import fault_point
from devdb.progress import Progress, silent
from devdb.project.config import Config
from devdb.server.checkout import Project, open_project, project_lock
from devdb.server.engines.base import Server


@dataclass
class ResetResult:
    database: str
    seconds: float
    template: str
    template_built: bool
    used_spare: bool
    kept_as: str | None
    timings: dict[str, float] = field(default_factory=dict)
    by_agent: bool = False  # served by the checkout's warm reset agent (devdb.commands.agent)


def ensure_server(project: Project, progress: Progress, notes: list[str] | None = None) -> Server:
    server = live_server(project)
    if server is not None:
        return server
    remember_intent(project)
    server = project.engine.start(progress)
    server = wait_ready(project, server, progress, notes)
    project.state.port = server.port
    project.state.extra["version_key"] = project.engine.version_key()
    project.save()
    return server


def remember_intent(project: Project) -> None:
    """Write-ahead: the engine and the credentials are on disk before a server is made with them."""
    if project.engine.managed:
        project.state.extra.setdefault("engines_used", [])
        if project.engine_name not in project.state.extra["engines_used"]:
            project.state.extra["engines_used"].append(project.engine_name)
    project.save()


BUILDING = "__build_"  # templates.building_name: a template being built


def drop_build_leftovers(server: Server, database: str) -> list[str]:
    """Half-built templates of a failed fixture or an interrupted build: dropped unless a build
    holds its template's lock right now (another process building it)."""
    dropped = []
    prefix = f"{database[:40]}{BUILDING}"
    for name in snapshots.database_names(server, prefix):
        lock = f"devdb:{snapshots.template_name(database, name[len(prefix) :])}"
        conn = snapshots.admin_connection(server)
        if not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (lock,)).fetchone()[0]:
            continue
        try:
            snapshots.drop(server, name)
            dropped.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (lock,))
    return dropped


def wait_ready(
    project: Project, server: Server, progress: Progress, notes: list[str] | None = None
) -> Server:
    """The engine's readiness wait; one line says so when it had to set devdb's password again
    on a server that holds databases."""
    server, held = project.engine.wait_ready(server, project.config.ready_timeout, progress)
    if held:
        line = (
            "the server rejected devdb's password (state lost or replaced); it was set again "
            f"through the server's local socket, data kept ({', '.join(held)})"
        )
        if notes is not None:
            notes.append(line)
        else:
            progress(line)
    return server


def guard_destructive(project: Project, *, allow_external: bool) -> None:
    if not project.engine.managed and not allow_external:
        raise DevdbError(
            "refusing to reset a database on an external server",
            "pass --allow-external-reset if you really mean to replace it",
        )


def reset(
    config: Config,
    *,
    progress: Progress = silent,
    allow_external: bool = False,
    force_unmanaged: bool = False,
    keep_previous: bool = True,
) -> ResetResult:
    """`keep_previous=False` (--no-backup) drops the replaced database instead of keeping it
    for `--undo`: that kept copy is reset's backup."""
    with project_lock(config, progress):
        project = open_project(config)
        guard_destructive(project, allow_external=allow_external)
        server = ensure_server(project, progress)
        return reset_project(
            project,
            server,
            progress=progress,
            force_unmanaged=force_unmanaged,
            keep_previous=keep_previous,
        )


def reset_project(
    project: Project,
    server: Server,
    *,
    progress: Progress = silent,
    force_unmanaged: bool = False,
    keep_previous: bool = True,
    build_template: bool = True,
    next_spare: Callable[[Project, Server, str, str], None] | None = None,
) -> ResetResult:
    """The reset itself; the caller holds the project lock and has a live server.
    `build_template=False`: TemplateNotBuilt rather than a replay. `next_spare(project, server,
    template, spare)` makes the next spare (default: start_refill, a detached process)."""
    started = time.monotonic()
    config = project.config
    database = project.database
    if not force_unmanaged:
        snapshots.require_managed(server, database)
    migrations, fixtures = current_hashes(project)
    if migrations != project.state.migrations_hash:
        from devdb.migrations.drift import check_single_head

        check_single_head(config)  # unchanged files were checked when they were applied
    version_key = project.state.extra.get("version_key") or project.engine.version_key()
    key = template_key(project, migrations, fixtures, version_key)
    drop_build_leftovers(server, database)
    template, built = ensure_template(project, server, key, progress, build=build_template)
    fault_point("reset_template_ready")
    mark = time.monotonic()
    spare = snapshots.spare_name(database, key)
    # the spare's lock: wait for a spare being cloned right now, and keep a collect (of a
    # refill for other files) from dropping it between this look and the swap
    with snapshots.advisory_lock(server, spare):
        present = snapshots.existing(server, [spare, database])
        used_spare = spare in present
        replacement = spare
        if not used_spare:
            replacement = f"{database[:40]}__new_{key}"
            snapshots.drop(server, replacement)
            snapshots.create_from(server, replacement, template)
        had_database = database in present
        kept_as = snapshots.prev_name(database) if had_database and keep_previous else None
        snapshots.swap_in(server, database, replacement, keep_as=kept_as)
    fault_point("reset_swapped")
    swap_seconds = time.monotonic() - mark
    state = project.state
    state.migrations_hash, state.fixtures_hash = migrations, fixtures
    state.extra["version_key"] = version_key
    state.extra["template"] = template
    revisions = state.extra.setdefault("template_revisions", {})
    if template not in revisions:
        revisions.clear()
        revisions[template] = database_revisions(server, database)
    state.extra["revision"] = revisions[template]
    project.save()
    (next_spare or start_refill)(project, server, template, spare)
    return ResetResult(
        database=database,
        seconds=time.monotonic() - started,
        template=template,
        template_built=built,
        used_spare=used_spare,
        kept_as=kept_as,
        timings={"swap": swap_seconds},
    )


def undo(config: Config, *, progress: Progress = silent, allow_external: bool = False) -> str:
    """Put the newest pre-reset copy back; the current database becomes a copy in turn."""
    with project_lock(config, progress):
        project = open_project(config)
        guard_destructive(project, allow_external=allow_external)
        server = ensure_server(project, progress)
        previous = snapshots.prev_databases(server, project.database)
        if not previous:
            raise DevdbError(
                "there is no earlier copy to restore", "copies are kept by `devdb reset`"
            )
        snapshots.swap_in(
            server, project.database, previous[0], keep_as=snapshots.prev_name(project.database)
        )
        project.state.extra["revision"] = database_revisions(server, project.database)
        project.state.migrations_hash = None  # unknown state: the next `up` checks properly
        project.save()
        return previous[0]


def refill_job(project: Project, server: Server, template: str, spare: str) -> dict[str, Any]:
    """What the refill needs: make `spare` from `template`, collect old copies, then serve
    resets for `root` (see devdb.commands.agent)."""
    return {
        "server": [server.host, server.port, server.user],
        "root": str(project.config.project_root),
        "database": project.database,
        "template": template,
        "spare": spare,
        "keep_templates": project.config.templates_keep,
        "keep_prev": project.config.templates_keep,
    }


def start_refill(project: Project, server: Server, template: str, spare: str) -> None:
    """Make the next spare and collect old copies in a detached process: reset returns now."""
    job = refill_job(project, server, template, spare)
    env = {**os.environ, "DEVDB_REFILL": json.dumps(job), "DEVDB_REFILL_PASSWORD": server.password}
    env.pop("DEVDB_FAULT", None)  # a fault point is this command's, not its helper's
    subprocess.Popen(
        [sys.executable, "-m", "devdb.commands.refill"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
