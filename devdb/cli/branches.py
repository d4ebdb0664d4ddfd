"""`devdb branches`: a database per git branch (list, on, off, prune; the hook's `_switch`)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from devdb.cli._common import JsonOpt, ProjectOpt, err, load, out, print_json, run

branches_app = typer.Typer(
    name="branches",
    help=(
        "A database per git branch: `git switch` brings the branch's schema and data.\n\n"
        "Without a command: list branch, database, revision, size, last used, gone from git.\n\n"
        "Examples: devdb branches on · devdb branches · devdb branches prune --keep 3"
    ),
    invoke_without_command=True,
)


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size //= 1024
    return "-"


def _ago(stamp: float | None) -> str:
    if not stamp:
        return "-"
    seconds = max(0, time.time() - stamp)
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= length:
            return f"{seconds // length:.0f} {unit} ago"
    return "just now"


@branches_app.callback()
def listing(
    ctx: typer.Context,
    as_json: bool = JsonOpt,
    project: Path | None = ProjectOpt,
) -> None:
    """List the branches devdb keeps a database for: branch, database, revision, size, last
    used, and whether the branch is gone from git (or merged).

    Examples:
      devdb branches
      devdb branches --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from devdb.branches.onoff import list_branches

    rows, enabled = run(lambda: list_branches(load(project)))
    if as_json:
        print_json({"enabled": enabled, "branches": [row.as_dict() for row in rows]})
        return
    if not enabled:
        err.print("[dim]branch databases are off; `devdb branches on` turns them on[/]")
    if not rows:
        err.print("no branch databases yet")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("branch", "database", "revision", "size", "last used", "git"):
        table.add_column(column)
    for row in rows:
        state = "gone" if row.gone else "merged" if row.merged else ""
        name = f"{row.branch} (checked out)" if row.current else row.branch
        table.add_row(
            name,
            row.database,
            ",".join(row.revision) or "-",
            _size(row.size_bytes),
            _ago(row.last_used),
            state,
        )
    out.print(table)


@branches_app.command(short_help="Install the git post-checkout hook (chains an existing one).")
def on(
    detached: bool = typer.Option(
        False, "--detached", help="A detached HEAD gets its own database too."
    ),
    project: Path | None = ProjectOpt,
) -> None:
    """Install the git post-checkout hook (chained before an existing hook; a `post-checkout`
    stage entry in .pre-commit-config.yaml when the project uses pre-commit).

    Example: devdb branches on
    """
    from devdb.branches.onoff import enable

    change = run(lambda: enable(load(project), detached=detached))
    verb = "installed" if change.changed else "already installed"
    out.print(f"branch databases on: {change.how} {verb} in {change.path}", markup=False)
    if change.note:
        err.print(f"[dim]{change.note}[/]")


@branches_app.command(short_help="Remove exactly what `on` added; the databases stay.")
def off(project: Path | None = ProjectOpt) -> None:
    """Remove exactly what `devdb branches on` added. Branch databases stay (prune drops them).

    Example: devdb branches off
    """
    from devdb.branches.hook import uninstall

    changes = run(lambda: uninstall(load(project).project_root))
    if not changes:
        out.print("branch databases were not on: nothing to remove")
    for change in changes:
        out.print(
            f"branch databases off: removed devdb's {change.how} from {change.path}", markup=False
        )


@branches_app.command(short_help="Drop databases of deleted/merged branches (and beyond --keep N).")
def prune(
    keep: int | None = typer.Option(
        None, "--keep", "-k", help="Also keep only the N most recently used branch databases."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be dropped."),
    project: Path | None = ProjectOpt,
) -> None:
    """Drop the databases of branches deleted or merged in git (and beyond --keep N). The
    checked-out branch's database is never dropped.

    Examples:
      devdb branches prune
      devdb branches prune --keep 3 --dry-run
    """
    if keep is not None and keep < 0:
        raise typer.BadParameter("0 or more", param_hint="--keep")
    from devdb.branches.prune import prune as run_prune

    pruned = run(lambda: run_prune(load(project), keep=keep, dry_run=dry_run))
    verb = "would drop" if dry_run else "dropped"
    if not pruned:
        out.print("nothing to prune")
    for item in pruned:
        out.print(f"{verb} {item.database} ({item.branch}: {item.why})", markup=False)


@branches_app.command(
    "_switch",
    hidden=True,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def switch_command(ctx: typer.Context) -> None:
    """Run by the post-checkout hook; never fails (one line, exit 0)."""
    from devdb.branches.switch import hook_main

    raise typer.Exit(hook_main(ctx.args))


def register(app: typer.Typer) -> None:
    app.add_typer(branches_app, name="branches")
