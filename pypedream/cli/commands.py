"""One plain function per command: arguments in, exit code out, text to the given streams."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import IO

from pypedream.cli.errors import ExitCode

__all__ = ["run"]


def run(
    target: str,
    assignments: Sequence[str] = (),
    *,
    workers: int | None = None,
    fail_fast: bool = False,
    as_json: bool = False,
    run_id: str | None = None,
    stdout: IO[str],
    stderr: IO[str],
) -> ExitCode:
    """Load TARGET, convert `-p` values, run the pipeline, report; return the exit code.

    Raises CliError, PipelineDefinitionError or ParameterError before anything runs. With
    `as_json`, stdout carries only the result: whatever the pipeline prints goes to stderr.
    """
    from pypedream.cli.conversion import convert_parameters, parse_assignments
    from pypedream.cli.progress import LiveProgress, wants_progress
    from pypedream.cli.report import format_failures
    from pypedream.cli.target import load_pipeline

    texts = parse_assignments(assignments)
    quiet_stdout = contextlib.redirect_stdout(stderr) if as_json else contextlib.nullcontext()
    with quiet_stdout:
        pipeline = load_pipeline(target)
        pipeline.validate()
        params = convert_parameters(pipeline.parameters, texts, pipeline.name)
        pipeline.parameters.resolve(params, pipeline.name)  # missing/mistyped: fail before drawing
        progress = LiveProgress(len(pipeline.stages), stderr) if wants_progress(stderr) else None
        with progress or contextlib.nullcontext():
            result = pipeline.run(
                params,
                max_workers=workers,
                fail_fast=fail_fast,
                raise_on_failure=False,
                run_id=run_id,
                observer=progress,
            )
    if not result.ok:
        print(format_failures(result) + "\n", file=stderr, flush=True)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2), file=stdout, flush=True)
    else:
        print(result.summary(), file=stdout, flush=True)
    return ExitCode.OK if result.ok else ExitCode.STAGE_FAILED
