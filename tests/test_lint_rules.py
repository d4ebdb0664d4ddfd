"""Unit tests of the linter's machinery: suppressions, line mapping, history, config,
output formats, isolation. Rule-by-rule accuracy lives in test_lint_corpus.py."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from devdb.errors import DevdbError
from devdb.lint import RULES, LintConfig, LintReport, format_report, lint_files
from devdb.lint.sqlrules import ColType, parse_type, type_change

HEAD = """\
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "{rev}"
down_revision = {down}


def upgrade():
"""
TAIL = """

def downgrade():
    raise NotImplementedError("test")
"""


def write(tmp_path: Path, body: str, rev: str = "r1", down: str | None = None) -> Path:
    down_src = "None" if down is None else repr(down)
    text = HEAD.format(rev=rev, down=down_src) + textwrap.indent(textwrap.dedent(body), "    ")
    path = tmp_path / f"{rev}.py"
    path.write_text(text + TAIL)
    return path


def lint(*paths: Path, config: LintConfig | None = None, all_files: bool = True) -> LintReport:
    return lint_files(
        list(paths), config or LintConfig(), all_revision_files=list(paths) if all_files else None
    )


def codes(report: LintReport) -> list[str]:
    return sorted(f.code for f in report.findings)


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


# --- findings carry the right place -------------------------------------------------------


def test_sql_findings_point_at_the_op_call_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        op.add_column("users", sa.Column("bio", sa.Text()))
        op.create_index(
            "ix_users_email",
            "users",
            ["email"],
        )
        """,
    )
    report = lint(path)
    (finding,) = report.findings
    assert finding.code == "DD204"
    assert finding.line == line_of(path, "op.create_index(")
    assert finding.revision == "r1"
    assert finding.path == str(path)
    assert finding.why == RULES["DD204"].why and finding.safer == RULES["DD204"].safer


def test_statements_from_a_helper_function_point_into_the_helper(tmp_path: Path) -> None:
    path = tmp_path / "r1.py"
    path.write_text(
        textwrap.dedent(
            """\
            from alembic import op

            revision = "r1"
            down_revision = None


            def _drop(table):
                op.drop_table(table)


            def upgrade():
                op.execute("SET lock_timeout = '5s'")
                _drop("legacy")


            def downgrade():
                raise NotImplementedError("test")
            """
        )
    )
    (finding,) = lint(path).findings
    assert (finding.code, finding.line) == ("DD101", line_of(path, "op.drop_table(table)"))


# --- suppressions --------------------------------------------------------------------------


def test_inline_suppression_covers_a_multiline_call(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        op.create_index(
            "ix_users_email",
            "users",
            ["email"],  # devdb: ignore[DD204] users has 40 rows, maintenance window
        )
        """,
    )
    report = lint(path)
    assert report.findings == []
    assert report.suppressed == 1


def test_standalone_suppression_covers_the_whole_next_statement(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        # devdb: ignore[DD102,DD201] contract step, column unused since release 41
        with op.batch_alter_table("invoices") as batch:
            batch.drop_column("old_total")
            batch.add_column(sa.Column("cents", sa.BigInteger(), nullable=False))
        op.drop_column("users", "nickname")
        """,
    )
    report = lint(path)
    assert [(f.code, f.line) for f in report.findings] == [
        ("DD102", line_of(path, 'op.drop_column("users"'))
    ]
    assert report.suppressed == 2


def test_suppression_only_covers_the_codes_it_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        op.drop_column("users", "nickname")  # devdb: ignore[DD101] wrong code
        """,
    )
    assert codes(lint(path)) == ["DD102"]


def test_file_suppression_and_file_level_findings(tmp_path: Path) -> None:
    path = tmp_path / "r1.py"
    path.write_text(
        "# devdb: ignore-file[DD108] squashed history, downgrades unsupported\n"
        "from alembic import op\n\nrevision = 'r1'\ndown_revision = None\n\n"
        "def upgrade():\n    op.execute('SELECT 1')\n"
    )
    report = lint(path)
    assert report.findings == [] and report.suppressed == 1


def test_suppression_without_reason_is_reported_and_not_honoured(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        op.drop_column("users", "nickname")  # devdb: ignore[DD102]
        op.execute("SELECT 1")  # devdb: ignore me please
        """,
    )
    report = lint(path)
    assert codes(report) == ["DD001", "DD001", "DD102"]
    assert report.suppressed == 0


# --- history across revisions ---------------------------------------------------------------


def test_earlier_revisions_supply_column_types_and_extensions(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        """
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
        op.create_table(
            "images",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("embedding", Vector(3072)),  # devdb: ignore[DD301] image model
        )
        """,
        rev="base",
    )
    child = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_images_embedding",
                "images",
                ["embedding"],
                postgresql_using="hnsw",
                postgresql_ops={"embedding": "vector_cosine_ops"},
                postgresql_concurrently=True,
            )
        """,
        rev="child",
        down="base",
    )
    report = lint(base, child)
    assert [(Path(f.path).name, f.code) for f in report.findings] == [("child.py", "DD304")]
    # Without the base revision the column's dimension is unknown: nothing to say.
    assert lint(child, all_files=False).findings == []


def test_extension_rule_needs_a_complete_history(tmp_path: Path) -> None:
    body = """
    op.create_table("passages", sa.Column("embedding", Vector(384)))
    """
    orphan = write(tmp_path, body, rev="orphan", down="not_in_the_tree")
    assert lint(orphan).findings == []
    based = write(tmp_path, body, rev="based")
    assert codes(lint(based)) == ["DD306"]
    config = LintConfig(preinstalled_extensions={"vector"})
    assert lint(based, config=config).findings == []


def test_rename_lookalike_uses_the_type_from_history(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        'op.create_table("people", sa.Column("name", sa.String(80)), sa.Column("n", sa.Integer()))',
        rev="base",
    )
    child = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        op.drop_column("people", "name")
        op.add_column("people", sa.Column("label", sa.String(80)))
        op.drop_column("people", "n")
        op.add_column("people", sa.Column("count", sa.BigInteger()))
        """,
        rev="child",
        down="base",
    )
    report = lint(base, child)
    dd115 = [f for f in report.findings if f.code == "DD115"]
    assert len(dd115) == 1 and "people.name" in dd115[0].message


def test_create_if_not_exists_of_a_known_table_is_not_new(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.execute("SET lock_timeout = '5s'")
        op.execute("CREATE TABLE IF NOT EXISTS accounts (id int)")
        op.create_index("ix_accounts_id", "accounts", ["id"])
        """,
    )
    assert lint(path).findings == []
    assert codes(lint(path, config=LintConfig(existing_tables={"accounts"}))) == ["DD204"]


def test_merge_revision_replays_both_branches(tmp_path: Path) -> None:
    base = write(tmp_path, 'op.execute("CREATE EXTENSION vector")', rev="base")
    left = write(
        tmp_path, 'op.create_table("a", sa.Column("e", Vector(384)))', rev="left", down="base"
    )
    right = write(tmp_path, 'op.create_table("b", sa.Column("id", sa.Integer()))', rev="right")
    merge = tmp_path / "merge.py"
    merge.write_text(
        "from alembic import op\nrevision = 'merge'\ndown_revision = ('left', 'right')\n"
        "def upgrade():\n"
        "    op.execute(\"SET lock_timeout = '5s'\")\n"
        "    op.execute('ALTER TABLE a ALTER COLUMN e TYPE vector(768)')\n"
        "def downgrade():\n    pass  # test\n"
    )
    report = lint(base, left, right, merge)
    found = {(Path(f.path).name, f.code) for f in report.findings}
    assert found == {("merge.py", "DD301"), ("merge.py", "DD302")}
    (dd302,) = [f for f in report.findings if f.code == "DD302"]
    assert "vector(384)" in dd302.message


# --- configuration --------------------------------------------------------------------------


def test_sensitive_patterns_substring_and_glob() -> None:
    config = LintConfig()
    assert config.is_sensitive("Document_Shares")
    assert config.is_sensitive("action_points")
    assert not config.is_sensitive("users")
    custom = LintConfig(sensitive_table_patterns=["acl_*", "grants"])
    assert custom.is_sensitive("acl_entries") and custom.is_sensitive("user_grants")
    assert not custom.is_sensitive("my_acl_entries")


def test_dimension_rule_needs_a_known_dimension(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.execute("CREATE EXTENSION vector")
        op.create_table("t", sa.Column("e", Vector(1536)))
        """,
    )
    assert lint(path).findings == []  # unknown: say nothing, never guess
    assert codes(lint(path, config=LintConfig(embedding_dim=384))) == ["DD301"]
    assert lint(path, config=LintConfig(embedding_dim=1536)).findings == []
    found = lint(path, config=LintConfig(project_dims={384: "app/models.py:9 (Vector(384))"}))
    (finding,) = found.findings
    assert finding.severity == "error" and "app/models.py:9" in finding.message
    assert lint(path, config=LintConfig(project_dims={384: "a", 1536: "b"})).findings == []


def test_dimension_from_the_chain_alone_is_only_info(tmp_path: Path) -> None:
    first = write(
        tmp_path,
        """
        op.execute("CREATE EXTENSION vector")
        op.create_table("t", sa.Column("e", Vector(768)))
        """,
    )
    second = write(
        tmp_path, 'op.add_column("t", sa.Column("e2", Vector(1024)))', rev="r2", down="r1"
    )
    (finding,) = lint(second, first).findings
    assert (finding.code, finding.severity) == ("DD301", "info")
    assert "t.e, created earlier in the chain" in finding.message


# --- severities, levels, suppressions -------------------------------------------------------


def test_config_disables_and_relevels_rules(tmp_path: Path) -> None:
    path = write(tmp_path, 'op.drop_column("users", "bio")')
    assert [f.severity for f in lint(path).findings] == ["error"]
    relevelled = lint(path, config=LintConfig(severities={"DD102": "warning"}))
    assert [f.severity for f in relevelled.findings] == ["warning"]
    assert not relevelled.fails("error") and relevelled.fails("warning")
    assert lint(path, config=LintConfig(disabled={"DD102"})).findings == []


def test_info_findings_never_fail(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        # ### commands auto generated by Alembic - please adjust! ###
        op.add_column("users", sa.Column("bio", sa.Text(), nullable=True))
        """,
    )
    report = lint(path)
    assert [(f.code, f.severity) for f in report.findings] == [("DD401", "info")]
    assert not report.fails("error") and not report.fails("warning")


def test_bare_ignore_syntax_with_reason_shown(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.drop_column("users", "bio")  # devdb: ignore DD102 -- unused since v41
        op.drop_column("users", "nick")  # devdb: ignore DD102
        """,
    )
    report = lint(path)
    assert sorted(f.code for f in report.findings) == ["DD001", "DD102"]
    (hidden,) = report.suppressed_findings
    assert (hidden.code, hidden.reason) == ("DD102", "unused since v41")
    text = format_report(report, "text")
    assert "DD102 suppressed: unused since v41" in text
    assert json.loads(format_report(report, "json"))["suppressed"][0]["reason"] == (
        "unused since v41"
    )


def test_ignore_file_covers_every_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        # devdb: ignore-file DD102, DD101 -- contract step of release 41, backed up
        op.drop_column("users", "bio")
        op.drop_table("legacy")
        """,
    )
    report = lint(path)
    assert report.findings == [] and report.suppressed == 2


# --- the chain: new and unreleased tables, inspectors ----------------------------------------


def test_tables_of_unreleased_revisions_are_new(tmp_path: Path) -> None:
    first = write(tmp_path, 'op.create_table("t", sa.Column("id", sa.Integer()))')
    second = write(tmp_path, 'op.create_index("ix_t_id", "t", ["id"])', rev="r2", down="r1")
    assert codes(lint(second, first)) == ["DD204"]
    config = LintConfig(unreleased_revisions={"r1", "r2"})
    assert lint(second, first, config=config).findings == []
    # released base, unreleased tip: the table existed before
    assert codes(lint(second, first, config=LintConfig(unreleased_revisions={"r2"}))) == ["DD204"]


INSPECTED = """
from sqlalchemy import inspect
names = [ix["name"] for ix in inspect(op.get_bind()).get_indexes("t")]
if "ix_t_id" not in names:
    op.create_index("ix_t_id", "t", ["id"])
if inspect(op.get_bind()).has_table("t"):
    op.add_column("t", sa.Column("note", sa.Text()))
"""


def test_inspectors_are_answered_from_the_chain(tmp_path: Path) -> None:
    first = write(tmp_path, 'op.create_table("t", sa.Column("id", sa.Integer()))')
    second = write(tmp_path, INSPECTED, rev="r2", down="r1")
    assert codes(lint(second, first)) == ["DD204"]  # rendered: no DD004
    (tmp_path / "r1.py").write_text(
        (tmp_path / "r1.py")
        .read_text()
        .replace(
            'sa.Column("id", sa.Integer()))',
            'sa.Column("id", sa.Integer()))\n    op.create_index("ix_t_id", "t", ["id"])',
        )
    )
    assert lint(second, first).findings == []  # the index exists: nothing to build


def test_rows_read_from_the_database_are_one_info_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        rows = op.get_bind().execute(sa.text("SELECT id FROM plans")).fetchall()
        op.execute(f"DROP TABLE plans_{rows[0].id}")
        """,
    )
    report = lint(path)
    (finding,) = report.findings
    assert (finding.code, finding.severity) == ("DD004", "info")
    assert "IndexError" in finding.message
    assert "1 migration(s) not fully checked" in format_report(report, "text")


# --- running the migration offline is contained ----------------------------------------------


def test_migration_output_does_not_leak_and_modules_are_cleaned_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        """
        print("noise from the migration")
        op.execute("SELECT 1")
        """,
    )
    before = set(sys.modules)
    lint(path)
    assert capsys.readouterr().out == ""
    assert not [m for m in set(sys.modules) - before if m.startswith("_devdb_lint")]


def test_files_with_external_calls_are_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "r1.py"
    path.write_text(
        "import subprocess\nfrom alembic import op\nrevision = 'r1'\ndown_revision = None\n"
        f"def upgrade():\n    subprocess.run(['touch', {str(marker)!r}])\n"
        "def downgrade():\n    pass  # test\n"
    )
    assert codes(lint(path)) == ["DD105"]
    assert not marker.exists()


def test_import_paths_make_the_app_importable(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "devdb_lint_test_settings.py").write_text("TABLE = 'invoices'\n")
    path = tmp_path / "r1.py"
    path.write_text(
        "from alembic import op\nfrom devdb_lint_test_settings import TABLE\n"
        "revision = 'r1'\ndown_revision = None\n"
        "def upgrade():\n    op.execute(f'DROP TABLE {TABLE}')\n"
        "def downgrade():\n    pass  # test\n"
    )
    assert codes(lint(path)) == ["DD004"]
    report = lint(path, config=LintConfig(import_paths=[app]))
    assert codes(report) == ["DD101"]
    assert str(app) not in sys.path


def test_helper_modules_are_not_judged_as_migrations(tmp_path: Path) -> None:
    helper = tmp_path / "helpers.py"
    helper.write_text("def create_extension(op):\n    op.execute('CREATE EXTENSION vector')\n")
    assert lint(helper).findings == []


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(DevdbError):
        lint_files([tmp_path / "nope.py"], LintConfig())


def test_importing_the_package_stays_light() -> None:
    code = (
        "import sys, devdb.lint; "
        "heavy = [m for m in ('pglast', 'alembic', 'sqlalchemy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


# --- the type-change classifier ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("varchar(50)", "varchar(100)", "binary"),
        ("varchar(100)", "varchar(50)", "other"),
        ("varchar(50)", "text", "binary"),
        ("text", "varchar(20)", "other"),
        ("numeric(10,2)", "numeric(12,2)", "binary"),
        ("numeric(10,2)", "numeric(12,4)", "other"),
        ("integer", "bigint", "widen"),
        ("bigint", "integer", "other"),
        ("timestamp(3)", "timestamp(6)", "binary"),
        ("text", "integer", "other"),
        ("vector(384)", "vector(384)", "same"),
    ],
)
def test_type_change(old: str, new: str, expected: str) -> None:
    old_t, new_t = parse_type(old), parse_type(new)
    assert old_t is not None and new_t is not None
    assert type_change(old_t, new_t) == expected


def test_type_change_unknown_and_using() -> None:
    assert type_change(None, ColType("int8")) == "unknown"
    assert type_change(ColType("varchar", (10,)), ColType("text"), using=True) == "widen"


# --- output ---------------------------------------------------------------------------------


def _sample(tmp_path: Path) -> LintReport:
    path = write(tmp_path, 'op.add_column("document_shares", sa.Column("note", sa.Text()))')
    return lint(path)


def test_text_format_lists_why_safer_and_checklist(tmp_path: Path) -> None:
    report = _sample(tmp_path)
    assert format_report(report, "text").splitlines() == [
        "0 error(s), 0 warning(s), 1 info (--verbose shows them) in 1 migration file"
    ]
    text = format_report(report, "text", verbose=True)
    assert "DD110 info [r1]" in text and "why:" in text and "safer:" in text
    assert "[ ] Is rollback documented?" in text
    assert text.splitlines()[-1] == "0 error(s), 0 warning(s), 1 info in 1 migration file"


def test_json_format(tmp_path: Path) -> None:
    data = json.loads(format_report(_sample(tmp_path), "json"))
    assert data["summary"] == {"files": 1, "errors": 0, "warnings": 0, "infos": 1, "suppressed": 0}
    first = data["findings"][0]
    assert {"code", "severity", "path", "revision", "line", "message", "why", "safer"} <= set(first)
    assert first["severity"] == "info"
    assert isinstance(first["checklist"], list)


def test_github_format_escapes(tmp_path: Path) -> None:
    report = _sample(tmp_path)
    assert format_report(report, "github") == ""
    out = format_report(report, "github", verbose=True).splitlines()
    assert len(out) == 1
    assert out[0].startswith("::notice file=")
    assert "\n" not in out[0] and "%0A" in out[0]
    assert ",line=" in out[0] and "title=DD" in out[0]


def test_sarif_format(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        op.drop_column("users", "bio")
        op.drop_column("users", "nick")  # devdb: ignore DD102 -- contract step
        """,
    )
    sarif = json.loads(format_report(lint(path), "sarif"))
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == list(RULES)
    shown, hidden = run["results"]
    assert shown["ruleId"] == "DD102" and shown["level"] == "error"
    assert rule_ids[shown["ruleIndex"]] == "DD102"
    region = shown["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line_of(path, '"bio"')
    assert hidden["suppressions"] == [{"kind": "inSource", "justification": "contract step"}]


def test_unknown_format_is_a_devdb_error(tmp_path: Path) -> None:
    with pytest.raises(DevdbError):
        format_report(_sample(tmp_path), "xml")


def test_rule_table_is_complete_and_grouped() -> None:
    groups = {"0": "meta", "1": "runbook", "2": "locks", "3": "pgvector", "4": "autogenerate"}
    assert list(RULES) == sorted(RULES)
    for code, info in RULES.items():
        assert info.code == code and info.severity in ("error", "warning", "info")
        assert info.title and info.why and info.safer and info.example
        assert info.group == groups[code[2]]
    assert RULES["DD110"].checklist


def test_rules_markdown_lists_every_rule() -> None:
    from devdb.lint import format_rules

    table = format_rules()
    for code in RULES:
        assert f"| {code} |" in table
    assert sum(line.startswith("### ") for line in table.splitlines()) == 5


def test_comment_forms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        # devdb: review checklist — tables created: none (not a suppression)
        op.execute("SET lock_timeout = '5s'")
        op.drop_column("users", "a")  # noqa: E501  # devdb: ignore[DD102] contract step r41
        op.drop_column("users", "b")  # devdb: ignore DD102 bare form, reason without dashes
        op.drop_column("users", "c")  # devdb: ignore DD1O2 -- letter O, not a code
        """,
    )
    assert codes(lint(path)) == ["DD001", "DD102"]


def test_null_bytes_are_a_finding_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "r1.py"
    path.write_bytes(b"revision = 'r1'\x00\n")
    assert codes(lint(path)) == ["DD003"]


def test_an_endless_loop_offline_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devdb.lint import sqlrender

    monkeypatch.setattr(sqlrender, "MAX_STATEMENTS", 200)
    path = write(
        tmp_path,
        """
        conn = op.get_bind()
        while True:
            try:
                conn.execute(sa.text("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t LIMIT 9)"))
                print("batch")
            except Exception:
                pass
        """,
    )
    report = lint(path)
    assert codes(report) == ["DD004"]
    assert "endless loop" in report.findings[0].message


def test_an_installed_alembic_proxy_survives_linting(tmp_path: Path) -> None:
    import alembic.op
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    outer = Operations(MigrationContext.configure(dialect_name="postgresql"))
    outer._install_proxy()
    try:
        lint(write(tmp_path, 'op.execute("SELECT 1")'))
        assert getattr(alembic.op, "_proxy", None) is outer
    finally:
        outer._remove_proxy()


def test_revision_files_and_progress(tmp_path: Path) -> None:
    from devdb.lint import revision_files

    a = write(tmp_path, 'op.execute("SELECT 1")', rev="aaa")
    b = write(tmp_path, 'op.execute("SELECT 1")', rev="bbb", down="aaa")
    assert revision_files([a, b]) == {"aaa": a, "bbb": b}
    seen: list[str] = []
    lint_files([a, b], LintConfig(), progress=seen.append)
    assert seen == [f"linting {a}", f"linting {b}"]


CATALOG_QUERIES = """
conn = op.get_bind()
has_ix = conn.execute(sa.text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_t_id'")).first()
if not has_ix:
    op.create_index("ix_t_id", "t", ["id"])
exists = conn.execute(
    sa.text(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 't' AND column_name = 'note')"
    )
).scalar()
if not exists:
    op.add_column("t", sa.Column("note", sa.Text()))
row = conn.execute(sa.text("SELECT to_regclass('public.t') AS oid")).first()
if row.oid is not None:
    op.execute("ALTER TABLE t ADD COLUMN IF NOT EXISTS extra int")
"""


def test_catalog_queries_are_answered_from_the_chain(tmp_path: Path) -> None:
    first = write(tmp_path, 'op.create_table("t", sa.Column("id", sa.Integer()))')
    second = write(tmp_path, CATALOG_QUERIES, rev="r2", down="r1")
    report = lint(second, first)
    assert codes(report) == ["DD204"]  # the index was missing: built in place on t
    from devdb.lint.catalog import answer
    from devdb.lint.schema import Schema

    schema = Schema(tables={"t"}, indexes={})
    assert answer("SELECT count(*) FROM pg_tables WHERE tablename = 't'", schema) == [(1,)]
    assert answer("SELECT 1 FROM pg_indexes WHERE indexname = 'nope'", schema) == []
    assert answer("SELECT id FROM users", schema) is None


def test_type_and_constraint_catalogs_follow_the_chain(tmp_path: Path) -> None:
    from devdb.lint.catalog import answer
    from devdb.lint.schema import Schema
    from devdb.lint.sqlrender import Chunk
    from devdb.lint.sqlrules import parse_chunks

    schema = Schema()
    sql = [
        "CREATE TYPE mood AS ENUM ('ok', 'sad')",
        "CREATE TABLE t (id int, CONSTRAINT uq_t_id UNIQUE (id))",
        "ALTER TABLE t ADD CONSTRAINT ck_t_id CHECK (id > 0) NOT VALID",
    ]
    for stmt in parse_chunks([Chunk(None, s) for s in sql])[0]:
        schema.apply(stmt.node)
    assert answer("SELECT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood')", schema) == [
        (True,)
    ]
    assert answer("SELECT 1 FROM pg_constraint WHERE conname = 'ck_t_id'", schema) == [(1,)]
    assert answer("SELECT 1 FROM pg_constraint WHERE conname = 'uq_t_id'", schema) == [(1,)]
    schema.apply(parse_chunks([Chunk(None, "ALTER TABLE t DROP CONSTRAINT ck_t_id")])[0][0].node)
    assert answer("SELECT 1 FROM pg_constraint WHERE conname = 'ck_t_id'", schema) == []


def test_missing_libraries_of_the_app_are_stood_in(tmp_path: Path) -> None:
    path = tmp_path / "r1.py"
    path.write_text(
        textwrap.dedent(
            """
            import sqlalchemy as sa
            import devdb_missing_sqlalchemy_utils
            from alembic import op
            from devdb_missing_geo.types import Geometry

            revision = "r1"
            down_revision = None


            def upgrade():
                op.add_column(
                    "users",
                    sa.Column("token", devdb_missing_sqlalchemy_utils.types.UUIDType(binary=False)),
                )
                op.add_column("users", sa.Column("where", Geometry("POINT", srid=4326)))
                op.create_index("ix_users_token", "users", ["token"])


            def downgrade():
                op.drop_index("ix_users_token", table_name="users")
            """
        )
    )
    report = lint(path)
    assert codes(report) == ["DD204"]
    assert not [m for m in sys.modules if m.startswith("devdb_missing")]


def test_a_migration_in_another_encoding_is_read_as_python_reads_it(tmp_path: Path) -> None:
    from devdb.lint.pysource import read_source

    declared = tmp_path / "0008_latin.py"
    declared.write_bytes(b'# -*- coding: latin-1 -*-\n"""caf\xe9"""\nrevision = "0008"\n')
    assert read_source(declared).syntax_error is None
    assert "café" in read_source(declared).text
    undeclared = tmp_path / "0009_bad.py"
    undeclared.write_bytes(b'"""bad \xff"""\nrevision = "0009"\n')
    error = read_source(undeclared).syntax_error
    assert error is not None and error.startswith("not UTF-8 and no coding line")
