"""Background job after a reset: clone the next spare from the template, drop old copies,
then stay as the checkout's reset agent (devdb.commands.agent)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from devdb.copies.refill import refill as refill
from devdb.server.engines.base import Server


def main() -> None:
    job = json.loads(os.environ["DEVDB_REFILL"])
    host, port, user = job["server"]
    password = os.environ.pop("DEVDB_REFILL_PASSWORD")
    refill(Server(host, int(port), user, password), job)
    if job.get("root"):
        from devdb.commands.agent import serve

        serve(Path(job["root"]), password)


if __name__ == "__main__":
    main()
