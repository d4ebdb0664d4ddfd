"""PostgreSQL in a Docker container, through the docker SDK (never the docker CLI)."""

from __future__ import annotations

from collections.abc import Iterator
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

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

    from devdb.server.engines.base import ServerSite

LABEL_PROJECT = "devdb.project"
LABEL_PATH = "devdb.path"
DATA_MOUNT = "/var/lib/postgresql"  # PG 18 images keep PGDATA below it, not in .../data
# The container's own /dev/shm: a tmpfs that Docker empties whenever the container restarts.
# Its size is a cap, not an allocation; containers made before it was raised keep 256m.
SHM_SIZE = "1g"
SCRATCH_DIR = "/dev/shm/devdb-scratch"
SERVER_USER = "postgres"  # the OS user of the server, in the official and the offline image
# the image's entrypoint reads it (as root) at the first start: the password stays out of
# `docker inspect`, as it stays out of argv and logs
PASSWORD_MOUNT = "/run/secrets/devdb-postgres-password"


def _client(timeout: int = 30) -> DockerClient:
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except DockerException as exc:
        raise DevdbError(
            "the Docker daemon is not reachable",
            "start Docker (or as root: dockerd &), or run with --engine embedded",
        ) from exc
    return client


def ping() -> bool:
    try:
        _client(timeout=3)
    except DevdbError:
        return False
    return True


class DockerEngine(Engine):
    name = "docker"

    def __init__(self, site: ServerSite, spec: EngineSpec) -> None:
        self.spec = spec
        self.container_name = site.resource_name
        self.volume_name = f"{site.resource_name}-data"
        self.image = site.image
        self.image_is_default = site.image_is_default
        self.labels = {LABEL_PROJECT: site.project_name, LABEL_PATH: str(site.project_root)}
        self.password_file = site.state_dir / "docker-postgres-password"
        self._docker: DockerClient | None = None

    @property
    def client(self) -> DockerClient:
        if self._docker is None:
            self._docker = _client()
        return self._docker

    def _container(self) -> Container | None:
        from docker.errors import NotFound

        try:
            return self.client.containers.get(self.container_name)
        except NotFound:
            return None

    @staticmethod
    def _bound_port(container: Container) -> int | None:
        bindings = (container.attrs.get("HostConfig", {}).get("PortBindings") or {}).get("5432/tcp")
        if bindings and bindings[0].get("HostPort"):
            return int(bindings[0]["HostPort"])
        return None

    def server(self) -> Server | None:
        container = self._container()
        if container is None:
            return None
        port = self._bound_port(container)
        return Server("127.0.0.1", port, self.spec.user, self.spec.password) if port else None

    def is_running(self) -> bool:
        container = self._container()
        return container is not None and container.status == "running"

    def start(self, progress: Progress = silent) -> Server:
        container = self._container()
        if container is None:
            image = self._ensure_image(progress)
            container = self._create(image, progress)
            fault_point("up_server_created")
        elif container.labels.get(LABEL_PATH) != self.labels[LABEL_PATH]:
            raise DevdbError(
                f"container {self.container_name} exists but was not made by devdb for this checkout",
                "remove or rename it, then run devdb up again",
            )
        elif self._moved(container):
            container = self._recreate_on_port(container, progress)
        if container.status != "running":
            progress(f"starting container {self.container_name}")
            self._write_password_file()  # its bind mount needs the file at every start
            self._start_existing(container)
        port = self._bound_port(container)
        assert port is not None
        return Server("127.0.0.1", port, self.spec.user, self.spec.password)

    def _moved(self, container: Container) -> bool:
        bound = self._bound_port(container)
        return bool(self.spec.port_configured and self.spec.port and bound != self.spec.port)

    def _recreate_on_port(self, container: Container, progress: Progress) -> Container:
        """A port binding is fixed at creation: a new container on the configured port, on
        the same data volume (the data stays; its password is the volume's)."""
        assert self.spec.port is not None
        bound = self._bound_port(container) or 0
        if not port_is_free(self.spec.port):
            raise port_taken(self.spec.port, bound)
        progress(f"moving the server from port {bound} to the configured {self.spec.port}")
        image = str(container.attrs.get("Config", {}).get("Image") or self.image)
        container.remove(force=True)
        return self._create(image, progress)

    def _start_existing(self, container: Container) -> None:
        from docker.errors import APIError

        try:
            container.start()
        except APIError as exc:
            if "port is already allocated" in str(exc) or "address already in use" in str(exc):
                raise DevdbError(
                    f"port {self._bound_port(container)} on 127.0.0.1 is taken by another process",
                    "stop that process, or `devdb destroy` to get a new port (data is lost)",
                ) from exc
            raise DevdbError(
                f"container {self.container_name} did not start: {exc.explanation}"
            ) from exc
        container.reload()

    def _choose_port(self) -> int:
        if self.spec.port:
            if not port_is_free(self.spec.port):
                raise DevdbError(
                    f"port {self.spec.port} on 127.0.0.1 is already in use",
                    "free it, or remove `port` from the config to let devdb pick one",
                )
            return self.spec.port
        return free_port()

    def _create(self, image: str, progress: Progress) -> Container:
        from docker.errors import APIError

        port = self._choose_port()
        progress(f"creating container {self.container_name} ({image}) on 127.0.0.1:{port}")
        self._write_password_file()
        try:
            container = self.client.containers.run(
                image,
                name=self.container_name,
                detach=True,
                labels=self.labels,
                # POSTGRES_DB=postgres: devdb creates the app database itself, and the offline
                # image skips its temporary init server when there is nothing to create.
                environment={
                    "POSTGRES_USER": self.spec.user,
                    "POSTGRES_PASSWORD_FILE": PASSWORD_MOUNT,
                    "POSTGRES_DB": "postgres",
                },
                volumes={
                    self.volume_name: {"bind": DATA_MOUNT, "mode": "rw"},
                    str(self.password_file): {"bind": PASSWORD_MOUNT, "mode": "ro"},
                },
                ports={"5432/tcp": ("127.0.0.1", port)},
                shm_size=SHM_SIZE,
            )
        except APIError as exc:
            if "port is already allocated" in str(exc) or "address already in use" in str(exc):
                raise DevdbError(
                    f"port {port} on 127.0.0.1 is already in use",
                    "run devdb up again to pick another",
                ) from exc
            raise DevdbError(f"could not create the container: {exc.explanation}") from exc
        self.client.volumes.get(self.volume_name)  # created by run(); fail early if not
        container.reload()
        return container

    def _write_password_file(self) -> None:
        from devdb.project.state import atomic_write, ensure_state_dir

        ensure_state_dir(self.password_file.parent)
        atomic_write(self.password_file, self.spec.password, mode=0o600)

    def _ensure_image(self, progress: Progress) -> str:
        from docker.errors import APIError, ImageNotFound

        try:
            self.client.images.get(self.image)
            return self.image
        except ImageNotFound:
            pass
        progress(f"pulling {self.image}")
        try:
            for event in self.client.api.pull(self.image, stream=True, decode=True):
                status = event.get("status")
                if status and event.get("progress"):
                    progress(f"pulling {self.image}: {status} {event['progress']}")
            self.client.images.get(self.image)
            return self.image
        except (APIError, ImageNotFound) as exc:
            reason = str(getattr(exc, "explanation", None) or exc).splitlines()[0]
            from devdb.project.config import OFFLINE_IMAGE

            if self.image_is_default:
                try:
                    self.client.images.get(OFFLINE_IMAGE)
                    progress(
                        f"{self.image} cannot be pulled; using the locally built {OFFLINE_IMAGE}"
                    )
                    self.image = OFFLINE_IMAGE
                    return OFFLINE_IMAGE
                except ImageNotFound:
                    pass
                self.image = self._build_offline(reason, progress)
                return self.image
            raise DevdbError(
                f"image {self.image} is not here and cannot be pulled ({reason[:120]})",
                f"run `devdb image build` to build {OFFLINE_IMAGE} offline, then set "
                f'image = "{OFFLINE_IMAGE}" in [tool.devdb] (or check your registry access)',
            ) from exc

    @staticmethod
    def _build_offline(reason: str, progress: Progress) -> str:
        """No registry: devdb's own image, built here (`devdb image build`), one line per
        step with the time since the build began."""
        import time

        from devdb.project.config import OFFLINE_IMAGE
        from devdb.server.image.build import build_image

        progress(f"the default image cannot be pulled ({reason[:80]}); building {OFFLINE_IMAGE}")
        started = time.monotonic()

        def step(message: str) -> None:
            progress(f"image build [{time.monotonic() - started:4.1f}s] {message}")

        built = build_image(OFFLINE_IMAGE, progress=step)
        progress(f"built {OFFLINE_IMAGE} in {built.seconds:.1f}s")
        return OFFLINE_IMAGE

    def stop(self) -> bool:
        container = self._container()
        if container is None or container.status != "running":
            return False
        container.stop(timeout=10)
        return True

    def destroy(self) -> list[str]:
        from docker.errors import NotFound

        removed = []
        container = self._container()
        if container is not None:
            container.remove(force=True)
            removed.append(f"container {self.container_name}")
        try:
            self.client.volumes.get(self.volume_name).remove(force=True)
            removed.append(f"volume {self.volume_name}")
        except NotFound:
            pass
        self.password_file.unlink(missing_ok=True)
        return removed

    def repair_password(self) -> list[str]:
        container = self._container()
        if container is None or container.status != "running":
            raise DevdbError(f"container {self.container_name} is not running", "run devdb up")
        # \getenv: the password goes from the exec's environment to psql, never into argv
        script = f"""set -e
psql -X -q -v ON_ERROR_STOP=1 -U "$DEVDB_ROLE" -d postgres <<'SQL'
\\getenv pw DEVDB_PASSWORD
ALTER ROLE CURRENT_USER PASSWORD :'pw';
SQL
psql -X -tA -U "$DEVDB_ROLE" -d postgres -c "{USER_DATABASES}"
"""
        result = container.exec_run(
            ["sh", "-c", script],
            user=SERVER_USER,
            environment={"DEVDB_ROLE": self.spec.user, "DEVDB_PASSWORD": self.spec.password},
        )
        output = bytes(result.output or b"").decode(errors="replace").strip()
        if result.exit_code != 0:
            raise DevdbError(
                f"could not reset the password of {self.spec.user} in {self.container_name}: "
                f"{output.splitlines()[-1] if output else 'no message'}",
                "`devdb destroy` starts clean (its data is lost)",
            )
        return [line for line in output.splitlines() if line.strip()]

    def check_alive(self) -> None:
        container = self._container()
        if container is None:
            raise DevdbError(f"container {self.container_name} disappeared", "run devdb up again")
        if container.status in ("exited", "dead"):
            tail = self.log_tail(3).strip().replace("\n", " | ")
            raise DevdbError(
                f"container {self.container_name} exited: {tail[-300:]}", "see `devdb logs`"
            )

    def log_tail(self, lines: int = 20) -> str:
        container = self._container()
        if container is None:
            return ""
        return bytes(container.logs(tail=lines)).decode(errors="replace")

    def follow_logs(self) -> Iterator[str]:
        container = self._container()
        if container is None:
            return
        for chunk in container.logs(stream=True, follow=True, tail=50):
            yield bytes(chunk).decode(errors="replace")

    def describe(self) -> dict[str, Any]:
        container = self._container()
        if container is None:
            return {"container": self.container_name, "exists": False, "image": self.image}
        return {
            "container": self.container_name,
            "exists": True,
            "status": container.status,
            "image": container.attrs.get("Config", {}).get("Image", self.image),
            "volume": self.volume_name,
            "port": self._bound_port(container),
        }

    def runs_from(self) -> str | None:
        return str(self.describe().get("image") or "") or None

    def version_key(self) -> str:
        container = self._container()
        image_id = container.attrs.get("Image", "") if container is not None else ""
        return f"docker:{self.image}:{image_id[:19]}"

    def tool_command(self, tool: str, args: list[str]) -> ToolRun:
        return ToolRun(
            [tool, "-U", self.spec.user, *args],
            {"PGPASSWORD": self.spec.password},
            container=self.container_name,
        )

    def scratch_space(self) -> ScratchSpace:
        container = self._container()
        if container is None or container.status != "running":
            raise DevdbError(f"container {self.container_name} is not running", "run devdb up")
        made = container.exec_run(["mkdir", "-p", "-m", "700", SCRATCH_DIR], user=SERVER_USER)
        if made.exit_code != 0:
            output = bytes(made.output or b"").decode(errors="replace").strip()
            raise DevdbError(f"could not make {SCRATCH_DIR} in the container: {output[:200]}")
        size = int(container.attrs.get("HostConfig", {}).get("ShmSize") or 0)
        return ScratchSpace(SCRATCH_DIR, size)
