"""Branch database names, the hook's text and place, what counts as a branch switch (no database)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devdb.branches.catalog import database_for, incoming_name
from devdb.branches.git import current_branch, hooks_dir
from devdb.branches.hook import (
    BEGIN,
    CREATED,
    END,
    install,
    installed,
    uninstall,
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


# -- where the hook goes: real git repositories, no database ---------------------------------
def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "commit", "-q", "--allow-empty", "-m", "first")
    return root


def test_the_hook_goes_where_core_hooks_path_says(repository: Path) -> None:
    _git(repository, "config", "core.hooksPath", "githooks")
    change = install(repository)
    assert change.path == repository / "githooks" / "post-checkout"
    assert os.access(change.path, os.X_OK)
    assert installed(repository)
    assert [c.path for c in uninstall(repository)] == [change.path]
    assert not change.path.exists() and not installed(repository)


def test_worktrees_share_the_common_hooks_folder(repository: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    _git(repository, "worktree", "add", "-q", "-b", "side", str(other))
    assert hooks_dir(other) == hooks_dir(repository) == (repository / ".git" / "hooks").resolve()
    assert current_branch(other) == "side" and current_branch(repository) == "main"


def test_a_project_using_pre_commit_gets_a_stage_entry_not_a_hook(repository: Path) -> None:
    config = repository / ".pre-commit-config.yaml"
    original = "repos:\n- repo: https://example.com/hooks\n  rev: v1\n  hooks:\n  - id: x\n"
    config.write_text(original)
    change = install(repository)
    assert (
        change.how == "pre-commit" and "pre-commit install --hook-type post-checkout" in change.note
    )
    assert not (repository / ".git" / "hooks" / "post-checkout").exists()
    assert "- repo: local\n" in config.read_text()
    uninstall(repository)
    assert config.read_text() == original


def test_the_hook_in_a_checkout_devdb_never_ran_in_says_nothing(repository: Path) -> None:
    (repository / "pyproject.toml").write_text('[project]\nname = "x"\n')
    done = subprocess.run(
        [sys.executable, "-m", "devdb", "branches", "_switch", "a", "b", "1"],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_hook_command_names_the_project_folder_and_the_detached_choice() -> None:
    from devdb.branches.hook import switch_command

    assert switch_command(".").endswith("devdb branches _switch")
    assert switch_command("apps/api", detached=True).endswith(
        "branches _switch --project apps/api --detached"
    )


def test_merged_means_committed_on_and_merged_not_just_made(repository: Path) -> None:
    from devdb.branches.git import merged_branches

    _git(repository, "branch", "just-made")
    _git(repository, "switch", "-q", "-c", "done")
    _git(repository, "commit", "-q", "--allow-empty", "-m", "work")
    _git(repository, "switch", "-q", "main")
    _git(repository, "merge", "-q", "--no-ff", "-m", "merge", "done")
    _git(repository, "commit", "-q", "--allow-empty", "-m", "main moves on")
    assert merged_branches(repository) == {"done"}


def test_a_rebase_under_way_is_seen(repository: Path) -> None:
    from devdb.branches.git import rebasing

    assert not rebasing(repository)
    (repository / ".git" / "rebase-merge").mkdir()
    assert rebasing(repository)
