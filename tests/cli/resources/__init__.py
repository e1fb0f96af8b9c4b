"""Importable pipelines the CLI tests run, as module targets and as file targets."""
