"""The project's Alembic chain: a child-process runner in the app's interpreter, alembic-free
warm-path facts (scripts), drift between the database and the files.

May import devdb.server, devdb.project and below; never copies, commands or the CLI.
"""
