"""One module per command, each a short function over the project model (as alembic/command.py
does), plus the reset agent that serves `devdb reset` warm. No typer, no console here.

May import every room below it; never devdb.cli.
"""
