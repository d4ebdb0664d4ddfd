"""The reset agent: the warm process that serves `devdb reset --yes` after a reset or an up."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import psycopg
import pytest

from devdb.cli.fast import PlainReset, parse_plain_reset
from devdb.commands import agent

from e2e_util import add_migration, db_url, destroy, devdb, make_demo_project

pytestmark = pytest.mark.xdist_group("reset")


def test_only_a_plain_reset_with_yes_takes_the_fast_path() -> None:
    assert parse_plain_reset(["reset", "--yes"]) == PlainReset(None, False, False)
    assert parse_plain_reset(["reset", "-y", "--json", "--no-backup", "-C", "x"]) == PlainReset(
        Path("x"), True, True
    )
    assert parse_plain_reset(["reset", "--project=x", "--yes"]) == PlainReset(
        Path("x"), False, False
    )
    for argv in (
        ["reset"],  # asks, or refuses without a TTY: the typer app does that
        ["reset", "--yes", "--undo"],
        ["reset", "--yes", "--help"],
        ["reset", "--yes", "--project"],
        ["reset", "--yes", "--allow-external-reset"],
        ["--debug", "reset", "--yes"],
        ["status"],
        [],
    ):
        assert parse_plain_reset(argv) is None, argv


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = make_demo_project(tmp_path, engine="embedded")
    devdb(root, "up", "--no-app", check=True)
    try:
        yield root
    finally:
        destroy(root)


def wait_for(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def reset(root: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    return json.loads(devdb(root, "reset", "--yes", "--json", *args, env=env, check=True).stdout)


def users(root: Path) -> int:
    with psycopg.connect(db_url(root)) as conn:
        return int(conn.execute("SELECT count(*) FROM users").fetchone()[0])  # type: ignore[index]


def test_the_agent_serves_resets_and_declines_what_the_cli_must_do(demo: Path) -> None:
    path = agent.socket_path(demo.resolve())
    wait_for(lambda: answers(path), "the agent started by `up`")
    seeded = users(demo)
    with psycopg.connect(db_url(demo), autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, display_name) VALUES ('x@example.com', 'X')")

    served = reset(demo)
    assert served["by_agent"] is True
    assert served["kept_as"]
    assert users(demo) == seeded

    # a new migration means a template build: the CLI does it, with the user's environment
    add_migration(demo, "0008", "0007", "summary")
    rebuilt = reset(demo)
    assert rebuilt["template_built"] is True and rebuilt["by_agent"] is False
    wait_for(lambda: answers(path), "the agent after the rebuild")
    assert reset(demo)["by_agent"] is True

    # --no-backup travels to the agent
    assert reset(demo, "--no-backup")["kept_as"] is None

    # another devdb (here: a forged code stamp) is declined, and the agent stops
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(path))
        request = {"reset": {}, "devdb": "another", "until": time.time() + 10}
        sock.sendall(json.dumps(request).encode() + b"\n")
        assert "declined" in json.loads(sock.makefile().readline())
    wait_for(lambda: not path.exists(), "the agent to stop")
    assert reset(demo)["by_agent"] is False  # and the CLI resets by itself


def test_down_stops_the_agent_and_the_next_up_starts_one(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    path = agent.socket_path(root.resolve())
    try:
        devdb(root, "up", "--no-app", check=True)
        wait_for(lambda: answers(path), "the agent started by `up`")
        devdb(root, "down", check=True)
        wait_for(lambda: not path.exists(), "the agent to leave with its server")
        assert "stopped: devdb down" in (root / ".devdb" / "agent.log").read_text()
        devdb(root, "up", "--no-app", check=True)
        assert reset(root)["by_agent"] is False  # no agent yet: this reset starts one
        wait_for(lambda: answers(path), "the agent started by the reset")
        assert reset(root)["by_agent"] is True
    finally:
        destroy(root)


def test_no_agent_when_turned_off_and_none_after_destroy(tmp_path: Path) -> None:
    root = make_demo_project(tmp_path, engine="embedded")
    path = agent.socket_path(root.resolve())
    try:
        devdb(root, "up", "--no-app", check=True, env={"DEVDB_AGENT": "0"})
        first = reset(root, env={"DEVDB_AGENT": "0"})
        assert first["by_agent"] is False
        assert not path.exists()
        reset(root)  # starts one
        wait_for(lambda: answers(path), "the agent")
    finally:
        destroy(root)
    wait_for(lambda: not path.exists(), "the agent to go with the project's state")
