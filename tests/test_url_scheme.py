"""Which scheme a database URL gets when no env example shows one (pure logic, files only)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from devdb.project.url_scheme import default_url_scheme, requirement_names

from e2e_util import write_tree


def test_a_readme_line_with_a_driver_wins(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "README.md": "Set:\n\n- `DATABASE_URL=postgresql+psycopg2://user:pw@localhost/app`\n",
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["sqlalchemy", "psycopg[binary]"]\n',
        },
    )
    choice = default_url_scheme([tmp_path], ["DATABASE_URL"])
    assert choice is not None and choice.scheme == "postgresql+psycopg2"
    assert choice.evidence == "README.md:3"


def test_a_readme_line_for_another_key_is_not_evidence(tmp_path: Path) -> None:
    write_tree(tmp_path, {"README.md": "REDIS_URL=postgres+x://nope\n"})
    assert default_url_scheme([tmp_path], ["DATABASE_URL"]) is None


def test_only_psycopg2_declared_with_sqlalchemy_names_psycopg2(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["SQLAlchemy>=2", "psycopg2-binary"]\n'
        },
    )
    choice = default_url_scheme([tmp_path], ["DATABASE_URL"])
    assert choice is not None and choice.scheme == "postgresql+psycopg2"
    assert choice.evidence == "psycopg2-binary in pyproject.toml"


def test_requirements_and_poetry_are_read(tmp_path: Path) -> None:
    write_tree(
        tmp_path / "a",
        {"requirements.txt": "# deps\nsqlmodel==0.0.22\nasyncpg>=0.29 ; python_version>'3'\n"},
    )
    write_tree(
        tmp_path / "b",
        {
            "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nsqlalchemy = "*"\npsycopg = {extras = ["binary"], version = "*"}\n'
        },
    )
    assert default_url_scheme([tmp_path / "a"], ["DB_URL"]).scheme == "postgresql+asyncpg"  # type: ignore[union-attr]
    assert default_url_scheme([tmp_path / "b"], ["DB_URL"]).scheme == "postgresql+psycopg"  # type: ignore[union-attr]


def test_no_sqlalchemy_or_two_drivers_keep_the_plain_scheme(tmp_path: Path) -> None:
    write_tree(
        tmp_path / "libpq", {"requirements.txt": "psycopg2-binary\n"}
    )  # psycopg2.connect(url)
    write_tree(tmp_path / "both", {"requirements.txt": "sqlalchemy\nasyncpg\npsycopg2\n"})
    assert default_url_scheme([tmp_path / "libpq"], ["DATABASE_URL"]) is None
    assert default_url_scheme([tmp_path / "both"], ["DATABASE_URL"]) is None


def test_unreadable_files_are_no_evidence(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"\xff\xfe[project")
    (tmp_path / "README.md").write_bytes(b"\xffDATABASE_URL=\xfe")
    assert default_url_scheme([tmp_path], ["DATABASE_URL"]) is None


@given(st.lists(st.text(max_size=40), max_size=8))
def test_any_requirement_lines_give_names_and_never_raise(lines: list[str]) -> None:
    for name in requirement_names(lines):
        assert name and name == name.lower() and " " not in name


PSYCOPG2_BACKEND = {
    "pyproject.toml": """
        [project]
        name = "{name}"
        dependencies = ["sqlalchemy>=2", "psycopg2-binary", "alembic"]
    """,
    "alembic.ini": """
        [alembic]
        script_location = %(here)s/migrations
    """,
    "migrations/env.py": """
        import os

        from alembic import context
        from sqlalchemy import create_engine, pool

        engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
        if engine.dialect.driver != "psycopg2":  # what the project installs
            raise RuntimeError(f"DATABASE_URL selects {engine.dialect.driver}, not psycopg2")
        with engine.connect() as connection:
            context.configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    """,
    "migrations/script.py.mako": "",
    "migrations/versions/0001_items.py": """
        from alembic import op

        revision = "0001"
        down_revision = None


        def upgrade() -> None:
            op.execute("CREATE TABLE items (id int PRIMARY KEY)")


        def downgrade() -> None:
            op.execute("DROP TABLE items")
    """,
}


def test_a_psycopg2_backend_without_example_gets_a_psycopg2_url(tmp_path: Path) -> None:
    import sys
    import uuid

    from dotenv import dotenv_values

    from e2e_util import destroy, devdb

    root = tmp_path / f"pg2-{uuid.uuid4().hex[:8]}"
    files = dict(PSYCOPG2_BACKEND)
    files["pyproject.toml"] = files["pyproject.toml"].replace("{name}", root.name) + (
        f'\n[tool.devdb]\nengine = "embedded"\npython = "{sys.executable}"\n'
    )
    write_tree(root, files)
    try:
        up = devdb(root, "up", "--no-app")
        assert up.returncode == 0, up.stderr
        url = dotenv_values(root / ".env")["DATABASE_URL"] or ""
        assert url.startswith("postgresql+psycopg2://"), url.split("@")[-1]
    finally:
        destroy(root)
