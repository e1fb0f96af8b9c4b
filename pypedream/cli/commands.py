"""One plain function per command: arguments in, exit code out, text to the given streams."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pypedream.cli.errors import CliError, ExitCode, listing

if TYPE_CHECKING:
    from pypedream_compiler import ExportResult

    from pypedream.definition.airflow_options import AirflowOptions

__all__ = ["check", "export_airflow", "parity", "run"]

MISSING_EXTRA = (
    'pypedream export-airflow needs the "airflow" extra: pip install "pypedream[airflow]"'
)
MISSING_AIRFLOW = (
    'pypedream parity needs Apache Airflow: pip install "pypedream[airflow]" '
    "(or pass --airflow-env PATH)"
)


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


def export_airflow(
    targets: Sequence[str],
    out_dir: str,
    *,
    dag_id: str | None = None,
    check: bool = False,
    force: bool = False,
    template_dir: str | None = None,
    schedule: str | None = None,
    start_date: dt.datetime | None = None,
    catchup: bool | None = None,
    tags: Sequence[str] | None = None,
    owner: str | None = None,
    default_args: Sequence[str] = (),
    regenerate_command: str,
    stdout: IO[str],
) -> ExitCode:
    """Write (or with `check`, compare) one DAG file per TARGET; return the exit code.

    The Airflow options given override each pipeline's own `airflow=` options. Raises
    CliError (nothing written) for bad targets and pipelines that cannot be exported.
    """
    try:  # the only import of the compiler from pypedream (import-linter allows this one)
        from pypedream_compiler import (
            ExportError,
            ExportStatus,
            GeneratedCodeError,
        )
        from pypedream_compiler import export_airflow as export
    except ImportError as problem:
        if (problem.name or "").partition(".")[0] not in {"jinja2", "libcst"}:
            raise
        raise CliError(MISSING_EXTRA) from None
    from pypedream.cli.conversion import convert_value, parse_assignments
    from pypedream.cli.target import load_reference

    if dag_id is not None and len(targets) != 1:
        raise CliError(
            f"--dag-id names one DAG, so it needs exactly one TARGET (got {len(targets)})"
        )
    if template_dir is not None and not Path(template_dir).is_dir():
        raise CliError(f"--template-dir {template_dir!r}: no such directory; fix the path")
    texts = parse_assignments(
        default_args, option="--default-arg", noun="default_arg", example="retries=2"
    )
    overrides: dict[str, Any] = {
        "schedule": schedule,
        "start_date": start_date,
        "catchup": catchup,
        "tags": tuple(tags) if tags is not None else None,
        "owner": owner,
        "default_args": {name: convert_value(text, None) for name, text in texts.items()},
    }
    jobs = []
    for target in targets:
        pipeline, reference = load_reference(target)
        jobs.append((reference, _options(pipeline.airflow, overrides)))

    def export_each(dry_run: bool) -> list[ExportResult]:
        results, problems = [], []
        for reference, options in jobs:
            try:
                results += export(
                    reference,
                    out_dir,
                    dag_id=dag_id,
                    options=options,
                    check=dry_run,
                    force=force,
                    template_dir=template_dir,
                    regenerate_command=regenerate_command,
                )
            except ExportError as problem:
                problems.append(str(problem))
            except GeneratedCodeError as problem:
                if template_dir is None:
                    raise  # a bug in the built-in template: keep the traceback
                problems.append(f"--template-dir {template_dir!r}: {problem}")
        _raise_for(problems)
        return results

    # Each pipeline has its own options, so one call per TARGET; all are checked before
    # any is written, so a problem with one TARGET leaves every file untouched.
    results = export_each(dry_run=True)
    _refuse_shared_paths(results, [reference for reference, _ in jobs])
    if not check:
        try:
            results = export_each(dry_run=False)
        except OSError as problem:
            raise CliError(f"cannot write to {out_dir!r}: {problem}") from None
    differs = False
    for result in results:
        if result.status is ExportStatus.DIFFERS:
            differs = True
            state = "is out of date" if result.path.exists() else "does not exist"
            print(
                f"{result.path} {state}; run `{regenerate_command}` to regenerate it.", file=stdout
            )
            print(result.diff, end="" if result.diff.endswith("\n") else "\n", file=stdout)
        else:
            verb = "wrote" if result.status is ExportStatus.WRITTEN else result.status.value
            print(f"{verb} {result.path}", file=stdout)
    stdout.flush()
    return ExitCode.DIFFERS if differs else ExitCode.OK


def _raise_for(problems: list[str]) -> None:
    if len(problems) == 1:
        raise CliError(problems[0])
    if problems:
        headline = f"{len(problems)} targets cannot be exported (nothing was written)"
        raise CliError(listing(headline, [text.replace("\n", "\n    ") for text in problems]))


def _options(own: Any, overrides: dict[str, Any]) -> AirflowOptions | None:
    """The pipeline's `airflow=` options (or the defaults) with the CLI's values on top."""
    from pypedream.definition.airflow_options import AirflowOptions

    if own is not None and not isinstance(own, AirflowOptions):
        return None  # export_airflow reports the wrong type
    base = own or AirflowOptions()
    default_args = {**base.default_args, **overrides["default_args"]}
    return base.merged(**{**overrides, "default_args": default_args})


def _refuse_shared_paths(results: Sequence[ExportResult], references: Sequence[str]) -> None:
    owners: dict[Path, str] = {}
    for result, reference in zip(results, references, strict=True):
        if result.path in owners:
            raise CliError(
                f"targets {owners[result.path]!r} and {reference!r} both export dag_id "
                f"{result.dag_id!r} ({result.path}); give one of them another dag_id "
                f"(Pipeline(..., airflow=AirflowOptions(dag_id=...)))"
            )
        owners[result.path] = reference


def _load_with_params(
    target: str, assignments: Sequence[str], *, by_reference: bool
) -> tuple[Any, str, dict[str, Any]]:
    """TARGET's pipeline, its `module:attr` reference (when `by_reference`, else TARGET) and
    its converted, checked `-p` values."""
    from pypedream.cli.conversion import convert_parameters, parse_assignments
    from pypedream.cli.target import load_pipeline, load_reference

    texts = parse_assignments(assignments)
    if by_reference:
        pipeline, reference = load_reference(target)
    else:
        pipeline, reference = load_pipeline(target), target
    pipeline.validate()
    params = convert_parameters(pipeline.parameters, texts, pipeline.name)
    pipeline.parameters.resolve(params, pipeline.name)  # missing/mistyped: fail before running
    return pipeline, reference, params


def parity(
    target: str,
    assignments: Sequence[str] = (),
    *,
    as_json: bool = False,
    keep: bool = False,
    airflow_env: str | None = None,
    rtol: float = 0.0,
    atol: float = 0.0,
    fast: bool = False,
    airflow_url: str | None = None,
    dags_folder: str | None = None,
    stdout: IO[str],
    stderr: IO[str],
) -> ExitCode:
    """Run TARGET in an embedded Airflow and natively, compare every stage; return the exit code.

    Exit 0 when every stage behaves the same, 1 on any difference; CliError (exit 2) when the
    comparison cannot be made. With `as_json`, stdout carries only the report.
    """
    try:  # the compiler, imported inside the function (import-linter allows this module only)
        from pypedream_compiler import AirflowMissingError, ParityError, run_parity
    except ImportError as problem:
        if (problem.name or "").partition(".")[0] not in {"jinja2", "libcst"}:
            raise
        raise CliError(MISSING_AIRFLOW) from None
    python = None
    if airflow_env is not None:
        python = Path(airflow_env)
        if python.is_dir():  # a virtual environment: its interpreter
            python = python / "bin" / "python"
        if not python.is_file():
            raise CliError(f"--airflow-env {airflow_env!r}: no such Python; fix the path")
    live = None
    if (airflow_url is None) != (dags_folder is None):
        raise CliError("--airflow-url and --dags-folder go together; pass both")
    if airflow_url is not None and dags_folder is not None:
        from pypedream_compiler import LiveAirflow

        if not Path(dags_folder).is_dir():
            raise CliError(f"--dags-folder {dags_folder!r}: no such directory; fix the path")
        live = LiveAirflow(airflow_url, Path(dags_folder))
    quiet_stdout = contextlib.redirect_stdout(stderr) if as_json else contextlib.nullcontext()
    with quiet_stdout:
        _, reference, params = _load_with_params(target, assignments, by_reference=True)
        try:
            report = run_parity(
                [(reference, params)],
                airflow_python=python,
                keep=keep,
                rtol=rtol,
                atol=atol,
                mode="single-process" if fast else "process-per-task",
                airflow=live,
            )
        except AirflowMissingError as problem:
            hint = MISSING_AIRFLOW if python is None else f"{problem}; install it there"
            raise CliError(hint) from None
        except ParityError as problem:
            raise CliError(str(problem)) from None
    print(report.to_json() if as_json else report.render(), file=stdout, flush=True)
    return ExitCode.OK if report.equal else ExitCode.DIFFERS


def check(
    target: str,
    assignments: Sequence[str] = (),
    *,
    as_json: bool = False,
    stdout: IO[str],
    stderr: IO[str],
) -> ExitCode:
    """Run TARGET natively and report whether every value can travel between Airflow tasks.

    Exit 0 when nothing blocks the export, 1 when a value cannot be carried (or a stage
    failed, so its values could not be checked). Needs no Airflow.
    """
    from pypedream.cli.report import format_failures
    from pypedream.worker.readiness import check_readiness

    quiet_stdout = contextlib.redirect_stdout(stderr) if as_json else contextlib.nullcontext()
    with quiet_stdout:
        pipeline, _, params = _load_with_params(target, assignments, by_reference=False)
        result = pipeline.run(params, raise_on_failure=False)
    report = check_readiness(result, pipeline)
    if result.failed:
        print(format_failures(result) + "\n", file=stderr, flush=True)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, default=repr), file=stdout, flush=True)
    else:
        print(report.render(), file=stdout, flush=True)
    return ExitCode.DIFFERS if report.blocking or result.failed else ExitCode.OK
