"""Which engines a bench can run on here: embedded always; docker when a daemon answers, with
devdb's offline image built first if it is missing (no registry needed)."""

from __future__ import annotations

from collections.abc import Callable

IMAGE = "devdb-offline/pgvector:pg18"


def available(engine: str, log: Callable[[str], None]) -> bool:
    if engine == "embedded":
        return True
    from devdb.server.engines import docker_available

    if not docker_available():
        log("docker: no daemon; skipped")
        return False
    import docker
    from docker.errors import ImageNotFound

    try:
        docker.from_env().images.get(IMAGE)
    except ImageNotFound:
        from devdb.server.image.build import build_image

        log(f"docker: building {IMAGE} (no registry needed)")
        build_image(IMAGE)
    return True
