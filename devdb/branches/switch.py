"""The post-checkout switch: the app's database name gets the checked-out branch's data.

B has its own database: swap it in. B has none and its migration chain extends the current
database's revision: clone the current database (the rows come along) and apply B's new
migrations to the clone. B has none and the chains diverged: clone B's template. The database
being left is kept under its branch's name in every case; nothing is ever downgraded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devdb.branches import catalog
from devdb.branches.git import (
    current_branch,
    detached_name,
    head_commit,
    previous_branch,
    rebasing,
)
from devdb.errors import DevdbError, first_line
from devdb.faults import fault_point

if TYPE_CHECKING:
    from devdb.project.config import Config
    from devdb.server.checkout import Project
    from devdb.server.engines.base import Server

OWN, CLONED, TEMPLATE = "own", "cloned", "template"


@dataclass
class SwitchResult:
    branch: str
    left: str
    how: str  # own | cloned | template
    revision_before: list[str]
    revision: list[str]
    applied: int
    seconds: float
    kept_as: str

    def line(self) -> str:
        migrations = f", +{self.applied} migration{'' if self.applied == 1 else 's'}"
        migrations = migrations if self.applied else ""
        if self.how == OWN:
            detail = f"its own, at {_revs(self.revision)}{migrations}; {self.left}'s kept"
        elif self.how == CLONED:
            detail = f"cloned from {self.left} at {_revs(self.revision_before)}{migrations}"
        else:
            detail = (
                f"fresh from its template at {_revs(self.revision)}: {self.left} is at "
                f"{_revs(self.revision_before)}, which this branch does not have"
            )
        return (
            f"devdb: database for {self.branch} ({detail}) in {self.seconds:.2f} s; "
            "a running app must reconnect"
        )


def _revs(revisions: list[str]) -> str:
    return ",".join(revisions) or "no revision"


def is_ignored(args: Sequence[str], environ: Mapping[str, str]) -> bool:
    """A file checkout (3rd hook argument 0) or a rebase step: not a branch switch."""
    flag = args[2] if len(args) >= 3 else environ.get("PRE_COMMIT_CHECKOUT_TYPE", "1")
    return flag == "0" or environ.get("GIT_REFLOG_ACTION", "").startswith("rebase")


def checked_out(config: Config, *, detached: bool) -> str | None:
    """The branch at the real HEAD (not the hook's arguments: a second switch may have
    followed); a detached HEAD only when `detached`."""
    branch = current_branch(config.project_root)
    if branch is None and detached and not rebasing(config.project_root):
        commit = head_commit(config.project_root)
        branch = detached_name(commit) if commit else None
    return branch


def switch(
    config: Config, args: Sequence[str] = (), *, detached: bool = False
) -> SwitchResult | None:
    """Bring the checked-out branch's database into place; None when there is nothing to do
    (a file checkout, a rebase step, the same branch, a checkout devdb never ran in)."""
    started = time.monotonic()
    if is_ignored(args, os.environ):
        return None
    from devdb.project.state import state_path

    if not state_path(config.state_dir).exists():
        return None  # devdb never ran in this checkout (e.g. another worktree)
    from devdb.server.checkout import open_project, project_lock

    with project_lock(config, timeout=120):
        branch = checked_out(config, detached=detached)  # under the lock: the latest switch
        if branch is None:
            return None
        project = open_project(config, create=False)
        _settle_interrupted(project)
        leaving = catalog.current(project) or previous_branch(config.project_root)
        if leaving == branch:
            return None
        if leaving is None:  # nothing known about the data in place: it is this branch's now
            catalog.record(project)["current"] = branch
            project.save()
            return None
        if project.engine_name == "external":
            raise DevdbError(
                "branch databases live on devdb's own server, not an external one",
                "`devdb branches off` removes the hook",
            )
        from devdb.copies.databases import live_server

        server = live_server(project)
        if server is None:
            raise DevdbError(
                f"the database server is not running, so the database still holds {leaving}'s data",
                f"`devdb up` makes the switch to {branch}'s once the server runs, before migrating",
            )
        return _switch(project, server, leaving, branch, started)


def catch_up(project: Project, server: Server) -> SwitchResult | None:
    """The switch the hook could not make (the server was stopped), made by `up` as soon as
    the server answers and before it migrates: the branch left behind keeps its schema and
    rows instead of getting this branch's migrations."""
    from devdb.branches.hook import installed

    config = project.config
    if catalog.STATE_KEY not in project.state.extra or not installed(config.project_root):
        return None
    _settle_interrupted(project)
    leaving = catalog.current(project)
    branch = checked_out(config, detached=False)
    if leaving is None or branch is None or leaving == branch:
        return None
    return _switch(project, server, leaving, branch, time.monotonic())


def _switch(
    project: Project, server: Server, leaving: str, branch: str, started: float
) -> SwitchResult:
    from devdb.copies import snapshots
    from devdb.copies.databases import database_revisions

    database = project.database
    own = catalog.database_for(database, branch)
    keep_as = catalog.database_for(database, leaving)
    present = snapshots.existing(server, [database, own, keep_as])
    if keep_as in present:  # not ours to replace: the left data goes beside it instead
        keep_as = snapshots.prev_name(database)
    before = database_revisions(server, database) if database in present else []
    applied = 0
    if own in present:
        how = OWN
        applied = _catch_up(project, server, branch, own)
        _intend(project, leaving, branch, own)
        snapshots.swap_in(server, database, own, keep_as=keep_as)
    else:
        incoming = catalog.incoming_name(database, branch)
        snapshots.drop(server, incoming)  # a leftover of an interrupted switch
        how, applied = _make_incoming(project, server, incoming, before, database in present)
        fault_point("branches_incoming_ready")
        _intend(project, leaving, branch, incoming)
        snapshots.swap_in(server, database, incoming, keep_as=keep_as)
    fault_point("branches_swapped")
    revision = database_revisions(server, database)
    _record(project, leaving, branch, before, revision, how)
    return SwitchResult(
        branch=branch,
        left=leaving,
        how=how,
        revision_before=before,
        revision=revision,
        applied=applied,
        seconds=time.monotonic() - started,
        kept_as=keep_as,
    )


def _make_incoming(
    project: Project, server: Server, incoming: str, before: list[str], has_database: bool
) -> tuple[str, int]:
    """The branch's first database under `incoming`: (how it was made, migrations applied)."""
    from devdb.migrations.drift import check_single_head

    pending = _pending(project, before) if has_database else None
    if pending is not None:
        _clone_live(project, server, incoming, pending)
        return CLONED, len(pending)
    check_single_head(project.config)
    _from_template(project, server, incoming)
    return TEMPLATE, 0


def _pending(project: Project, revisions: list[str]) -> list[str] | None:
    """The branch's revisions a database at `revisions` lacks; None when the database holds
    a revision these files do not know (diverged) or none at all."""
    from devdb.migrations.drift import check_single_head, script_graph
    from devdb.migrations.scripts import ancestors

    graph = script_graph(project.config)
    if not revisions or not all(rev in graph for rev in revisions):
        return None
    pending = sorted(set(graph) - ancestors(graph, revisions))
    if pending:
        check_single_head(project.config)
    return pending


def _catch_up(project: Project, server: Server, branch: str, database: str) -> int:
    """The branch's own database, waiting since its last visit, gets the migrations committed
    on the branch meanwhile (never a downgrade: a database the files no longer explain is
    left for `devdb status` to explain)."""
    from devdb.copies.databases import database_revisions
    from devdb.copies.snapshots import admin_connection, ident

    recorded = _known(project).get(branch, {}).get("revision")
    if isinstance(recorded, list) and recorded and _pending(project, recorded) == []:
        return 0  # as the branch left it, and its files add nothing: no connection needed
    # a kept database refuses connections (swap_in closed it before the rename)
    admin_connection(server).execute(f"ALTER DATABASE {ident(database)} ALLOW_CONNECTIONS true")
    pending = _pending(project, database_revisions(server, database))
    if pending:
        _migrate(project, server, database, pending)
    return len(pending or [])


def _known(project: Project) -> dict[str, Any]:
    known: dict[str, Any] = catalog.record(project)["known"]
    return known


def _migrate(project: Project, server: Server, database: str, pending: list[str]) -> None:
    from devdb.copies.templates import start_migrations

    session = start_migrations(project, server, database)
    try:
        session.upgrade("head")
        _record_hashes(project, server, database, pending)
    except BaseException:
        session.close()
        raise
    session.release()


def _clone_live(project: Project, server: Server, incoming: str, pending: list[str]) -> None:
    from devdb.copies.templates import start_migrations

    session = start_migrations(project, server, incoming) if pending else None  # imports meanwhile
    try:
        clone_database(server, project.database, incoming)
        if session is not None:
            session.upgrade("head")
            _record_hashes(project, server, incoming, pending)
    except BaseException:
        if session is not None:
            session.close()
        from devdb.copies.snapshots import drop

        drop(server, incoming)
        raise
    if session is not None:
        session.release()


def clone_database(server: Server, source: str, target: str) -> None:
    """CREATE DATABASE target TEMPLATE source while an app may be connected to source: its
    sessions are ended and new ones refused for the milliseconds of the copy."""
    import psycopg

    from devdb.copies.snapshots import admin_connection, ident

    conn = admin_connection(server)
    conn.execute(f"ALTER DATABASE {ident(source)} ALLOW_CONNECTIONS false")
    try:
        for attempt in range(100):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (source,),
            )
            try:
                conn.execute(f"CREATE DATABASE {ident(target)} TEMPLATE {ident(source)}")
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 99:
                    raise
                time.sleep(0.01)  # a terminated backend has not exited yet
    finally:
        conn.execute(f"ALTER DATABASE {ident(source)} ALLOW_CONNECTIONS true")


def _record_hashes(project: Project, server: Server, database: str, pending: list[str]) -> None:
    """The applied files' hashes, as migrate_and_seed records them: drift checks compare them."""
    import psycopg

    from devdb.migrations.drift import alembic_ini
    from devdb.migrations.scripts import revision_hashes
    from devdb.server.bookkeeping import get_meta, set_meta

    hashes = revision_hashes(alembic_ini(project.config))
    with psycopg.connect(server.conninfo(database)) as conn:
        recorded: dict[str, Any] = get_meta(conn, "migration_hashes") or {}
        recorded.update({rev: hashes[rev] for rev in pending if rev in hashes})
        set_meta(conn, "migration_hashes", recorded)


def _from_template(project: Project, server: Server, incoming: str) -> None:
    from devdb.copies.snapshots import create_from
    from devdb.copies.templates import current_hashes, ensure_template, template_key

    migrations, fixtures = current_hashes(project)
    version_key = project.state.extra.get("version_key") or project.engine.version_key()
    key = template_key(project, migrations, fixtures, version_key)
    template, _ = ensure_template(project, server, key)
    create_from(server, incoming, template)


def _record(
    project: Project,
    leaving: str,
    branch: str,
    before: list[str],
    revision: list[str],
    how: str,
) -> None:
    """State as `up` would leave it for these files, so `up` and `status` see no drift."""
    from devdb.copies.templates import current_hashes

    state = project.state
    state.migrations_hash, state.fixtures_hash = current_hashes(project)
    state.extra["revision"] = revision
    catalog.remember(project, leaving, before)
    catalog.remember(project, branch, revision, made=how)
    catalog.record(project)["current"] = branch
    catalog.record(project).pop(SWITCHING, None)
    project.save()


SWITCHING = "switching"  # written ahead of the swap: {from, to, incoming}


def _intend(project: Project, leaving: str, branch: str, incoming: str) -> None:
    """Say, before the swap, which database is about to become the app's: a switch killed
    after the swap is then known by that database's name being gone."""
    catalog.record(project)[SWITCHING] = {"from": leaving, "to": branch, "incoming": incoming}
    project.save()


def _settle_interrupted(project: Project) -> None:
    """After a switch that was killed: the app's database holds `to`'s data when the swap
    happened (the incoming name is gone), else still `from`'s."""
    from devdb.copies import snapshots
    from devdb.copies.databases import live_server

    pending = project.state.extra.get(catalog.STATE_KEY, {}).get(SWITCHING)
    if not isinstance(pending, dict):
        return
    server = live_server(project)
    if server is None:
        return  # the next switch with a running server settles it
    landed = not snapshots.exists(server, str(pending.get("incoming")))
    record = catalog.record(project)
    record["current"] = pending.get("to") if landed else pending.get("from")
    record.pop(SWITCHING, None)
    project.save()


def hook_main(argv: Sequence[str]) -> int:
    """`devdb branches _switch [--project DIR] [--detached] [hook args]`, run by the hook:
    one line on stderr, and 0 always: a checkout never fails because of its database."""
    import sys
    from pathlib import Path

    args = list(argv)
    project: Path | None = None
    detached = False
    if "--detached" in args:
        args.remove("--detached")
        detached = True
    if "--project" in args:
        at = args.index("--project")
        if at + 1 < len(args):
            project = Path(args[at + 1])
        del args[at : at + 2]
    try:
        from devdb.project.config import load_config

        result = switch(load_config(project), args, detached=detached)
    except DevdbError as exc:
        hint = f"; {exc.hint}" if exc.hint else ""
        print(f"devdb: branch database not switched: {exc.message}{hint}", file=sys.stderr)
        return 0
    except (Exception, KeyboardInterrupt) as exc:
        print(
            f"devdb: branch database not switched: {type(exc).__name__}: {first_line(exc)[:200]}"
            "; `devdb status` says what to do",
            file=sys.stderr,
        )
        return 0
    if result is not None:
        print(result.line(), file=sys.stderr)
    return 0
