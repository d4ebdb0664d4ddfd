"""What devdb knows of the repository, found once per command with evidence for each fact:
config, discovery, declared keys, env key roles, env files (read, merge, write, ownership), state.

May import devdb.errors, devdb.faults, devdb.background and the standard library (plus yaml,
dotenv); never the server, copies, migrations, commands or the CLI.
"""
