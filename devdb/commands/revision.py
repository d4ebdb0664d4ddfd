"""`devdb revision -m`: autogenerate against the local database, then make the review a read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devdb.errors import DevdbError
from devdb.progress import Progress, silent
from devdb.project.config import Config, require_alembic
from devdb.server.checkout import open_project, project_lock
from devdb.server.envsync import app_environment, db_values


@dataclass
class RevisionResult:
    path: Path
    findings: list[str] = field(default_factory=list)
    errors: int = 0
    fixed_pgvector_import: bool = False


def revision(config: Config, message: str, *, progress: Progress = silent) -> RevisionResult:
    from devdb.commands.lint import lint_config
    from devdb.commands.reset import live_server
    from devdb.lint import lint_files
    from devdb.lint.checklist import collect, fix_pgvector_import, insert_checklist, render
    from devdb.migrations.runner import AlembicTarget, MigrationSession
    from devdb.migrations.scripts import migration_files

    if not message.strip():
        raise DevdbError("a revision needs a message", 'devdb revision -m "add documents.summary"')
    with project_lock(config, progress):
        project = open_project(config, create=False)
        server = live_server(project)
        if server is None:
            raise DevdbError(
                "autogenerate needs the local database running", "run `devdb up --no-app` first"
            )
        values, _, _ = db_values(project, server)
        target = AlembicTarget(
            require_alembic(config), config.python, app_environment(project, values)
        )
        progress("autogenerating against the local database")
        with MigrationSession(target).start() as session:
            paths = session.run("revision", {"message": message, "autogenerate": True})["paths"]
    path = Path(paths[0])
    source = path.read_text()
    fixed = fix_pgvector_import(source)
    every_file = migration_files(require_alembic(config))
    first = lint_files([path], lint_config(config), all_revision_files=every_file)
    errors = sum(f.severity == "error" for f in first.findings)
    summary = (
        f"{errors} error(s), {first.warnings} warning(s), {first.infos} info: "
        f"{', '.join(sorted({f.code for f in first.findings}))} (devdb lint {path.name})"
        if first.findings
        else ""
    )
    path.write_text(insert_checklist(fixed, render(collect(fixed), [summary] if summary else [])))
    final = lint_files([path], lint_config(config), all_revision_files=every_file)  # final lines
    lint_lines = [f"{f.code} {f.severity} line {f.line}: {f.message}" for f in final.findings]
    return RevisionResult(path, lint_lines, errors, fixed != source)
