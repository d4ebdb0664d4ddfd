"""A switch killed at each of its fault points (kill -9 of the hook) loses no branch's data:
the next switch finds which branch the database holds and carries on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_branches_e2e import (
    add_user,
    branch_with,
    columns,
    emails,
    git,
    on_main_with_branches,
)

from devdb.faults import BRANCH_POINTS

from e2e_util import add_migration, destroy, devdb, make_demo_project

pytestmark = pytest.mark.xdist_group("branches")


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    root = make_demo_project(tmp_path, engine="embedded")
    try:
        yield on_main_with_branches(root)
    finally:
        destroy(root)


@pytest.mark.parametrize("point", BRANCH_POINTS)
def test_a_switch_killed_midway_loses_no_branchs_rows(repo: Path, point: str) -> None:
    add_user(repo, "main@example.com")
    branch_with(repo, "feature", lambda r: add_migration(r, "0008", "0007", "summary"))
    os.environ["DEVDB_FAULT"] = f"{point}:SIGKILL"
    try:
        git(repo, "switch", "feature")  # the hook dies; the checkout itself is done
    finally:
        del os.environ["DEVDB_FAULT"]
    add_user(repo, "after-the-kill@example.com")  # whichever data is in place now

    git(repo, "switch", "main")
    assert "summary" not in columns(repo, "documents")  # main's own data, right away
    assert "main@example.com" in emails(repo)
    git(repo, "switch", "feature")
    assert "summary" in columns(repo, "documents")
    assert "main@example.com" in emails(repo)
    feature_rows = emails(repo)
    git(repo, "switch", "main")
    assert "summary" not in columns(repo, "documents")
    assert "main@example.com" in emails(repo)
    # the row made after the kill stays with the data it was written to: main's when the
    # swap had not happened (feature, cloned from main later, has it too), else feature's
    on_main = "after-the-kill@example.com" in emails(repo)
    on_feature = "after-the-kill@example.com" in feature_rows
    if point == "branches_incoming_ready":
        assert on_main and on_feature
    else:
        assert on_feature and not on_main
    status = devdb(repo, "status", "--json")
    assert status.returncode == 0, status.stderr
