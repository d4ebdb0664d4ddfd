"""`devdb rehearse`: synthetic data at size, a copy kept as a template, traced migrations, report.
Imports errors, project, server, lint, migrations and copies (never vector, commands or cli)."""
