"""One plain function per command: arguments in, exit code out, text to the given streams."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pypedream.cli.errors import CliError, ExitCode, listing

if TYPE_CHECKING:
    from pypedream_compiler import ExportResult

    from pypedream.definition.airflow_options import AirflowOptions

__all__ = ["check", "export_airflow", "graph", "parity", "run"]

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
    quiet: bool = False,
    log_level: str | None = None,
    stdout: IO[str],
    stderr: IO[str],
) -> ExitCode:
    """Load TARGET, convert `-p` values, run the pipeline, report; return the exit code.

    Raises CliError, PipelineDefinitionError or ParameterError before anything runs (and
    LogDestinationError when the log file cannot be written). With `as_json`, stdout carries
    only the result: whatever the pipeline prints goes to stderr. `quiet` turns the console
    log and progress off and prints failures and the verdict only; `log_level` sets the
    console's level.
    """
    from pypedream.cli.interrupts import GracefulStop
    from pypedream.cli.progress import LiveProgress, wants_progress
    from pypedream.cli.report import format_failures
    from pypedream.errors import RunInterrupted

    quiet_stdout = contextlib.redirect_stdout(stderr) if as_json else contextlib.nullcontext()
    with quiet_stdout:
        pipeline, _, params = _load_with_params(target, assignments, by_reference=False)
        pipeline = _with_console(pipeline, quiet, log_level)
        show_progress = not quiet and wants_progress(stderr)
        progress = (
            LiveProgress(len(pipeline.stages), stderr, clock=time.monotonic, tick=1.0)
            if show_progress
            else None
        )
        with progress or contextlib.nullcontext(), GracefulStop(progress, stderr) as observer:
            try:
                result = pipeline.run(
                    params,
                    max_workers=workers,
                    fail_fast=fail_fast,
                    raise_on_failure=False,
                    run_id=run_id,
                    observer=observer,
                )
            except RunInterrupted as stopped:  # a second Ctrl-C: stopped at once
                result = stopped.result
    if result.failed:
        print(format_failures(result) + "\n", file=stderr, flush=True)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2), file=stdout, flush=True)
    elif quiet:
        print(result.summary().split("\n\n", 1)[-1], file=stdout, flush=True)
    else:
        print(result.summary(), file=stdout, flush=True)
    if result.interrupted:
        return ExitCode.INTERRUPTED
    return ExitCode.OK if result.ok else ExitCode.STAGE_FAILED


def _with_console(pipeline: Any, quiet: bool, log_level: str | None) -> Any:
    """The pipeline with the console settings of --quiet / --log-level applied. Its console
    leaves stage tracebacks out: the failure report prints each once, after the run."""
    settings = pipeline.log_settings
    if settings is None:
        return pipeline
    console = settings.for_console(quiet=quiet, level=log_level, tracebacks=False)
    return pipeline.with_log_settings(console)


def graph(
    target: str, *, graph_format: str | None = None, output: str | None = None, stdout: IO[str]
) -> ExitCode:
    """Print (or write to `output`) TARGET's graph as Mermaid, DOT or SVG."""
    from pypedream.cli.target import load_pipeline
    from pypedream.views.graph import to_dot, to_mermaid, to_svg

    if graph_format is None:
        graph_format = _graph_format_of(output)
    pipeline = load_pipeline(target)
    pipeline.validate()
    render = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}[graph_format]
    text = render(pipeline)
    if output is None:
        stdout.write(text)
        stdout.flush()
        return ExitCode.OK
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as problem:
        raise CliError(f"cannot write {output!r}: {problem.strerror or problem}") from None
    print(f"wrote {output}", file=stdout, flush=True)
    return ExitCode.OK


_GRAPH_SUFFIXES = {"": "mermaid", ".mmd": "mermaid", ".mermaid": "mermaid", ".txt": "mermaid"}
_GRAPH_SUFFIXES |= {".dot": "dot", ".gv": "dot", ".svg": "svg"}


def _graph_format_of(output: str | None) -> str:
    """The format an `-o` file's suffix asks for; an unknown suffix (`.png`) is an error."""
    suffix = Path(output).suffix.lower() if output else ""
    found = _GRAPH_SUFFIXES.get(suffix)
    if found is None:
        known = ", ".join(s for s in _GRAPH_SUFFIXES if s)
        raise CliError(
            f"cannot tell the graph format of {output!r}: pypedream writes Mermaid, DOT or "
            f"SVG, not {suffix}. Fix: use a suffix of {known}, or give --format "
            f"(for a picture: -o graph.svg, or `dot -Tpng` on a .dot file)"
        )
    return found


def export_airflow(
    targets: Sequence[str],
    out_dir: str,
    *,
    dag_id: str | None = None,
    check: bool = False,
    force: bool = False,
    template_dir: str | None = None,
    airflow_version: str = "both",
    schedule: str | None = None,
    start_date: dt.datetime | None = None,
    catchup: bool | None = None,
    tags: Sequence[str] | None = None,
    owner: str | None = None,
    default_args: Sequence[str] = (),
    airflow_xcoms: bool | None = None,
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
        if (problem.name or "").partition(".")[0] != "jinja2":
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
        default_args, option="--default-arg", noun="default_arg", example="pool=etl"
    )
    overrides: dict[str, Any] = {
        "schedule": schedule,
        "start_date": start_date,
        "catchup": catchup,
        "tags": tuple(tags) if tags is not None else None,
        "owner": owner,
        "default_args": {name: convert_value(text, None) for name, text in texts.items()},
        "airflow_xcoms": airflow_xcoms,
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
                    airflow_version=airflow_version,
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
    from pypedream.definition.parameter_use import annotated_parameter_types

    texts = parse_assignments(assignments)
    if by_reference:
        pipeline, reference = load_reference(target)
    else:
        pipeline, reference = load_pipeline(target), target
    pipeline.validate()
    annotated = annotated_parameter_types(pipeline.stages)
    params = convert_parameters(pipeline.parameters, texts, pipeline.name, annotated)
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
    quiet: bool = False,
    log_level: str | None = None,
    stdout: IO[str],
    stderr: IO[str],
) -> ExitCode:
    """Run TARGET in an embedded Airflow and natively, compare every stage; return the exit code.

    `quiet` turns the native run's console log and the progress lines off; `log_level` sets
    the level of that console log.

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
        live = LiveAirflow(
            airflow_url,
            Path(dags_folder),
            # Credentials from the environment, never the command line (shell history, ps).
            token=os.environ.get("PYPEDREAM_AIRFLOW_TOKEN") or None,
            username=os.environ.get("PYPEDREAM_AIRFLOW_USERNAME") or None,
            password=os.environ.get("PYPEDREAM_AIRFLOW_PASSWORD"),
        )
    from pypedream.cli.progress import StatusLine, wants_progress

    quiet_stdout = contextlib.redirect_stdout(stderr) if as_json else contextlib.nullcontext()
    status = StatusLine(stderr, time.monotonic) if wants_progress(stderr) and not quiet else None

    def show(step: str) -> None:  # on a terminal a live line with the elapsed time
        if quiet:
            return
        if status is not None:
            status.set(step)
        else:
            print(step, file=stderr, flush=True)

    with quiet_stdout:
        pipeline, reference, params = _load_with_params(target, assignments, by_reference=True)
        try:
            with status or contextlib.nullcontext():
                report = run_parity(
                    [(reference, params)],
                    airflow_python=python,
                    keep=keep,
                    rtol=rtol,
                    atol=atol,
                    mode="single-process" if fast else "process-per-task",
                    airflow=live,
                    progress=show,
                    quiet=quiet,
                    log_level=log_level,
                )
        except AirflowMissingError as problem:
            hint = MISSING_AIRFLOW if python is None else f"{problem}; install it there"
            raise CliError(hint) from None
        except ParityError as problem:
            raise CliError(str(problem)) from None
    from pypedream.definition.secrets import Redactor

    secrets = pipeline.parameters.resolve(params, pipeline.name).secret_values()
    text = report.to_json() if as_json else report.render()
    print(Redactor(secrets).text(text), file=stdout, flush=True)
    return ExitCode.OK if report.equal else ExitCode.DIFFERS


def check(
    target: str,
    assignments: Sequence[str] = (),
    *,
    as_json: bool = False,
    quiet: bool = False,
    log_level: str | None = None,
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
        pipeline = _with_console(pipeline, quiet, log_level)
        result = pipeline.run(params, raise_on_failure=False)
    report = check_readiness(result, pipeline)
    if result.failed:
        print(format_failures(result) + "\n", file=stderr, flush=True)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, default=repr), file=stdout, flush=True)
    else:
        print(report.render(), file=stdout, flush=True)
    return ExitCode.DIFFERS if report.blocking or result.failed else ExitCode.OK
