"""Pure logic of devdb.vector: the code's operator finder, embeddings, sizing, reports."""

from __future__ import annotations

import itertools
import math
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devdb.errors import DevdbError
from devdb.project.config import Config
from devdb.vector import sizing
from devdb.vector.catalog import VectorColumn, VectorIndex, opclass_operator
from devdb.vector.doctor import project_facts
from devdb.vector.embeddings import EmbeddingGenerator
from devdb.vector.fill import split_target
from devdb.vector.measure import perturbed_query, query_operand
from devdb.vector.report import Finding, IndexReport, Report, format_text
from devdb.vector.schema_findings import version_tuple
from devdb.vector.usage import feature_mentions, python_usages, scan_code, sql_usages

from e2e_util import write_tree

OPERATORS = ["<->", "<#>", "<=>", "<+>", "<~>", "<%>"]


def test_sql_in_python_strings_and_comparators() -> None:
    source = '''
SEARCH = """
SELECT id FROM docs d
ORDER BY d.embedding <=> %(q)s::vector
LIMIT 10
"""
rows = session.scalars(select(Doc).order_by(Doc.embedding.l2_distance(q)).limit(5))
near = Item.objects.order_by(CosineDistance("vec", q))
# a comment with <#> is not code
'''
    found = {(u.operator, u.column, u.line) for u in python_usages(source, "app.py")}
    assert found == {("<=>", "embedding", 4), ("<->", "embedding", 7), ("<=>", "vec", 8)}


def test_sql_files_skip_comments() -> None:
    text = "-- ORDER BY e <-> q\nSELECT 1 ORDER BY e <#> $1 LIMIT 3; -- e <=> q\n"
    assert [(u.operator, u.column, u.line) for u in sql_usages(text, "q.sql")] == [("<#>", "e", 2)]


def test_scan_skips_tests_virtualenvs_and_given_folders(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/search.py": 'Q = "SELECT 1 ORDER BY embedding <=> %s"\n',
            "app/queries.sql": "SELECT 1 ORDER BY embedding <-> $1;\n",
            "app/session.py": 'conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")\n',
            "tests/test_search.py": 'Q = "ORDER BY embedding <#> %s"\n',
            "app/test_x.py": 'Q = "ORDER BY embedding <#> %s"\n',
            ".venv/lib/pgvector/x.py": 'Q = "ORDER BY embedding <#> %s"\n',
            "migrations/versions/0001.py": 'op.execute("SELECT embedding <+> q")\n',
        },
    )
    scan = scan_code(tmp_path, (tmp_path / "migrations",))
    assert sorted((u.operator, u.path) for u in scan.usages) == [
        ("<->", "app/queries.sql"),
        ("<=>", "app/search.py"),
    ]
    assert scan.features == {"iterative_scan": "app/session.py:1"}


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_is_read_without_error(text: str) -> None:
    for usage in [*python_usages(text, "x.py"), *sql_usages(text, "x.sql")]:
        assert usage.operator in OPERATORS
    feature_mentions(text, "x.py")


@settings(max_examples=100, deadline=None)
@given(
    column=st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True),
    operator=st.sampled_from(OPERATORS),
    padding=st.text(alphabet=" \n\t", max_size=3),
)
def test_an_operator_in_a_python_string_is_found_with_its_column(
    column: str, operator: str, padding: str
) -> None:
    source = f"QUERY = {('SELECT 1 ORDER BY t.' + column + padding + operator + ' %s LIMIT 5')!r}\n"
    found = [(u.operator, u.column) for u in python_usages(source, "x.py")]
    assert found == [(operator, column)]


def test_project_facts_configured_dimension_wins(tmp_path: Path) -> None:
    write_tree(tmp_path, {"env.example": "EMBEDDING_DIM=768\n"})
    config = Config(project_root=tmp_path, project_name="x", env_example=tmp_path / "env.example")
    assert project_facts(config).dims == {768: "env.example (EMBEDDING_DIM=768)"}
    config.embedding_dim, config.source = 1536, "pyproject.toml [tool.devdb]"
    assert project_facts(config).dims == {1536: "pyproject.toml [tool.devdb] embedding_dim"}


def test_embeddings_are_deterministic_clustered_and_unit_length() -> None:
    first = list(EmbeddingGenerator(32, clusters=4, seed=5).rows(300))
    again = list(EmbeddingGenerator(32, clusters=4, seed=5).rows(300))
    other = list(EmbeddingGenerator(32, clusters=4, seed=6).rows(300))
    assert first == again != other
    assert {cluster for cluster, _ in first} == {0, 1, 2, 3}
    for _, vector in first:
        assert math.isclose(math.hypot(*vector), 1.0, rel_tol=1e-9)

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    same = [cosine(a, b) for (ca, a), (cb, b) in itertools.pairwise(first) if ca == cb]
    apart = [cosine(a, b) for (ca, a), (cb, b) in itertools.pairwise(first) if ca != cb]
    assert sum(same) / len(same) > 0.5 > sum(apart) / len(apart)


def test_packed_rows_are_the_same_vectors() -> None:
    pack = struct.Struct(">h16f").pack
    packed = list(EmbeddingGenerator(16, seed=9).packed(50, pack, 1))
    rows = [pack(1, *vector) for _, vector in EmbeddingGenerator(16, seed=9).rows(50)]
    assert packed == rows


def test_split_target() -> None:
    assert split_target("docs.embedding") == ("docs", "embedding")
    assert split_target("app.docs.embedding") == ("app.docs", "embedding")
    for bad in ("docs", ".e", "docs."):
        with pytest.raises(DevdbError):
            split_target(bad)


def test_sizing_rules_of_thumb() -> None:
    assert sizing.recommended_lists(500) == 1
    assert sizing.recommended_lists(100_000) == 100
    assert sizing.recommended_lists(4_000_000) == 2000
    assert sizing.recommended_probes(100) == 10
    # pgvector's docs: 1M x 1536 dims needs several GB of maintenance_work_mem for HNSW
    assert 5 * 2**30 < sizing.hnsw_build_bytes(1_000_000, 1536) < 9 * 2**30
    assert sizing.hnsw_build_bytes(1000, 384, type_name="halfvec") < sizing.hnsw_build_bytes(
        1000, 384
    )
    assert sizing.setting_megabytes(1) == "64MB"
    assert sizing.setting_megabytes(65 * 2**20) == "128MB"


def test_opclass_operator_and_versions() -> None:
    assert opclass_operator("vector_cosine_ops") == "<=>"
    assert opclass_operator("halfvec_l2_ops") == "<->"
    assert opclass_operator("bit_hamming_ops") == "<~>"
    assert opclass_operator("text_pattern_ops") is None
    assert version_tuple("0.8.1") > version_tuple("0.7.4") > version_tuple("0.7")
    assert version_tuple(None) == (0,)


def test_the_worst_verdict_wins_and_text_lists_fixes() -> None:
    index = IndexReport("ix", "t", "e", "hnsw", "vector_cosine_ops", "<=>", {}, 1, 1)
    report = Report("db", {"installed": "0.8.1"}, {}, [], [index], {})
    report.add(Finding("a", "warning", "ix", "slow", "SET hnsw.ef_search = 80;", "retune"))
    report.add(Finding("b", "error", "ix", "wrong", "DROP INDEX CONCURRENTLY ix;", "drop"))
    report.add(Finding("c", "info", "ix", "fine", verdict="keep"))
    assert (index.verdict, index.fix) == ("drop", "DROP INDEX CONCURRENTLY ix;")
    assert not report.ok
    text = format_text(report)
    assert text.index("error   b ix: wrong") < text.index("warning a ix: slow")
    assert "fix: SET hnsw.ef_search = 80;" in text
    assert [f["code"] for f in report.as_dict()["findings"]] == ["b", "a", "c"]


def _index(column: str, base: str | None) -> VectorIndex:
    return VectorIndex(
        name="i", table="t", column=column, base_column=base, indexed_type="halfvec(3)",
        method="hnsw", opclass="halfvec_cosine_ops", operator="<=>", params={}, size_bytes=0,
        table_bytes=0, index_tuples=0, definition="", valid=True, partial=False,
    )  # fmt: skip


VECTOR_COLUMN = VectorColumn(table="t", column="emb", type_name="vector", dim=3, rows=1, non_null=1)


@pytest.mark.parametrize(
    ("indexed", "base", "operand"),
    [
        ("emb", "emb", "'[1,2,3]'::vector"),
        ("(emb::halfvec(3))", "emb", "(('[1,2,3]'::vector)::halfvec(3))"),
        ("(binary_quantize(emb)::bit(3))", "emb", "(binary_quantize(('[1,2,3]'::vector))::bit(3))"),
        ("subvector(emb, 1, 2)", "emb", "subvector(('[1,2,3]'::vector), 1, 2)"),
        ('("Emb"::halfvec(3))', "Emb", "(('[1,2,3]'::vector)::halfvec(3))"),
        ("(emb_old::halfvec(3))", "emb", "(emb_old::halfvec(3))"),  # another column: untouched
    ],
)
def test_the_query_vector_goes_through_the_index_expression(
    indexed: str, base: str, operand: str
) -> None:
    assert query_operand(_index(indexed, base), VECTOR_COLUMN, "'[1,2,3]'") == operand


@given(
    st.dictionaries(
        st.integers(1, 1000), st.floats(-10, 10, allow_nan=False).filter(bool), max_size=20
    ),
    st.integers(0, 2**32),
)
def test_a_perturbed_sparse_query_keeps_its_positions_and_dimension(
    values: dict[int, float], seed: int
) -> None:
    import random

    text = "{" + ",".join(f"{i}:{v}" for i, v in sorted(values.items())) + "}/1000"
    moved = perturbed_query(text, random.Random(seed))
    body, _, dim = moved.rpartition("/")
    assert dim == "1000"
    pairs = [pair.split(":") for pair in body.strip("{}").split(",") if pair]
    assert [int(i) for i, _ in pairs] == sorted(values)
    assert all(math.isfinite(float(v)) for _, v in pairs)
