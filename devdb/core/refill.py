"""Background job after a reset: clone the next spare from the template, drop old copies,
then stay as the checkout's reset agent (devdb.core.agent)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from devdb import snapshots
from devdb.engines.base import Server


def refill(server: Server, job: dict[str, Any]) -> None:
    template, spare = job["template"], job["spare"]
    with snapshots.advisory_lock(server, spare):
        if snapshots.exists(server, template) and not snapshots.exists(server, spare):
            snapshots.create_from(server, spare, template)
    key = template.rsplit("_", 1)[-1]
    snapshots.collect(
        server,
        job["database"],
        keep_key=key,
        keep_templates=job["keep_templates"],
        keep_prev=job["keep_prev"],
    )


def main() -> None:
    job = json.loads(os.environ["DEVDB_REFILL"])
    host, port, user = job["server"]
    password = os.environ.pop("DEVDB_REFILL_PASSWORD")
    refill(Server(host, int(port), user, password), job)
    if job.get("root"):
        from devdb.core.agent import serve

        serve(Path(job["root"]), password)


if __name__ == "__main__":
    main()
