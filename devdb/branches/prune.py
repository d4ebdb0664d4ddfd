"""`devdb branches prune`: drop the databases of branches deleted or merged in git, and all but
the N most recently used. The checked-out branch's data (the app's database) is never dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from devdb.branches import catalog
from devdb.branches.git import local_branches, merged_branches
from devdb.errors import DevdbError

if TYPE_CHECKING:
    from devdb.project.config import Config


@dataclass
class Pruned:
    branch: str
    database: str
    why: str  # gone | merged | beyond --keep


def prune(config: Config, *, keep: int | None = None, dry_run: bool = False) -> list[Pruned]:
    from devdb.copies.databases import live_server
    from devdb.copies.snapshots import drop
    from devdb.server.checkout import open_project, project_lock

    if keep is not None and keep < 0:
        raise DevdbError("--keep must be 0 or more", "e.g. devdb branches prune --keep 3")
    root = config.project_root
    with project_lock(config):
        project = open_project(config, create=False)
        server = live_server(project)
        if server is None:
            raise DevdbError("the database server is not running", "start it with `devdb up`")
        branches = local_branches(root)
        rows = catalog.rows(project, server, branches, merged_branches(root))
        chosen: list[Pruned] = []
        waiting = [row for row in rows if not row.current]
        for row in waiting:
            if row.gone or row.merged:
                chosen.append(Pruned(row.branch, row.database, "gone" if row.gone else "merged"))
        if keep is not None:
            survivors = [row for row in waiting if row.branch not in {p.branch for p in chosen}]
            for row in survivors[keep:]:  # rows are newest first
                chosen.append(Pruned(row.branch, row.database, "beyond --keep"))
        if dry_run:
            return chosen
        for pruned in chosen:
            drop(server, pruned.database)
            catalog.forget(project, pruned.branch)
            project.save()
        listed = {row.branch for row in rows} | {catalog.current(project)}
        for branch in list(catalog.record(project)["known"]):
            if branch not in listed and branch not in branches:  # its database went earlier
                catalog.forget(project, branch)
        project.save()
        return chosen
