"""The CLI's error type and exit codes."""

from __future__ import annotations

import enum

__all__ = ["CliError", "ExitCode", "listing"]


class ExitCode(enum.IntEnum):
    """What `pypedream` exits with."""

    OK = 0
    STAGE_FAILED = 1
    DIFFERS = 1  # export-airflow --check: a DAG file is missing or out of date
    USAGE = 2  # bad arguments, target, definition or parameters: nothing ran
    INTERRUPTED = 130


class CliError(Exception):
    """A problem with what the user asked for; printed as `Error: <message>`, nothing ran."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def listing(headline: str, problems: list[str]) -> str:
    """`headline: problem` for one problem; `headline:` then an indented list for several."""
    if len(problems) == 1:
        return f"{headline}: {problems[0]}"
    return f"{headline}:\n" + "\n".join(f"  - {problem}" for problem in problems)
