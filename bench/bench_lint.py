"""Time `lint_files` over 200 synthetic migrations (goal: under 10 s, like `devdb lint --all`).

    .venv/bin/python bench/bench_lint.py [--count 200] [--repeat 3]

The migrations form one revision chain (each file also replays its ancestors' schema) and
cycle through typical shapes: new tables with vector columns and indexes, added columns,
concurrent indexes, batched backfills, renames, data fixes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devdb.lint import LintConfig, lint_files

HEADER = '''"""synthetic migration {n}"""
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "r{n:04d}"
down_revision = {down}


def upgrade():
    op.execute("SET lock_timeout = '5s'")
'''

BODIES = [
    # new table with a vector column, FK and indexes (all exempt: the table is new)
    """    op.create_table(
        "items_{n}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("embedding", Vector(384)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.create_index("ix_items_{n}_owner_id", "items_{n}", ["owner_id"])
    op.create_index(
        "ix_items_{n}_embedding",
        "items_{n}",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_ops={{"embedding": "vector_cosine_ops"}},
    )
""",
    # add a nullable column to an earlier table, then index it concurrently
    """    op.add_column("items_{p}", sa.Column("status_{n}", sa.Text(), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_items_{p}_status_{n}", "items_{p}", ["status_{n}"], postgresql_concurrently=True
        )
""",
    # batched backfill with progress output
    """    conn = op.get_bind()
    while True:
        result = conn.execute(
            sa.text(
                "UPDATE items_{p} SET title = trim(title) "
                "WHERE id IN (SELECT id FROM items_{p} WHERE title <> trim(title) LIMIT 1000)"
            )
        )
        print(f"trimmed {{result.rowcount}} titles")
        if result.rowcount == 0:
            break
""",
    # risky on purpose: NOT NULL without default, FK validated in place, plain index
    """    op.add_column("items_{p}", sa.Column("tenant_{n}", sa.Integer(), nullable=False))
    op.create_foreign_key(
        "fk_items_{p}_owner_{n}", "items_{p}", "users", ["owner_id"], ["id"]
    )
    op.create_index("ix_items_{p}_title_{n}", "items_{p}", ["title"])
""",
    # type change with existing_type, rename, drop
    """    op.alter_column(
        "items_{p}", "title", type_=sa.String(500), existing_type=sa.Text()
    )
    op.alter_column("items_{p}", "created_at", new_column_name="created_on_{n}")
    op.execute("UPDATE items_{p} SET title = 'x' WHERE id = {n}")
""",
]

FOOTER = """

def downgrade():
    raise NotImplementedError("synthetic")
"""


def generate(directory: Path, count: int) -> list[Path]:
    paths = []
    (directory / "r0000_base.py").write_text(
        HEADER.format(n=0, down="None")
        + '    op.execute("CREATE EXTENSION IF NOT EXISTS vector")\n'
        + '    op.create_table("users", sa.Column("id", sa.BigInteger(), primary_key=True))\n'
        + BODIES[0].format(n=0, p=0)
        + FOOTER
    )
    paths.append(directory / "r0000_base.py")
    last_table = 0
    for n in range(1, count):
        kind = n % len(BODIES)
        body = BODIES[kind].format(n=n, p=last_table)
        if kind == 0:
            last_table = n
        path = directory / f"r{n:04d}_synthetic.py"
        path.write_text(HEADER.format(n=n, down=f'"r{n - 1:04d}"') + body + FOOTER)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="devdb-bench-lint-") as tmp:
        paths = generate(Path(tmp), args.count)
        times = []
        report = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = lint_files(paths, LintConfig(), all_revision_files=paths)
            times.append(time.perf_counter() - start)
        assert report is not None
        print(
            f"lint_files over {len(paths)} migrations: first run {times[0]:.2f} s, "
            f"median {statistics.median(times):.2f} s over {len(times)} runs "
            f"({1000 * statistics.median(times) / len(paths):.1f} ms/file); "
            f"{report.errors} errors, {report.warnings} warnings"
        )
        status = "OK" if max(times) < 10 else "SLOW"
        print(f"goal < 10 s: {status}")


if __name__ == "__main__":
    main()
