"""Synthetic Alembic projects for the benchmarks: a chain of N revisions, fixtures, devdb config.

    from bench.synth import generate_chain, add_revision, copy_demo
    root = generate_chain(Path("/tmp/x"), 200, engine="docker")   # then: devdb up --no-app

The chain looks like a real backend's history: revision 1 creates the vector extension and
`accounts`, 2 creates `documents` with a vector(384) column, 3 adds a raw-SQL HNSW index, 5 a
raw-SQL expression index; after that it cycles through new tables (some with vector(384)),
added columns with indexes, and jsonb tables. Fixtures: `01_accounts.csv` (200 rows) and
`02_documents.sql` (500 rows with deterministic embeddings). `migrations/env.py` reads DB_URL
from the environment, like most backends.
"""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path

ACCOUNTS = 200
DOCUMENTS = 500

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

ENV_PY = '''\
"""Alembic environment: the URL comes from DB_URL in the environment."""

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = None


def run_migrations_offline():
    context.configure(url=os.environ.get("DB_URL"), literal_binds=True, dialect_name="postgresql")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(os.environ["DB_URL"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

SCRIPT_MAKO = '''\
"""${message}"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

ENV_EXAMPLE = """\
# Synthetic bench backend. devdb fills the DB_* values.
DB_URL=postgresql+psycopg://app:change-me@localhost:5432/app
DB_USER=app
DB_PASSWORD=change-me
DB_NAME=app
SECRET_KEY=bench-secret
"""

HEADER = '''\
"""{doc}

Revision ID: {rev}
Revises: {down}
"""
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

revision = "{rev}"
down_revision = {down_repr}
branch_labels = None
depends_on = None

'''


def rev_id(k: int) -> str:
    return f"r{k:04d}"


def _fixed_revision(k: int) -> tuple[str, str, str] | None:
    """The first revisions every chain starts with: (doc, upgrade body, downgrade body)."""
    if k == 1:
        return (
            "vector extension and accounts",
            """    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("email", sa.Text(), nullable=False, unique=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
""",
            """    op.drop_table("accounts")
""",
        )
    if k == 2:
        return (
            "documents with embeddings",
            """    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("account_id", sa.BigInteger(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        sa.Column("embedding", Vector(384)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.create_index("ix_documents_account_id", "documents", ["account_id"])
""",
            """    op.drop_table("documents")
""",
        )
    if k == 3:
        return (
            "HNSW index on documents.embedding (raw SQL)",
            """    op.execute(
        "CREATE INDEX ix_documents_embedding ON documents "
        "USING hnsw (embedding vector_cosine_ops)"
    )
""",
            """    op.execute("DROP INDEX ix_documents_embedding")
""",
        )
    if k == 5:
        return (
            "case-insensitive email lookup (raw SQL)",
            """    op.execute("CREATE INDEX ix_accounts_lower_email ON accounts (lower(email))")
""",
            """    op.execute("DROP INDEX ix_accounts_lower_email")
""",
        )
    return None


def _cycled_revision(k: int, last_table: str) -> tuple[str, str, str, str]:
    """(doc, upgrade, downgrade, newest table) for revision k >= 4, by shape k % 4."""
    table = f"t{k:04d}"
    shape = k % 4
    if shape == 0:
        return (
            f"{table} with embeddings",
            f"""    op.create_table(
        "{table}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("account_id", sa.BigInteger(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("embedding", Vector(384)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.create_index("ix_{table}_account_id", "{table}", ["account_id"])
""",
            f"""    op.drop_table("{table}")
""",
            table,
        )
    if shape == 1:
        return (
            f"{table}",
            f"""    op.create_table(
        "{table}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
        sa.UniqueConstraint("name", name="uq_{table}_name"),
    )
""",
            f"""    op.drop_table("{table}")
""",
            table,
        )
    if shape == 2:
        return (
            f"columns c{k:04d}_* on {last_table}",
            f"""    op.add_column("{last_table}", sa.Column("c{k:04d}_flag", sa.Boolean(), nullable=True))
    op.add_column("{last_table}", sa.Column("c{k:04d}_note", sa.Text(), nullable=True))
    op.create_index("ix_{last_table}_c{k:04d}", "{last_table}", ["c{k:04d}_flag"])
""",
            f"""    op.drop_index("ix_{last_table}_c{k:04d}", table_name="{last_table}")
    op.drop_column("{last_table}", "c{k:04d}_note")
    op.drop_column("{last_table}", "c{k:04d}_flag")
""",
            last_table,
        )
    return (
        f"{table} (jsonb)",
        f"""    op.create_table(
        "{table}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("document_id", sa.BigInteger(), sa.ForeignKey("documents.id")),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
    )
    op.create_index("ix_{table}_document_id", "{table}", ["document_id"])
""",
        f"""    op.drop_table("{table}")
""",
        table,
    )


def _revision_source(k: int, last_table: str) -> tuple[str, str, str]:
    """(file name, source, newest table) of revision k."""
    fixed = _fixed_revision(k)
    if fixed is not None:
        doc, up, down = fixed
    else:
        doc, up, down, last_table = _cycled_revision(k, last_table)
    prev = rev_id(k - 1) if k > 1 else None
    source = HEADER.format(
        doc=doc,
        rev=rev_id(k),
        down=prev or "<base>",
        down_repr=json.dumps(prev) if prev else "None",
    )
    source += f"\ndef upgrade():\n{up}\n\ndef downgrade():\n{down}"
    slug = "_".join("".join(c if c.isalnum() else " " for c in doc.lower()).split())[:30]
    return f"{k:04d}_{slug}.py", source, last_table


def _fixtures(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["id,email,name"]
    rows += [f"{i},user{i}@example.com,User {i}" for i in range(1, ACCOUNTS + 1)]
    (folder / "01_accounts.csv").write_text("\n".join(rows) + "\n")
    (folder / "02_documents.sql").write_text(
        f"""-- {DOCUMENTS} documents with deterministic 384-d embeddings.
INSERT INTO documents (id, account_id, title, body, embedding)
SELECT g,
       (g - 1) % {ACCOUNTS} + 1,
       'Document ' || g,
       repeat('lorem ipsum dolor sit amet ', 8),
       (SELECT array_agg(sin(g * 0.37 + i * 0.011)) FROM generate_series(1, 384) AS i)::vector(384)
FROM generate_series(1, {DOCUMENTS}) AS g
ON CONFLICT (id) DO NOTHING;
SELECT setval(pg_get_serial_sequence('documents', 'id'), {DOCUMENTS});
"""
    )


CHAIN_PATHS = {
    "alembic_ini": "alembic.ini",
    "env_example": "env.example",
    "fixtures_dir": "fixtures",
}
DEMO_PATHS = {
    "alembic_ini": "backend/py/alembic.ini",
    "env_example": "backend/py/env.example",
    "fixtures_dir": "backend/py/fixtures",
    "app_dir": "backend/py",
}
DEMO = Path(__file__).resolve().parents[1] / "backend"


def write_pyproject(
    root: Path, name: str, engine: str, image: str | None, paths: dict[str, str]
) -> None:
    """A pyproject.toml whose [tool.devdb] points devdb at the project's files."""
    table = {"engine": engine, **paths, "python": sys.executable}
    if image:
        table["image"] = image
    lines = ["[project]", f'name = "{name}"', 'version = "0.0.0"', "", "[tool.devdb]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n")


def copy_demo(root: Path, engine: str, image: str | None = None) -> Path:
    """The demo backend copied under `root` (a new folder; its name is the project's)."""
    shutil.copytree(DEMO, root / "backend", ignore=shutil.ignore_patterns("__pycache__", ".env"))
    write_pyproject(root, root.name, engine, image, DEMO_PATHS)
    return root


def generate_chain(
    root: Path,
    n: int,
    *,
    engine: str = "auto",
    image: str | None = None,
    name: str | None = None,
) -> Path:
    """Write a self-contained Alembic project with `n` revisions under `root`; returns `root`.

    `name` (default: unique) becomes the project name, hence devdb's container/database names.
    """
    if n < 1:
        raise ValueError("a chain needs at least one revision")
    root = Path(root)
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(ALEMBIC_INI)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "migrations" / "script.py.mako").write_text(SCRIPT_MAKO)
    (root / "env.example").write_text(ENV_EXAMPLE)
    last_table = "documents"
    for k in range(1, n + 1):
        filename, source, last_table = _revision_source(k, last_table)
        (versions / filename).write_text(source)
    _fixtures(root / "fixtures")
    write_pyproject(root, name or f"bench-{uuid.uuid4().hex[:8]}-r{n}", engine, image, CHAIN_PATHS)
    return root


def chain_length(root: Path) -> int:
    return len(list((Path(root) / "migrations" / "versions").glob("[0-9]*.py")))


def add_revision(root: Path) -> str:
    """Append one revision (a new table with an index) to the chain; returns its id."""
    k = chain_length(root) + 1
    table = f"added_{k:04d}"
    prev = rev_id(k - 1)
    source = HEADER.format(doc=f"{table}", rev=rev_id(k), down=prev, down_repr=json.dumps(prev)) + (
        f"""
def upgrade():
    op.create_table(
        "{table}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("account_id", sa.BigInteger(), sa.ForeignKey("accounts.id")),
        sa.Column("embedding", Vector(384)),
    )
    op.create_index("ix_{table}_account_id", "{table}", ["account_id"])


def downgrade():
    op.drop_table("{table}")
"""
    )
    (Path(root) / "migrations" / "versions" / f"{k:04d}_{table}.py").write_text(source)
    return rev_id(k)
