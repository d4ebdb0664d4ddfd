"""Verified backups: the store (dump, restore, metadata), taking and verifying one, and the
gate that decides when a destructive step needs one first.

May import devdb.copies, devdb.migrations, devdb.server, devdb.lint, devdb.project and below;
never commands or the CLI.
"""
