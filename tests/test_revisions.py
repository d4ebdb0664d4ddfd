"""devdb.project.revisions, the one reading of the revision graph (migrations/ and lint/):
what a revision file declares must be what Alembic gets when it imports the module."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from devdb.lint.history import RevisionGraph
from devdb.lint.pysource import read_source
from devdb.migrations.scripts import parse_revision_ids
from devdb.project.revisions import (
    Declared,
    ancestors,
    declared_in_source,
    declared_in_tree,
    heads,
)

revision_ids = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=24
)
down_values = st.one_of(
    st.none(),
    revision_ids,
    st.tuples(revision_ids, revision_ids),
    st.lists(revision_ids, min_size=1, max_size=3),
)


def _assignment(name: str, value: object, style: int) -> str:
    text = repr(value)
    if style == 1:
        return f"{name}: str | None = {text}  # set by alembic revision"
    if style == 2 and isinstance(value, tuple | list):
        inner = ",\n    ".join(repr(v) for v in value)
        opener, closer = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        return f"{name} = {opener}\n    {inner},\n{closer}"
    return f"{name} = {text}"


@st.composite
def revision_files(draw: st.DrawFn) -> str:
    revision = draw(revision_ids)
    down = draw(down_values)
    message = draw(
        st.text(st.characters(exclude_characters='"\\\r\x00', codec="utf-8"), max_size=40)
    )
    quoted = draw(st.sampled_from(["", "down_revision = 'quoted'", "revision = 'quoted'"]))
    lines = [
        f'"""{message}\n\nRevision ID: generated\n{quoted}\n"""',
        "from alembic import op",
        "import sqlalchemy as sa",
    ]
    parts = [
        _assignment("revision", revision, draw(st.integers(0, 2))),
        _assignment("down_revision", down, draw(st.integers(0, 2))),
        "branch_labels = None",
        "depends_on = None",
    ]
    if draw(st.booleans()):  # written twice: the last one counts
        parts.append(_assignment("revision", draw(revision_ids), 0))
    lines += draw(st.permutations(parts))
    lines += ["", "", "def upgrade() -> None:", "    revision = 'not this one'", ""]
    return "\n".join(lines) + "\n"


def _as_alembic_reads_it(source: str) -> Declared:
    """Alembic imports the file and reads module.revision / module.down_revision."""
    body = ast.parse(source)
    body.body = [n for n in body.body if not isinstance(n, ast.Import | ast.ImportFrom)]
    namespace: dict[str, object] = {}
    exec(compile(body, "<revision>", "exec"), namespace)
    down = namespace["down_revision"]
    downs = () if down is None else (down,) if isinstance(down, str) else tuple(down)  # type: ignore[arg-type]
    return Declared(namespace["revision"], downs)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(revision_files())
def test_a_revision_file_declares_what_alembic_reads(source: str) -> None:
    expected = _as_alembic_reads_it(source)
    assert declared_in_source(source) == expected
    assert declared_in_tree(ast.parse(source)) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_as_not_python(text: str) -> None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    try:
        quick = declared_in_source(text)
    except SyntaxError:
        raise AssertionError("python text refused") from None
    assert isinstance(quick, Declared)
    if quick.revision is not None and "\n" not in text.strip():
        assert quick == declared_in_tree(tree)


def test_non_literal_parents_are_unknown_and_none_is_the_base() -> None:
    assert declared_in_source("revision = 'b'\ndown_revision = 'a'\n") == Declared("b", ("a",))
    assert declared_in_source("revision = 'a'\ndown_revision = None\n") == Declared("a", ())
    computed = "revision = 'c'\ndown_revision = PARENT\n"
    assert declared_in_source(computed) == Declared("c", None)
    assert declared_in_source("x = 1\n") == Declared(None, None)


@given(st.dictionaries(revision_ids, st.lists(revision_ids, max_size=2), max_size=12))
def test_heads_are_what_no_revision_revises_and_ancestors_are_closed(
    parents: dict[str, list[str]],
) -> None:
    found = heads(parents)
    revised = {d for downs in parents.values() for d in downs}
    assert set(found) == set(parents) - revised
    below = ancestors(parents, found)
    assert set(found) <= below <= set(parents)
    for rev in below:
        assert {d for d in parents[rev] if d in parents} <= below


def test_lint_and_the_warm_path_read_one_graph(tmp_path: Path) -> None:
    files = {
        "a.py": "revision = 'a'\ndown_revision = None\n",
        "b.py": "revision = 'b'\ndown_revision = (\n    'a',\n)\n",
        "c.py": "revision: str = 'c'\ndown_revision: str | None = 'b'  # the chain\n",
        "m.py": "revision = 'm'\ndown_revision = ['b', 'c']\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    paths = sorted(tmp_path.glob("*.py"))
    warm = parse_revision_ids(paths)
    graph = RevisionGraph({p: read_source(p) for p in paths})
    for rev, (downs, path) in warm.items():
        parents, complete = graph.parents(path)
        assert complete and sorted(p.name for p in parents) == sorted(f"{d}.py" for d in downs)
        assert graph.by_rev[rev] == path
    assert [p.name for p in graph.ancestors(tmp_path / "m.py").order] == ["a.py", "b.py", "c.py"]
