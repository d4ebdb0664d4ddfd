"""Whatever a project's config holds, devdb answers with a Config or one DevdbError line:
never another exception (which the CLI would show as a traceback)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devdb.errors import DevdbError
from devdb.project.config import _KNOWN_KEYS, read_config

from e2e_util import devdb, toml_value

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars.filter(lambda v: v is not None),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["url", "host", "x", "severity"]), inner, max_size=3)
    ),
    max_leaves=6,
)
tables = st.dictionaries(
    st.sampled_from(sorted(_KNOWN_KEYS - {"python"})) | st.sampled_from(["bogus", "Port"]),
    values,
    max_size=4,
)


def answer(root: Path) -> Any:
    try:
        return read_config(root)
    except DevdbError as exc:
        assert exc.message and "\n" not in exc.message
        return exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables)
def test_any_tool_devdb_table_gives_a_config_or_one_line(table: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lines = ["[tool.devdb]", *(f"{key} = {toml_value(v)}" for key, v in table.items())]
        (root / "pyproject.toml").write_text("\n".join(lines) + "\n")
        answer(root)


@settings(max_examples=150, deadline=None)
@given(content=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_as_pyproject_or_devdb_toml_give_a_config_or_one_line(content: bytes) -> None:
    for name in ("pyproject.toml", "devdb.toml"):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / name).write_bytes(content)
            answer(root)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('port = "abc"', "pyproject.toml:4: port = 'abc' is not usable"),
        ("alembic_ini = 5", "pyproject.toml:4: alembic_ini = 5 is not usable"),
        ("extensions = [1]", "pyproject.toml:4: extensions = [1] is not usable"),
        ("env_keys = { url = 5 }", "pyproject.toml:4: env_keys = {'url': 5} is not usable"),
    ],
)
def test_a_value_of_the_wrong_kind_is_one_line_naming_file_and_line(
    tmp_path: Path, line: str, expected: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n[tool.devdb]\n{line}\n')
    result = devdb(tmp_path, "status")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"error: {expected}"


def test_a_pyproject_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.devdb]\nport = \xff\n")
    result = devdb(tmp_path, "status")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not UTF-8 text" in result.stderr.splitlines()[0]
