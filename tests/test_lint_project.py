"""Project facts for the linter: the embedding dimension, lock_timeout in env.py, and the
[tool.devdb.lint] table."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from devdb.commands.lint import lint_config, project_findings
from devdb.errors import DevdbError
from devdb.lint.project import discover_dimensions, env_sets_lock_timeout, model_name_dim
from devdb.project.config import read_config


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def test_models_vector_literal_wins(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {"app/models.py": "emb = Column(Vector(1536))\n", ".env.example": "EMBEDDING_DIM=384\n"},
    )
    found = discover_dimensions(tmp_path, [tmp_path / ".env.example"])
    assert list(found.dims) == [1536] and "app/models.py:1" in found.dims[1536]


def test_vector_of_a_named_constant_and_a_settings_field(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "app/settings.py": """
                class Settings:
                    embedding_dimensions: int = Field(768, description="model output")
                settings = Settings()
            """,
            "app/models.py": "col = mapped_column(Vector(settings.embedding_dimensions))\n",
        },
    )
    assert list(discover_dimensions(tmp_path).dims) == [768]


def test_settings_constant_env_key_and_model_name_in_that_order(tmp_path: Path) -> None:
    tree(tmp_path, {"app/config.py": "EMBED_DIM = 512\n", ".env.example": "EMBEDDING_DIM=384\n"})
    assert list(discover_dimensions(tmp_path, [tmp_path / ".env.example"]).dims) == [512]
    other = tmp_path / "other"
    tree(
        other,
        {".env.example": "OPENAI_EMBEDDING_DIMENSIONS=3072\nEMBEDDING_MODEL=all-MiniLM-L6-v2\n"},
    )
    assert list(discover_dimensions(other, [other / ".env.example"]).dims) == [3072]
    named = tmp_path / "named"
    tree(named, {".env.example": "EMBEDDING_MODEL=text-embedding-3-small  # openai\n"})
    assert list(discover_dimensions(named, [named / ".env.example"]).dims) == [1536]


def test_unknown_dimension_is_empty_and_migrations_are_skipped(tmp_path: Path) -> None:
    tree(tmp_path, {"migrations/versions/0001.py": "x = Vector(1024)\n", "app/main.py": "x = 1\n"})
    assert discover_dimensions(tmp_path, skip_dirs=[tmp_path / "migrations"]).dims == {}


def test_model_names() -> None:
    assert model_name_dim("BAAI/bge-large-en-v1.5") == 1024
    assert model_name_dim("multilingual-e5-large") == 1024
    assert model_name_dim("intfloat/e5-small-v2") == 384
    assert model_name_dim("gpt-4o") is None


ENV_NO_TIMEOUT = """
from alembic import context
from sqlalchemy import engine_from_config
from app.db import engine  # lock_timeout in a comment does not count

with engine.connect() as connection:
    context.configure(connection=connection)
"""


def test_env_py_lock_timeout_forms(tmp_path: Path) -> None:
    env = tmp_path / "migrations" / "env.py"
    tree(tmp_path, {"migrations/env.py": ENV_NO_TIMEOUT, "app/db.py": "engine = None\n"})
    assert not env_sets_lock_timeout(env, [tmp_path])
    (tmp_path / "app" / "db.py").write_text(
        'engine = create_engine(URL, connect_args={"options": "-c lock_timeout=5s"})\n'
    )
    assert env_sets_lock_timeout(env, [tmp_path])  # the app's engine, imported by env.py
    env.write_text(ENV_NO_TIMEOUT.replace("from app.db import engine", "engine = None"))
    assert not env_sets_lock_timeout(env, [tmp_path])
    env.write_text(
        env.read_text() + "\n# later\nconnection.exec_driver_sql(\"SET lock_timeout TO '3s'\")\n"
    )
    assert env_sets_lock_timeout(env, [tmp_path])


ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"


def project(tmp_path: Path, lint_table: str = "") -> Path:
    root = tmp_path / "proj"
    tree(
        root,
        {
            "pyproject.toml": '[project]\nname = "p"\n\n[tool.devdb]\nalembic_ini = "alembic.ini"\n'
            'engine = "embedded"\n' + lint_table,
            "alembic.ini": ALEMBIC_INI,
            "migrations/env.py": ENV_NO_TIMEOUT.replace("from app.db import engine", ""),
            "migrations/versions/.keep": "",
        },
    )
    return root


def test_project_finding_on_env_py_with_its_fix(tmp_path: Path) -> None:
    config = read_config(project(tmp_path))
    (finding,) = project_findings(config)
    assert finding.code == "DD210" and finding.path.endswith("env.py") and finding.line == 5
    assert "SET lock_timeout = '5s'" in finding.message and "commit()" in finding.message


def test_lint_table_relevels_disables_and_checks(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '\n[tool.devdb.lint]\ndisable = ["DD110"]\nseverity = { DD205 = "warning", DD210 = "error" }\n',
    )
    config = read_config(root)
    settings = lint_config(config)
    assert settings.disabled == {"DD110"} and settings.severities["DD205"] == "warning"
    assert [f.severity for f in project_findings(config)] == ["error"]
    for bad in (
        "nope = 1",
        'disable = ["DD999"]',
        'severity = { DD205 = "loud" }',
        'fail_on = "info"',
    ):
        bad_root = project(tmp_path / bad.split()[0], f"\n[tool.devdb.lint]\n{bad}\n")
        with pytest.raises(DevdbError):
            lint_config(read_config(bad_root))


def test_assume_lock_timeout_silences_the_project_finding(tmp_path: Path) -> None:
    root = project(tmp_path, "\n[tool.devdb.lint]\nassume_lock_timeout = true\n")
    assert project_findings(read_config(root)) == []


def test_autogenerate_marker_is_a_checklist_item_not_a_finding() -> None:
    from devdb.lint.checklist import collect, render

    source = (
        "def upgrade():\n"
        "    # ### commands auto generated by Alembic - please adjust! ###\n"
        "    op.add_column('t', sa.Column('c', sa.Text(), nullable=True))\n"
    )
    block = render(collect(source), [])
    assert "[ ] Autogenerate's 'please adjust!' marker" in block
    assert "marker" not in render(collect(source.replace("please adjust!", "x")), [])


MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down}


def upgrade():
    {body}


def downgrade():
    raise NotImplementedError("test")
"""


def git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_tables_created_on_this_branch_are_new_to_lock_rules(tmp_path: Path) -> None:
    from devdb.commands.lint import lint

    root = project(tmp_path)
    versions = root / "migrations" / "versions"
    (versions / "r1.py").write_text(
        MIGRATION.format(
            rev="r1", down=None, body='op.create_table("a", sa.Column("id", sa.Integer()))'
        )
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "released")
    git(root, "checkout", "-qb", "feature")
    (versions / "r2.py").write_text(
        MIGRATION.format(
            rev="r2", down='"r1"', body='op.create_table("b", sa.Column("id", sa.Integer()))'
        )
    )
    (versions / "r3.py").write_text(
        MIGRATION.format(
            rev="r3",
            down='"r2"',
            body='op.create_index("ix_b_id", "b", ["id"])\n    op.create_index("ix_a_id", "a", ["id"])',
        )
    )
    run = lint(read_config(root), ["r3"])
    # b comes from an unreleased revision (this branch): new; a is released: a long lock
    assert [(f.code, f.message) for f in run.report.findings] == [
        ("DD204", "builds index ix_a_id on a in place")
    ]
    off = project(tmp_path / "off", "\n[tool.devdb.lint]\nrelease_branch = false\n")
    for name in ("r1.py", "r2.py", "r3.py"):
        (off / "migrations" / "versions" / name).write_text((versions / name).read_text())
    assert len(lint(read_config(off), ["r3"]).report.findings) == 2


def test_a_revision_template_that_sets_lock_timeout_counts(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert len(project_findings(read_config(root))) == 1
    (root / "migrations" / "script.py.mako").write_text(
        "def upgrade():\n    op.execute(\"SET LOCAL lock_timeout = '5s'\")\n    ${upgrades}\n"
    )
    assert project_findings(read_config(root)) == []


def test_model_name_in_a_settings_default(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "app/config.py": 'EMBEDDING_MODEL = os.getenv("EMBEDDING_MODEL", "nomic-embed-text")\n',
            "app/models.py": "emb = Column(Vector(get_dim()))\n",
        },
    )
    found = discover_dimensions(tmp_path)
    assert list(found.dims) == [768] and "app/config.py" in found.dims[768]
