"""Example pipelines shipped with pypedream (importable, runnable with `pypedream run`)."""
