"""Images for the docker engine: `devdb image build` makes a pgvector image with no registry."""

from devdb.server.image.build import DEFAULT_OFFLINE_TAG, BuiltImage, build_image

__all__ = ["DEFAULT_OFFLINE_TAG", "BuiltImage", "build_image"]
