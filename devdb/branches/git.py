"""What git says about the checkout: the branch at HEAD, the branches that exist, the hooks folder.
Stdlib only: this runs inside a post-checkout hook."""

from __future__ import annotations

import subprocess
from pathlib import Path

from devdb.errors import DevdbError


def git(root: Path, *args: str) -> str:
    """stdout of `git args` in `root`, stripped; DevdbError when git fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DevdbError(f"git {' '.join(args)} did not run: {exc}", "is git installed?") from None
    if done.returncode != 0 and "not a git repository" in done.stderr:
        raise DevdbError(
            f"{root} is not in a git repository",
            "branch databases follow git's branches: use them in a git checkout",
        )
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise DevdbError(f"git {' '.join(args)} failed: {detail[0]}", "is this a git checkout?")
    return done.stdout.strip()


def _git_or_none(root: Path, *args: str) -> str | None:
    try:
        return git(root, *args) or None
    except DevdbError:
        return None


def current_branch(root: Path) -> str | None:
    """The branch HEAD points at; None when HEAD is detached (or no git)."""
    return _git_or_none(root, "symbolic-ref", "--quiet", "--short", "HEAD")


def head_commit(root: Path) -> str | None:
    return _git_or_none(root, "rev-parse", "--verify", "--quiet", "HEAD")


def previous_branch(root: Path) -> str | None:
    """The branch checked out before this one (`git switch -`), when git remembers it."""
    name = _git_or_none(root, "rev-parse", "--abbrev-ref", "@{-1}")
    return None if name in (None, "HEAD") else name


def rebasing(root: Path) -> bool:
    """A rebase is under way (its steps check out detached commits; git 2.39 does not set
    GIT_REFLOG_ACTION for the hook then)."""
    for folder in ("rebase-merge", "rebase-apply"):
        path = _git_or_none(root, "rev-parse", "--git-path", folder)
        if path and (root / path).is_dir():
            return True
    return False


def detached_name(commit: str) -> str:
    """The "branch" of a detached HEAD, when detached checkouts get their own database."""
    return f"HEAD@{commit[:12]}"


def local_branches(root: Path) -> set[str]:
    listed = git(root, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
    return {line for line in listed.splitlines() if line}


def merged_branches(root: Path) -> set[str]:
    """Branches whose commits are all in HEAD, that point elsewhere than HEAD, and that had
    commits of their own (their reflog shows more than the creation): a branch just made,
    with nothing committed yet, is not "merged" even when the branch it came from moved on."""
    head = head_commit(root)
    listed = git(root, "for-each-ref", "--merged=HEAD", "--format=%(refname:short) %(objectname)")
    merged = set()
    for line in listed.splitlines():
        name, _, commit = line.rpartition(" ")
        if not name or commit == head:
            continue
        history = _git_or_none(root, "reflog", "show", "--format=%H", f"refs/heads/{name}")
        if history and len(history.splitlines()) > 1:
            merged.add(name)
    return merged


def toplevel(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--show-toplevel"))


def hooks_dir(root: Path) -> Path:
    """Where git looks for hooks: core.hooksPath when set, else the common git dir's hooks
    (shared by every worktree)."""
    configured = _git_or_none(root, "config", "--get", "core.hooksPath")
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_absolute() else toplevel(root) / path
    common = Path(git(root, "rev-parse", "--git-common-dir"))
    return (common if common.is_absolute() else root / common).resolve() / "hooks"
