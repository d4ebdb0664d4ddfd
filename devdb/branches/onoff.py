"""Turning branch databases on (`devdb branches on`, `branches = true` at `up`) and the
listing of `devdb branches`: the hook's file edits joined to the project's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devdb.branches import catalog
from devdb.branches.catalog import BranchRow
from devdb.branches.hook import HookChange, install, installed
from devdb.errors import DevdbError

if TYPE_CHECKING:
    from devdb.project.config import Config
    from devdb.server.checkout import Project


def turn_on(project: Project, *, detached: bool = False) -> HookChange:
    """Install the hook and note the checked-out branch as the owner of the data in place.
    The caller holds the project lock."""
    from devdb.branches.git import current_branch

    root = project.config.project_root
    change = install(root, detached=detached)
    branch = current_branch(root)
    if branch is not None and catalog.current(project) is None:
        catalog.record(project)["current"] = branch
        revision = project.state.extra.get("revision") or []
        catalog.remember(project, branch, list(revision))
        project.save()
    return change


def follow_config(project: Project) -> None:
    """`branches = true` in the config: `devdb up` turns the hook on (quietly; a checkout
    outside git, or a hook devdb cannot edit, is left as it is)."""
    from devdb.project.config import _read_pyproject, _read_toml_table

    root = project.config.project_root
    table, _ = _read_toml_table(root, *_read_pyproject(root))
    if table.get("branches") is not True:
        return
    try:
        if not installed(root):
            turn_on(project)
    except (DevdbError, OSError):
        return


def enable(config: Config, *, detached: bool = False) -> HookChange:
    """`devdb branches on`."""
    from devdb.server.checkout import open_project, project_lock

    with project_lock(config):
        return turn_on(open_project(config), detached=detached)


def list_branches(config: Config) -> tuple[list[BranchRow], bool]:
    """(the rows, is the hook installed). Sizes and the "exists" check need the server;
    when it is stopped, the rows come from the state alone."""
    from devdb.branches.git import local_branches, merged_branches
    from devdb.copies.databases import live_server
    from devdb.server.checkout import open_project

    project = open_project(config, create=False)
    root = config.project_root
    return (
        catalog.rows(project, live_server(project), local_branches(root), merged_branches(root)),
        installed(root),
    )
