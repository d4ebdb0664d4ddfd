"""Make the next spare from the template and collect old copies (the refill job)."""

from __future__ import annotations

from typing import Any

from devdb.copies import snapshots
from devdb.server.engines.base import Server


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
