"""DD0xx: about the linting itself (suppressions, files that cannot be read or rendered).

The engine emits these; this module only describes them.
"""

from __future__ import annotations

from devdb.lint.model import register

G = "meta"

register(
    "DD001",
    "error",
    "suppression without a reason",
    why="An ignore with no reason hides a risk nobody can review later; it is not honoured.",
    safer="Write why it is safe after the code: `# devdb: ignore DD102 -- column unused "
    "since release 41 (contract step)` (on the line, or `ignore-file` for the file).",
    example="op.drop_column('users', 'legacy')  # devdb: ignore[DD102]",
    group=G,
)
register(
    "DD002",
    "warning",
    "suppression names an unknown rule code",
    why="A typo in an ignore silently ignores nothing.",
    safer="Use a code from the rule table in the README (devdb.lint.RULES).",
    example="# devdb: ignore[DD999] typo",
    group=G,
)
register(
    "DD003",
    "error",
    "migration file does not parse",
    why="Alembic cannot load a file with a syntax error; nothing else in it can be checked.",
    safer="Fix the syntax error (python -m py_compile FILE).",
    example="def upgrade(:",
    group=G,
)
register(
    "DD004",
    "info",
    "upgrade() could not be rendered to SQL offline",
    why="The SQL rules (locks, pgvector, destructive changes) only saw the statements "
    "rendered before the failure.",
    safer="Make upgrade() work in `alembic upgrade --sql` mode: use op.* and op.execute "
    "instead of reading from the database, and make the app importable (import_paths).",
    example="rows = op.get_bind().execute(...).fetchall(); rows[0].id",
    group=G,
)
register(
    "DD005",
    "warning",
    "rendered SQL could not be parsed",
    why="A statement PostgreSQL's parser rejects was not checked (and will fail on deploy).",
    safer="Check the SQL passed to op.execute() against PostgreSQL syntax.",
    example="op.execute('ALTER TABLE users ADD COLUM x int')",
    group=G,
)
