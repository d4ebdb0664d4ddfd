"""The Docker side: the client, the daemon architecture check, the `docker build` call with its
progress lines, and the previous image (same context digest: up to date; else removed if unused)."""

from __future__ import annotations

import contextlib
import platform
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from devdb.errors import DevdbError

if TYPE_CHECKING:
    from docker import DockerClient
from devdb.progress import Progress
from devdb.server.image.recipe import IMAGE_LABELS, LABEL_CONTEXT, first_line


def docker_client() -> DockerClient:
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except DockerException as exc:
        raise DevdbError(
            f"the Docker daemon is not reachable ({first_line(exc)})",
            "start Docker (e.g. sudo systemctl start docker, or as root: dockerd &), "
            "then run `devdb image build` again",
        ) from exc
    return client


_DOCKER_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


def check_daemon_arch(client: DockerClient) -> None:
    version = client.version()
    host = _DOCKER_ARCH.get(platform.machine(), platform.machine())
    daemon = f"{version.get('Os', '?')}/{version.get('Arch', '?')}"
    if daemon != f"linux/{host}":
        raise DevdbError(
            f"the Docker daemon runs {daemon}, this host is linux/{host}: the image would "
            "carry this host's binaries",
            "run `devdb image build` on a machine whose daemon is local (same OS and CPU)",
        )


def tagged_image(client: DockerClient, tag: str) -> Any:
    from docker.errors import DockerException

    try:
        return client.images.get(tag)
    except DockerException:
        return None


def same_build(image: Any, digest: str) -> bool:
    labels = image.labels or {}
    return labels.get(LABEL_CONTEXT) == digest and all(
        labels.get(k) == v for k, v in IMAGE_LABELS.items()
    )


def remove_if_unused(client: DockerClient, image: Any) -> None:
    """Drop the image the tag pointed to before (if devdb built it), now dangling, unless
    something still uses it (another tag, a container): the daemon refuses then, and that is
    fine."""
    from docker.errors import DockerException

    if (image.labels or {}).get("org.devdb.source") is None:
        return
    with contextlib.suppress(DockerException):
        client.images.remove(str(image.id))


def docker_build(
    client: DockerClient,
    fileobj: BinaryIO,
    tag: str,
    no_cache: bool,
    progress: Progress,
) -> str:
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    tail: deque[str] = deque(maxlen=15)
    image_id = ""
    error = ""
    try:
        stream: Iterator[dict[str, Any]] = client.api.build(
            fileobj=fileobj,
            custom_context=True,
            tag=tag,
            nocache=no_cache,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
        )
        for chunk in stream:
            for line in _stream_lines(chunk):
                tail.append(line)
                progress(line)
            if "error" in chunk:
                error = first_line(chunk.get("error") or chunk.get("errorDetail") or "")
            elif isinstance(chunk.get("aux"), dict) and chunk["aux"].get("ID"):
                image_id = str(chunk["aux"]["ID"])
    except (DockerException, RequestException) as exc:
        error = first_line(exc)
    if error or not image_id:
        lines = "the build's last lines:\n  " + "\n  ".join(tail) + "\n" if tail else ""
        raise DevdbError(
            f"docker build of {tag} failed: {error or 'no image produced'}",
            f"{lines}fix the cause and run `devdb image build` again",
        )
    return image_id


def _stream_lines(chunk: dict[str, Any]) -> Iterable[str]:
    text = chunk.get("stream") or chunk.get("status") or ""
    if isinstance(text, str):
        yield from (line.rstrip() for line in text.splitlines() if line.strip())
