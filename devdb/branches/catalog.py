"""Which branch owns which database: names, the record in the state, the listing.

The app's database name always holds the checked-out branch's data; every other branch's
database waits under `<db[:24]>__branch_<slug>_<hash8>` until its branch comes back.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devdb.server.checkout import Project
    from devdb.server.engines.base import Server

BRANCH = "__branch_"
SLUG_BYTES = 21  # 24 + len("__branch_") + 21 + 1 + 8 = 63, PostgreSQL's identifier limit
STATE_KEY = "branches"  # state.extra: {"current": name, "known": {branch: record}}


def branch_slug(branch: str) -> str:
    """Lowercase letters, digits and single underscores from the branch name, short."""
    slug = re.sub(r"[^a-z0-9]+", "_", branch.lower()).strip("_")
    return slug[:SLUG_BYTES].rstrip("_")


def branch_hash(branch: str) -> str:
    return hashlib.sha256(branch.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def database_for(database: str, branch: str) -> str:
    """Where `branch`'s data waits while another branch is checked out."""
    return f"{database[:24]}{BRANCH}{branch_slug(branch)}_{branch_hash(branch)}"


def incoming_name(database: str, branch: str) -> str:
    """A branch's first database while it is cloned and migrated, before the swap."""
    return f"{database[:24]}__branchnew_{branch_hash(branch)}"


def record(project: Project) -> dict[str, Any]:
    """The branches part of the state, made on first use."""
    found = project.state.extra.setdefault(STATE_KEY, {})
    found.setdefault("known", {})
    return found


def current(project: Project) -> str | None:
    value = project.state.extra.get(STATE_KEY, {}).get("current")
    return value if isinstance(value, str) else None


def remember(project: Project, branch: str, revision: list[str], **details: Any) -> None:
    entry = record(project)["known"].setdefault(branch, {})
    entry.update(details, revision=revision, last_used=time.time())


def forget(project: Project, branch: str) -> None:
    record(project)["known"].pop(branch, None)


@dataclass
class BranchRow:
    branch: str
    database: str
    revision: list[str]
    size_bytes: int | None
    last_used: float | None
    gone: bool  # the branch no longer exists in git
    merged: bool
    current: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rows(
    project: Project, server: Server | None, branches: set[str], merged: set[str]
) -> list[BranchRow]:
    """Every branch devdb keeps a database for, the checked-out one first. `branches`: the
    local branches git has now; `merged`: those all in HEAD."""
    sizes = _sizes(server, project.database) if server is not None else {}
    known: dict[str, Any] = project.state.extra.get(STATE_KEY, {}).get("known", {})
    here = current(project)
    found = []
    for branch, entry in known.items():
        name = project.database if branch == here else database_for(project.database, branch)
        if server is not None and name not in sizes:
            continue  # dropped outside devdb (or by prune)
        found.append(
            BranchRow(
                branch=branch,
                database=name,
                revision=list(entry.get("revision") or []),
                size_bytes=sizes.get(name),
                last_used=entry.get("last_used"),
                gone=not branch.startswith("HEAD@") and branch not in branches,
                merged=branch in merged,
                current=branch == here,
            )
        )
    found.sort(key=lambda row: (not row.current, -(row.last_used or 0)))
    return found


def _sizes(server: Server, database: str) -> dict[str, int]:
    from devdb.copies.snapshots import admin_connection

    conn = admin_connection(server)
    listed = conn.execute(
        "SELECT datname, pg_database_size(oid) FROM pg_database"
        " WHERE datname = %s OR starts_with(datname, %s)",
        (database, f"{database[:24]}{BRANCH}"),
    ).fetchall()
    return {name: size for name, size in listed}


def describe_current(project: Project) -> str | None:
    """One line for `devdb status`: the branch whose database is in use, from the state only."""
    here = current(project)
    if here is None:
        return None
    from devdb.branches.git import current_branch

    others = [b for b in project.state.extra.get(STATE_KEY, {}).get("known", {}) if b != here]
    kept = f"; {len(others)} other branch database(s) kept (devdb branches)" if others else ""
    checked_out = current_branch(project.config.project_root)
    if checked_out not in (None, here):  # the hook could not switch (server stopped?)
        return (
            f"database {project.database} still holds branch {here}'s data, but {checked_out} "
            f"is checked out: `git switch {here} && devdb up --no-app && git switch "
            f"{checked_out}` brings {checked_out}'s"
        )
    return f"database {project.database} holds branch {here}'s data{kept}"
