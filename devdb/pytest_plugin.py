"""pytest plugin (entry point `pytest11`): per-test databases cloned from devdb's template.

Filled in by the pytest-plugin work; registering it early keeps the entry point valid.
"""
