"""`devdb backup`, `devdb backups`, `devdb restore [--verify]` over a project."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from devdb.backups import store as parts
from devdb.backups.store import BackupInfo
from devdb.backups.take import RESTORE as RESTORE
from devdb.backups.take import VERIFY as VERIFY
from devdb.backups.take import _drop_leftovers as _drop_leftovers
from devdb.backups.take import _restore_checked as _restore_checked
from devdb.backups.take import _scratch_name as _scratch_name
from devdb.backups.take import get_backup as get_backup
from devdb.backups.take import list_backups as list_backups
from devdb.backups.take import take_backup as take_backup
from devdb.backups.take import verify_backup as verify_backup
from devdb.errors import DevdbError
from devdb.faults import fault_point
from devdb.progress import Progress, silent
from devdb.project.config import Config
from devdb.server.checkout import open_project, project_lock


@dataclass
class RestoreResult:
    name: str
    database: str  # the working database (restored over, or checked against)
    verify_only: bool
    ok: bool
    restore_seconds: float
    seconds: float
    mismatches: list[str] = field(default_factory=list)
    revision: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backup_before: str | None = None  # the backup taken of the replaced data


def backup(config: Config, name: str | None = None, progress: Progress = silent) -> BackupInfo:
    """Take a manual backup of the working database (starting the server if needed)."""
    from devdb.commands.reset import ensure_server

    if name is not None and not parts.valid_name(name):
        raise DevdbError(
            f"{name!r} is not a usable backup name",
            "use letters, digits, '.', '_' and '-' (up to 100, starting with a letter or digit)",
        )
    with project_lock(config, progress):
        project = open_project(config, create=False)
        if project.engine.server() is None:
            raise DevdbError("no database yet for this checkout", "run `devdb up` first")
        server = ensure_server(project, progress)
        project.save()
        info, _ = take_backup(project, server, kind="manual", name=name, progress=progress)
        return info


def restore(
    config: Config,
    name: str | None,
    *,
    verify: bool = False,
    progress: Progress = silent,
    no_backup: bool = False,
    allow_external: bool = False,
    force_unmanaged: bool = False,
) -> RestoreResult:
    """`verify`: restore into a scratch database, compare, drop it, record the result.
    Otherwise: restore into a new database, compare, back up the current data (the gate),
    then swap the restored one in atomically (an interrupted restore leaves the old one)."""
    from devdb.commands.reset import ensure_server
    from devdb.copies import snapshots

    started = time.monotonic()
    with project_lock(config, progress):
        project = open_project(config)
        info = get_backup(config, name)
        if not verify and not project.engine.managed and not allow_external:
            raise DevdbError(
                "refusing to restore over a database on an external server",
                "pass --allow-external-restore if you really mean to replace it",
            )
        server = ensure_server(project, progress)
        project.save()  # a server created just now: its credentials are remembered first
        database = project.database
        _drop_leftovers(server, database)
        target: str | None = _scratch_name(database, VERIFY if verify else RESTORE)
        assert target is not None
        result = RestoreResult(info.name, database, verify, False, 0.0, 0.0)
        try:
            if not verify and not force_unmanaged:
                snapshots.require_managed(server, database)
            checked = _restore_checked(project, server, info, target, progress)
            fault_point("restore_restored")
            result.restore_seconds = checked.restore_seconds
            result.mismatches = list(checked.mismatches)
            result.revision = list(info.revision)
            result.ok = checked.ok
            if verify or not checked.ok:
                return result
            from devdb.backups.gate import guard_overwrite

            gate = guard_overwrite(
                project,
                server,
                action="restore",
                detail=f"restore of {info.name}",
                no_backup=no_backup,
                progress=progress,
            )
            if gate is not None:
                result.notes.append(gate.message)
                result.backup_before = gate.backup.name if gate.backup else None
            progress(f"swapping the restored database in as {database}")
            snapshots.swap_in(server, database, target, keep_as=None)
            target = None
            fault_point("restore_swapped")
            state = project.state
            state.extra["revision"] = list(info.revision)
            state.migrations_hash = None  # the next `up` looks at what is there now
            project.save()
        finally:
            if target is not None:
                snapshots.drop(server, target)
            result.seconds = time.monotonic() - started
        return result
