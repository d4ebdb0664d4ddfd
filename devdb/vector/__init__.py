"""pgvector checks and tools behind `devdb vector`: synthetic embeddings, catalog reads, the
code's distance operators, recall/latency measurement, sizing and the doctor's report.

May import devdb.errors, devdb.project.config, devdb.commands (to find the dev database), devdb.lint.project
(dimension discovery) and psycopg; never the CLI (typer, rich)."""
