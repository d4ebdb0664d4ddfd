"""backup, backups, restore."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from devdb.cli._common import (
    JsonOpt,
    ProjectOpt,
    YesOpt,
    confirm_destructive,
    err,
    fail,
    load,
    out,
    print_json,
    progress_steps,
    run,
)

if TYPE_CHECKING:
    from devdb.backups.store import BackupInfo


def _as_dict(info: BackupInfo, restore_estimate: tuple[float | None, str] | None = None) -> Any:
    data = info.to_json()
    data["path"] = str(info.path)
    data["age_seconds"] = round(info.age_seconds(), 1)
    if restore_estimate is not None:
        data["expected_restore_seconds"], data["expected_restore_basis"] = restore_estimate
    return data


def backup(
    project: Path | None = ProjectOpt,
    name: str | None = typer.Option(None, "--name", "-n", help="Backup name (default: db-time)."),
    as_json: bool = JsonOpt,
) -> None:
    """Back up the database with the server's own pg_dump (custom format).

    Metadata beside it: revision, per-table row counts and checksums, sha256.
    Manual backups are never pruned.

    Examples:
      devdb backup
      devdb backup --name before-big-import
    """
    from devdb.backups.store import human_size
    from devdb.commands import backup as core

    config = run(lambda: load(project))
    with progress_steps(not as_json) as progress:
        info = run(lambda: core.backup(config, name, progress=progress))
    if as_json:
        print_json(_as_dict(info))
        return
    rows = sum(t.rows for t in info.tables.values())
    err.print(
        f"[green]✓[/] backed up {info.database} → {info.name} "
        f"({human_size(info.size)}, {len(info.tables)} tables, {rows} rows, {info.seconds:.1f}s)"
    )
    err.print(
        f"  [dim]{config.rel(info.path)}; check it with `devdb restore {info.name} --verify`[/]"
    )


def backups(project: Path | None = ProjectOpt, as_json: bool = JsonOpt) -> None:
    """List backups, newest first: age, size, revision, verified?, restore time.

    Example: devdb backups --json
    """
    from rich.table import Table

    from devdb.backups.store import expected_restore_seconds, human_size, unreadable_backups
    from devdb.commands import backup as core

    config = run(lambda: load(project))
    found = run(lambda: core.list_backups(config))
    for meta, why in unreadable_backups(config.backups_path):
        dump = meta.with_suffix(".dump")
        kept = f"{config.rel(dump)} is kept" if dump.is_file() else "there is no dump beside it"
        err.print(
            f"[yellow]note:[/] {config.rel(meta)} cannot be read ({why}); {kept}: "
            "`pg_restore --list` shows what a dump holds"
        )
    if as_json:
        print_json([_as_dict(b, expected_restore_seconds(b, found)) for b in found])
        return
    if not found:
        err.print(f"no backups in {config.rel(config.backups_path)} yet; take one: devdb backup")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("name", overflow="fold")
    for column in ("age", "size", "revision", "kind", "verified", "restore"):
        table.add_column(column, justify="right" if column in ("age", "size") else "left")
    for info in found:
        verified = "-"
        if info.verified is not None:
            verified = "[green]yes[/]" if info.verified.ok else "[red]FAILED[/]"
        seconds, basis = expected_restore_seconds(info, found)
        restore = (
            "-" if seconds is None else f"{seconds:.1f}s" + ("" if basis == "measured" else "~")
        )
        missing = "" if info.path.is_file() else " [red](file missing)[/]"
        table.add_row(
            info.name + missing,
            _age(info.age_seconds()),
            human_size(info.size),
            ",".join(info.revision) or "base",
            "auto" if info.kind == "automatic" else "manual",
            verified,
            restore,
        )
    out.print(table)
    err.print(
        f"[dim]{config.rel(config.backups_path)}; keeps the last {config.backups_keep} automatic "
        "backups (backups_keep); ~ = estimated[/]"
    )


def _age(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def restore(
    name: str | None = typer.Argument(None, help="Backup name (see `devdb backups`)."),
    project: Path | None = ProjectOpt,
    latest: bool = typer.Option(False, "--latest", help="Use the newest backup."),
    verify: bool = typer.Option(
        False, "--verify", help="Restore into a scratch database, compare, drop it (no change)."
    ),
    yes: bool = YesOpt,
    no_backup: bool = typer.Option(
        False, "--no-backup", help="Do not back up the data being replaced."
    ),
    allow_external_restore: bool = typer.Option(
        False, "--allow-external-restore", help="Allow replacing a database on an external server."
    ),
    force_unmanaged: bool = typer.Option(
        False, "--force-unmanaged", help="Replace a database devdb did not create."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Restore a backup over the database, or just prove it restores (--verify).

    Without --verify: restore into a new database, check it against the metadata,
    back up the current data (unless it is only fixture data), swap atomically.

    Examples:
      devdb restore --latest --verify
      devdb restore app-20260417-101530 --yes
    """
    from devdb.commands import backup as core

    if (name is None) == (not latest):
        raise fail("name a backup or pass --latest (not both)", "see `devdb backups`", code=2)
    config = run(lambda: load(project))
    if not verify:
        target = name or "the newest backup"
        confirm_destructive(f"replace the database of {config.project_name} with {target}", yes)
    with progress_steps(not as_json) as progress:
        result = run(
            lambda: core.restore(
                config,
                name,
                verify=verify,
                progress=progress,
                no_backup=no_backup,
                allow_external=allow_external_restore,
                force_unmanaged=force_unmanaged,
            )
        )
    if as_json:
        print_json(result.__dict__)
        if not result.ok:
            raise typer.Exit(1)
        return
    for note in result.notes:
        err.print(f"[yellow]note:[/] {note}")
    if not result.ok:
        shown = "; ".join(result.mismatches[:5])
        more = f" (+{len(result.mismatches) - 5} more)" if len(result.mismatches) > 5 else ""
        raise fail(
            f"backup {result.name} does not match its metadata: {shown}{more}",
            "nothing was replaced" if not verify else "the result is recorded in its metadata",
        )
    if verify:
        err.print(
            f"[green]✓[/] {result.name} verified: restores in {result.restore_seconds:.1f}s, "
            f"row counts and checksums match [dim](scratch database dropped; total "
            f"{result.seconds:.1f}s)[/]"
        )
    else:
        err.print(
            f"[green]✓[/] {result.database} restored from {result.name} "
            f"(revision {', '.join(result.revision) or 'base'}) in {result.seconds:.1f}s"
        )


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(backups)
    app.command()(restore)
