"""What devdb knows of the repository, found from its files with evidence for each fact.

May import devdb.errors and the standard library (plus yaml, dotenv); never the server, the
engines, migrations or the CLI.
"""
