"""`devdb lint`: choose which migrations to lint, then run the linter over them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devdb.config import Config, require_alembic
from devdb.errors import DevdbError

if TYPE_CHECKING:
    from devdb.lint import LintConfig, LintReport


@dataclass
class LintRun:
    report: LintReport
    selected: list[Path]
    reason: str


def lint_config(config: Config) -> LintConfig:
    from devdb.lint import LintConfig

    paths = [p for p in (config.app_dir, config.migrations_dir, config.project_root) if p]
    lint_settings = LintConfig(
        embedding_dim=config.embedding_dim,
        preinstalled_extensions=set(config.extensions),
        import_paths=list(dict.fromkeys(paths)),
    )
    if config.sensitive_tables:
        lint_settings.sensitive_table_patterns = list(config.sensitive_tables)
    return lint_settings


def _git(root: Path, *args: str) -> list[str]:
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return result.stdout.splitlines() if result.returncode == 0 else []


def git_changed(root: Path) -> set[Path]:
    """Files changed on this branch (against the default branch) plus uncommitted ones."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if not top:
        return set()
    base_dir = Path(top[0])
    changed = set(_git(root, "diff", "--name-only", "HEAD"))
    changed |= set(_git(root, "ls-files", "--others", "--exclude-standard"))
    for default in ("origin/HEAD", "main", "master"):
        base = _git(root, "merge-base", "HEAD", default)
        if base:
            changed |= set(_git(root, "diff", "--name-only", base[0], "HEAD"))
            break
    return {(base_dir / name).resolve() for name in changed}


def _unapplied(config: Config, graph: dict[str, tuple[tuple[str, ...], Path]]) -> set[str] | None:
    """Revisions not applied to the local database; None when there is no database to ask."""
    from devdb.core.project import open_project
    from devdb.core.reset import live_server

    project = open_project(config, create=False)
    server = live_server(project)
    if server is None:
        return None
    import psycopg

    from devdb.migrations.scripts import ancestors, db_revisions, find_heads

    try:
        with psycopg.connect(server.conninfo(project.database), connect_timeout=2) as conn:
            current = db_revisions(conn)
    except psycopg.Error:
        return None
    return ancestors(graph, find_heads(graph)) - ancestors(graph, current)


def select(
    config: Config, targets: list[str], everything: bool
) -> tuple[list[Path], list[Path], str]:
    """(files to lint, every revision file, why these)."""
    from devdb.migrations.scripts import migration_files, parse_revision_ids

    ini = require_alembic(config)
    all_files = migration_files(ini)
    graph = parse_revision_ids(all_files)
    if everything:
        return all_files, all_files, "all migrations"
    if targets:
        chosen: list[Path] = []
        for target in targets:
            path = Path(target)
            if target in graph:
                chosen.append(graph[target][1])
            elif path.exists():
                chosen.append(path.resolve())
            else:
                raise DevdbError(
                    f"{target} is neither a revision id nor a file",
                    "devdb lint --all lints everything",
                )
        return chosen, all_files, "as asked"
    unapplied = _unapplied(config, graph)
    changed = git_changed(config.project_root)
    chosen_set = {path.resolve() for path in all_files if path.resolve() in changed}
    reasons = ["changed on this branch"]
    if unapplied is not None:
        chosen_set |= {graph[rev][1].resolve() for rev in unapplied}
        reasons.insert(0, "not applied locally")
    return sorted(chosen_set), all_files, " or ".join(reasons)


def lint(config: Config, targets: list[str], *, everything: bool = False) -> LintRun:
    from devdb.lint import lint_files

    chosen, all_files, reason = select(config, targets, everything)
    report = lint_files(chosen, lint_config(config), all_revision_files=all_files)
    return LintRun(report, chosen, reason)
