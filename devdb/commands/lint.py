"""`devdb lint`: choose which migrations to lint, then run the linter over them."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError
from devdb.project.config import Config, require_alembic

if TYPE_CHECKING:
    from devdb.lint import Finding, LintConfig, LintReport
    from devdb.lint.engine import LiveRunner
    from devdb.lint.sqlrender import Rendered
    from devdb.server.engines.base import Server


@dataclass
class LintRun:
    report: LintReport
    selected: list[Path]
    reason: str
    fail_on: str = "error"
    project: list[Finding] = field(default_factory=list)  # findings on env.py (lint --all)


_LINT_KEYS = {"disable", "severity", "fail_on", "release_branch", "assume_lock_timeout"}


def lint_table(config: Config) -> dict[str, Any]:
    """[tool.devdb.lint] (or [lint] in devdb.toml), checked."""
    from devdb.lint import RULES
    from devdb.lint.model import SEVERITIES
    from devdb.project.config import _read_pyproject, _read_toml_table

    pyproject, error = _read_pyproject(config.project_root)
    table, source = _read_toml_table(config.project_root, pyproject, error)
    settings = table.get("lint", {})
    where = f"{source} lint"
    if not isinstance(settings, dict):
        raise DevdbError(f"{where} is not a table", "write it as [tool.devdb.lint]")
    unknown = set(settings) - _LINT_KEYS
    if unknown:
        raise DevdbError(
            f"unknown key(s) in {where}: {', '.join(sorted(unknown))}",
            f"known keys: {', '.join(sorted(_LINT_KEYS))}",
        )
    codes = list(settings.get("disable", [])) + list(settings.get("severity", {}))
    bad = [c for c in codes if str(c).upper() not in RULES]
    if bad:
        raise DevdbError(
            f"{where} names unknown rule code(s): {', '.join(map(str, bad))}",
            "`devdb lint --rules` lists the codes",
        )
    levels = {str(c).upper(): str(v).lower() for c, v in settings.get("severity", {}).items()}
    wrong = {c: v for c, v in levels.items() if v not in SEVERITIES}
    if wrong:
        raise DevdbError(
            f"{where} severity of {', '.join(wrong)} is not one of {', '.join(SEVERITIES)}",
            'write e.g. severity = { DD205 = "warning" }',
        )
    fail_on = settings.get("fail_on", "error")
    if fail_on not in ("error", "warning"):
        raise DevdbError(f"{where} fail_on = {fail_on!r}", 'use "error" or "warning"')
    return {**settings, "severity": levels}


def env_py(config: Config) -> Path | None:
    if config.alembic_ini is None:
        return None
    from devdb.migrations.scripts import script_location

    try:
        path = script_location(config.alembic_ini) / "env.py"
    except DevdbError:
        return None
    return path if path.is_file() else None


def lint_config(
    config: Config, unreleased: set[str] | None = None, table: dict[str, Any] | None = None
) -> LintConfig:
    from devdb.lint import LintConfig
    from devdb.lint.project import discover_dimensions

    settings = lint_table(config) if table is None else table
    paths = [p for p in (config.app_dir, config.migrations_dir, config.project_root) if p]
    examples = [p for p in (config.env_example, *config.env_readers) if p and p.is_file()]
    script_dir = env_py(config)
    skip = [p for p in (script_dir.parent if script_dir else None, config.state_dir) if p]
    dims = (
        {}
        if config.embedding_dim
        else discover_dimensions(config.project_root, examples, skip).dims
    )
    lint_settings = LintConfig(
        embedding_dim=config.embedding_dim,
        embedding_dim_source=f"{config.source} embedding_dim" if config.embedding_dim else "",
        project_dims=dims,
        preinstalled_extensions=set(config.extensions),
        import_paths=list(dict.fromkeys(paths)),
        unreleased_revisions=unreleased or set(),
        disabled={str(c).upper() for c in settings.get("disable", [])},
        severities=settings["severity"],
        assume_lock_timeout=bool(settings.get("assume_lock_timeout", False)),
    )
    if config.sensitive_tables:
        lint_settings.sensitive_table_patterns = list(config.sensitive_tables)
    return lint_settings


def project_findings(config: Config, lint_settings: LintConfig | None = None) -> list[Finding]:
    """Findings about how the project runs its migrations (env.py), reported once."""
    from devdb.lint.project import lock_timeout_finding

    lint_settings = lint_settings or lint_config(config)
    path = env_py(config)
    if path is None or lint_settings.assume_lock_timeout or "DD210" in lint_settings.disabled:
        return []
    search = [p for p in (config.app_dir, config.project_root, *config.python_path) if p]
    also = [path.parent / "script.py.mako", *([config.alembic_ini] if config.alembic_ini else [])]
    finding = lock_timeout_finding(path, config.rel(path), search, also)
    if finding is None:
        return []
    return [replace(finding, severity=lint_settings.severity_of("DD210", finding.severity))]


def unreleased_revisions(
    config: Config,
    graph: dict[str, tuple[tuple[str, ...], Path]],
    table: dict[str, Any] | None = None,
) -> set[str]:
    """Revisions whose files are not on the release branch yet (git): tables they create
    are new to everyone else. `release_branch = false` in [tool.devdb.lint] turns it off."""
    branch = (lint_table(config) if table is None else table).get("release_branch", "auto")
    if branch is False or branch == "":
        return set()
    top = _git(config.project_root, "rev-parse", "--show-toplevel")
    if not top:
        return set()
    candidates = ["origin/HEAD", "main", "master"] if branch in ("auto", True) else [str(branch)]
    for candidate in candidates:
        base = _git(config.project_root, "merge-base", "HEAD", candidate)
        if base:
            break
    else:
        return set()
    released = set(_git(config.project_root, "ls-tree", "-r", "--name-only", base[0]))
    base_dir = Path(top[0]).resolve()
    out: set[str] = set()
    for rev, (_, path) in graph.items():
        try:
            rel = path.resolve().relative_to(base_dir).as_posix()
        except ValueError:
            continue
        if rel not in released:
            out.add(rev)
    return out


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
    from devdb.commands.reset import live_server
    from devdb.server.checkout import open_project

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


def live_runner(config: Config, import_paths: list[Path]) -> LiveRunner:
    """Runs a migration offline rendering cannot handle on a scratch database of the running
    dev server (asked once; None when it is not up): its ancestors first, then it."""
    servers: list[Server | None] = []

    def run(path: Path, ancestors: list[Path]) -> Rendered | None:
        from devdb.commands.reset import live_server
        from devdb.copies import snapshots
        from devdb.copies.databases import create_database, ensure_extensions
        from devdb.lint.live import run_on_database
        from devdb.server.checkout import open_project

        project = open_project(config, create=False)
        if not servers:
            servers.append(live_server(project))
        server = servers[0]
        if server is None:
            return None
        scratch = f"{project.database[:30]}__lint_{uuid.uuid4().hex[:8]}"
        create_database(server, scratch)
        try:
            ensure_extensions(server, scratch, config.extensions, project.engine_name)
            url = server.url(scratch, "postgresql+psycopg")
            return run_on_database(url, ancestors, path, import_paths)
        finally:
            snapshots.drop(server, scratch)

    return run


def lint(config: Config, targets: list[str], *, everything: bool = False) -> LintRun:
    from devdb.lint import lint_files
    from devdb.migrations.scripts import parse_revision_ids

    chosen, all_files, reason = select(config, targets, everything)
    graph = parse_revision_ids(all_files)
    table = lint_table(config)
    settings = lint_config(config, unreleased_revisions(config, graph, table), table)
    live = live_runner(config, settings.import_paths)
    report = lint_files(chosen, settings, all_revision_files=all_files, live=live)
    project = project_findings(config, settings) if everything else []
    if project:
        report.findings[:0] = project
    fail_on = str(table.get("fail_on", "error"))
    return LintRun(report, chosen, reason, fail_on, project)
