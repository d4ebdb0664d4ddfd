"""Branch database names, the hook's text and what counts as a branch switch: pure logic."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devdb.branches.catalog import database_for, incoming_name
from devdb.branches.hook import (
    BEGIN,
    CREATED,
    END,
    with_block,
    with_pre_commit_entry,
    without_block,
)
from devdb.branches.switch import SwitchResult, is_ignored
from devdb.errors import DevdbError

IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
DATABASES = st.from_regex(r"\A[a-z_][a-z0-9_]{0,62}\Z")
LINE = '/venv/bin/devdb branches _switch "$@" </dev/null || true'


@given(database=DATABASES, branch=st.text(min_size=1, max_size=300))
def test_any_branch_name_gives_a_valid_identifier(database: str, branch: str) -> None:
    name = database_for(database, branch)
    assert IDENT.match(name)
    assert len(name.encode()) <= 63
    assert "__" not in name[len(database[:24]) + len("__branch_") :]  # collect() leaves it
    for marker in ("__tpl_", "__spare_", "__prev_", "__old_"):
        assert marker not in name[len(database[:24]) :]
    assert (
        IDENT.match(incoming_name(database, branch)) and len(incoming_name(database, branch)) <= 63
    )


@given(st.lists(st.text(min_size=1, max_size=80), min_size=2, max_size=30, unique=True))
def test_different_branches_never_share_a_database(branches: list[str]) -> None:
    names = {database_for("app", branch) for branch in branches}
    assert len(names) == len(branches)


def test_names_read_like_the_branch() -> None:
    assert database_for("app", "feature/X-1").startswith("app__branch_feature_x_1_")
    assert database_for("app", "main") != database_for("app", "Main")


def test_a_new_hook_is_only_devdb_and_off_deletes_it() -> None:
    text = with_block(None, LINE)
    assert text.startswith("#!/bin/sh\n" + BEGIN) and CREATED in text and LINE in text
    assert without_block(text) is None


@pytest.mark.parametrize(
    "existing",
    [
        "#!/bin/sh\necho mine\n",
        '#!/usr/bin/env bash\nset -e\nexec ./other-hook "$@"\n',
        "#!/bin/sh",
        "echo no shebang\n",
    ],
)
def test_an_existing_hook_runs_after_devdb_and_off_restores_it(existing: str) -> None:
    text = with_block(existing, LINE)
    assert LINE in text
    if existing.startswith("#!"):
        assert text.startswith(existing.split("\n")[0] + "\n" + BEGIN)
    assert END in text
    assert with_block(text, LINE) == text  # on twice: one block
    restored = without_block(text)
    assert restored is not None
    assert restored.rstrip("\n") == existing.rstrip("\n")


def test_a_hook_in_another_language_is_not_edited() -> None:
    with pytest.raises(DevdbError, match="not a shell"):
        with_block("#!/usr/bin/env python3\nprint('hi')\n", LINE)


def test_pre_commit_entry_goes_first_in_repos_with_its_indentation() -> None:
    config = "repos:\n  - repo: https://x/y\n    rev: v1\n    hooks:\n      - id: z\n"
    text = with_pre_commit_entry(config, "/venv/bin/devdb branches _switch")
    assert text.index(BEGIN) < text.index("https://x/y")
    assert "  - repo: local\n" in text and "stages: [post-checkout]" in text
    assert without_block(text) == config
    assert with_pre_commit_entry(text, "/venv/bin/devdb branches _switch") == text
    with pytest.raises(DevdbError, match="repos"):
        with_pre_commit_entry("default_stages: [commit]\n", "x")
    assert "- repo: local" in with_pre_commit_entry("repos: []\n", "x")


@pytest.mark.parametrize(
    ("args", "env", "ignored"),
    [
        (["a", "b", "1"], {}, False),
        (["a", "b", "0"], {}, True),  # a file checkout
        (["a", "b", "1"], {"GIT_REFLOG_ACTION": "rebase (pick)"}, True),
        ([], {"PRE_COMMIT_CHECKOUT_TYPE": "0"}, True),
        ([], {"PRE_COMMIT_CHECKOUT_TYPE": "1"}, False),
    ],
)
def test_what_counts_as_a_branch_switch(
    args: list[str], env: dict[str, str], ignored: bool
) -> None:
    assert is_ignored(args, env) is ignored


def test_the_line_the_hook_prints() -> None:
    result = SwitchResult("feature-x", "main", "cloned", ["0007"], ["0008"], 1, 0.214, "x")
    assert result.line() == (
        "devdb: database for feature-x (cloned from main at 0007, +1 migration) in 0.21 s; "
        "a running app must reconnect"
    )
