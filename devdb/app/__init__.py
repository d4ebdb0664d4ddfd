"""Running the project's app in the foreground with the database environment.

May import devdb.project and below.
"""
