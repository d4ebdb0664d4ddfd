"""The core API: one function per command, over a Config. No typer, no console here."""
