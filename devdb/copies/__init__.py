"""devdb's databases on the server: templates (migrated + seeded), fixtures, spares and the
refill, clones, the per-test pool, scratch databases, table stats, catalog snapshots.

May import devdb.migrations, devdb.server, devdb.project and below; never backups, commands or the CLI.
"""
