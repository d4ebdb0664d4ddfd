"""Where PostgreSQL runs and how to reach it: the engines (docker, embedded, external), the
checkout's opened project (config + state + engine), readiness, pg tools, devdb's bookkeeping
schema, the env files' DB values, the offline image.

May import devdb.project and below; never copies, migrations, commands or the CLI.
"""
