"""A warm process that serves `devdb reset` for one checkout.

A reset is ~40 ms of catalog statements, but a new `devdb` process first spends ~250 ms
importing psycopg. So the background process that makes the next spare after a reset (or
after `up`) then stays, listening on a Unix socket only its user can open, and the next
plain `devdb reset --yes` asks it instead of doing the work itself.

The agent serves only the common case: the server answers and the template for the files on
disk exists. Everything else — a template to rebuild, the project lock held, a different
devdb, any error — it declines, and the CLI does the reset itself, with the user's
environment, progress display and error messages. It exits after IDLE_SECONDS without a
request, when the project's state is gone (`devdb destroy`), when another devdb asks, or
when the server stopped. DEVDB_AGENT=0 turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

IDLE_SECONDS = 600.0
POLL_SECONDS = 2.0
REPLY_TIMEOUT = 15.0


def enabled() -> bool:
    supported = hasattr(socket, "AF_UNIX") and hasattr(os, "getuid")
    return supported and os.environ.get("DEVDB_AGENT", "1") != "0"


def socket_path(root: Path) -> Path:
    """Outside the project: Unix socket paths are limited to ~100 bytes."""
    folder = Path(tempfile.gettempdir()) / f"devdb-{os.getuid()}"
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return folder / f"{digest}.sock"


def code_stamp() -> str:
    """Which devdb this is: a client and an agent of different code must not mix."""
    import devdb

    package = Path(devdb.__file__).parent
    newest = max(path.stat().st_mtime_ns for path in package.rglob("*.py"))
    return f"{devdb.__version__}:{package}:{newest}"


# -- the client side: stdlib only, so asking costs milliseconds ------------------------------
def ask_reset(root: Path, *, keep_previous: bool) -> dict[str, Any] | None:
    """The agent's reset result, or None when there is no agent or it declined."""
    if not enabled():
        return None
    path = _agent_socket(root)
    if path is None:
        return None
    request = {
        "reset": {"keep_previous": keep_previous},
        "devdb": code_stamp(),
        # a request that waited past this in the backlog is declined: its client gave up
        # and resets by itself
        "until": time.time() + REPLY_TIMEOUT - 1,
    }
    result = _exchange(path, request, REPLY_TIMEOUT).get("result")
    return result if isinstance(result, dict) else None


def stop_agent(root: Path, timeout: float = 3.0) -> bool:
    """Ask the checkout's agent to leave now (`devdb down`); True when it said it would.
    An agent busy past `timeout` leaves by itself when it finds the server gone."""
    path = _agent_socket(root)
    return path is not None and bool(_exchange(path, {"stop": True}, timeout).get("stopped"))


def _agent_socket(root: Path) -> Path | None:
    """The socket of the checkout's agent, when there is one we may trust."""
    path = socket_path(root)
    return path if path.exists() and _private(path.parent) else None


def _exchange(path: Path, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Send one request line, read the reply line; {} when the agent could not answer."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(message).encode() + b"\n")
            reply = json.loads(_read_line(sock) or "{}")
    except (OSError, ValueError):
        return {}
    return reply if isinstance(reply, dict) else {}


def _read_line(sock: socket.socket) -> str:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            break
    return b"".join(chunks).decode()


# -- the agent side ----------------------------------------------------------------------------
def serve(root: Path, password: str) -> None:
    """Serve resets for the project at `root` until idle, gone or stale."""
    if not enabled():
        return
    listener = _bind(socket_path(root))
    if listener is None:
        return  # another agent serves this checkout
    from devdb.project.config import STATE_DIRNAME

    stamp = code_stamp()
    state_file = root / STATE_DIRNAME / "state.json"
    deadline = time.monotonic() + IDLE_SECONDS
    listener.settimeout(POLL_SECONDS)
    path = socket_path(root)
    inode = path.stat().st_ino
    try:
        while time.monotonic() < deadline and state_file.exists() and _still_ours(path, inode):
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                keep_serving = _handle(conn, root, stamp, password)
            if not keep_serving:
                return
            deadline = time.monotonic() + IDLE_SECONDS
    finally:
        listener.close()
        if _still_ours(path, inode):
            path.unlink(missing_ok=True)


def _private(folder: Path) -> bool:
    """Ours and closed to others: nobody else can put a socket there."""
    st = folder.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o077


def _bind(path: Path) -> socket.socket | None:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    if not _private(path.parent):
        return None
    if path.exists():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
            return None  # alive
        except OSError:
            path.unlink(missing_ok=True)  # left by an agent that was killed
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(str(path))
    except OSError:
        listener.close()
        return None
    finally:
        os.umask(old_umask)
    listener.listen(8)
    return listener


def _still_ours(path: Path, inode: int) -> bool:
    try:
        return path.stat().st_ino == inode
    except OSError:
        return False


def _handle(conn: socket.socket, root: Path, stamp: str, password: str) -> bool:
    """Answer one request; False when the agent should stop serving."""
    conn.settimeout(REPLY_TIMEOUT)
    try:
        request = json.loads(_read_line(conn) or "{}")
    except (OSError, ValueError):
        return True
    if not request:
        return True  # a probe: connected and closed
    if request.get("stop"):  # any devdb may ask: the server is going away
        _log(root, "stopped: devdb down")
        _reply(conn, {"stopped": True})
        return False
    if request.get("devdb") != stamp:
        _log(root, f"declined and stopped: a client of another devdb ({request.get('devdb')})")
        _reply(conn, {"declined": "another devdb"})
        return False
    if time.time() > float(request.get("until") or 0):
        _log(root, "ignored a request its client no longer waits for")
        return True
    options = request.get("reset") or {}
    try:
        result, refill = _reset(
            root, password, keep_previous=bool(options.get("keep_previous", True))
        )
    except Declined as declined:
        _log(root, f"declined: {declined.reason}")
        _reply(conn, {"declined": declined.reason})
        return not declined.stop
    except Exception as exc:  # the CLI redoes it and reports properly
        from devdb.copies import snapshots

        snapshots.close_connections()
        _log(root, f"declined: {type(exc).__name__}: {str(exc).strip()[:300]}")
        _reply(conn, {"declined": type(exc).__name__})
        return True
    _reply(conn, {"result": result})
    conn.close()
    refill()
    return True


def _log(root: Path, line: str) -> None:
    """Why a reset was not served, for whoever wonders (.devdb/agent.log)."""
    from devdb.project.config import STATE_DIRNAME

    with contextlib.suppress(OSError), open(root / STATE_DIRNAME / "agent.log", "a") as log:
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")


def _reply(conn: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the client gave up waiting
        conn.sendall(json.dumps(message, default=str).encode() + b"\n")


class Declined(Exception):
    def __init__(self, reason: str, *, stop: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.stop = reason, stop


def _reset(
    root: Path, password: str, *, keep_previous: bool
) -> tuple[dict[str, Any], Callable[[], None]]:
    """Reset under the project lock unless the CLI should: (result, make the next spare)."""
    from devdb.commands.reset import live_server, refill_job, reset_project
    from devdb.copies.refill import refill
    from devdb.project.config import read_config
    from devdb.server.checkout import open_project, project_lock

    config = read_config(root)
    jobs: list[dict[str, Any]] = []
    with project_lock(config, timeout=0):
        project = open_project(config)
        if not project.engine.managed or project.state.password != password:
            raise Declined("another server", stop=True)
        server = live_server(project)
        if server is None:
            raise Declined("the server does not answer", stop=True)
        result = reset_project(  # TemplateNotBuilt when a build is due: the CLI does that
            project,
            server,
            keep_previous=keep_previous,
            build_template=False,
            next_spare=lambda *spare: jobs.append(refill_job(*spare)),
        )
    return {**result.__dict__, "by_agent": True}, lambda: refill(server, jobs[0])
