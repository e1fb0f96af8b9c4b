"""`export_airflow`: render, check and (atomically) write one DAG file per pipeline."""

from __future__ import annotations

import difflib
import enum
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from pypedream_compiler.codegen.check import check_dag_source
from pypedream_compiler.codegen.locate import resolve_target
from pypedream_compiler.codegen.render import render_dag
from pypedream_compiler.codegen.walk import build_dag_spec
from pypedream_compiler.errors import ExportError

from pypedream import Pipeline
from pypedream.definition.airflow_options import AirflowOptions

__all__ = ["ExportResult", "ExportStatus", "export_airflow", "is_generated"]

GENERATED_MARKER = "# pypedream-generated: dag file"
COMMAND_LINE = "# Regenerate with:"


class ExportStatus(str, enum.Enum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    UP_TO_DATE = "up to date"  # --check: nothing to do
    DIFFERS = "differs"  # --check: the file would change


@dataclass(frozen=True)
class ExportResult:
    pipeline: str
    dag_id: str
    path: Path
    status: ExportStatus
    diff: str = ""


def is_generated(text: str) -> bool:
    """True when `text` is a DAG file pypedream wrote (so it may be overwritten)."""
    return GENERATED_MARKER in text.splitlines()[:5]


def _without_command(text: str | None) -> str | None:
    """The text minus the "Regenerate with" comment, which depends on how export was typed."""
    if text is None:
        return None
    lines = text.splitlines(keepends=True)
    header = [line for line in lines[:5] if not line.startswith(COMMAND_LINE)]
    return "".join(header + lines[5:])


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_airflow(
    targets: Pipeline | str | Sequence[Pipeline | str],
    out_dir: str | os.PathLike[str],
    *,
    dag_id: str | None = None,
    options: AirflowOptions | None = None,
    overrides: Mapping[str, Any] | None = None,
    check: bool = False,
    force: bool = False,
    template_dir: str | os.PathLike[str] | None = None,
    regenerate_command: str | None = None,
) -> list[ExportResult]:
    """Write `<out_dir>/<dag_id>.py` for each pipeline (a Pipeline or 'module:attr').

    Airflow settings come from `options`, else each pipeline's own `airflow=` options, else
    the defaults; `overrides` (AirflowOptions field names; None values ignored) go on top.
    `check=True` writes nothing and reports whether each file is up to date (the
    "Regenerate with" comment is not compared). Files that pypedream did not generate are
    never overwritten unless `force=True`; nothing is deleted. Raises ExportError (nothing
    written) when any pipeline cannot be exported.
    """
    items = [targets] if isinstance(targets, (Pipeline, str)) else list(targets)
    if dag_id is not None and len(items) != 1:
        raise ExportError("--dag-id needs exactly one pipeline")
    out = Path(out_dir)
    templates = Path(template_dir) if template_dir is not None else None
    rendered: list[tuple[str, str, Path, str, str | None]] = []  # name, dag_id, path, new, old
    owners: dict[str, str] = {}
    for item in items:
        pipeline, reference = resolve_target(item)
        chosen = options or pipeline.airflow or AirflowOptions()
        if not isinstance(chosen, AirflowOptions):
            raise ExportError(
                f"pipeline {pipeline.name!r}: airflow= must be pypedream.AirflowOptions, "
                f"got {type(chosen).__name__}"
            )
        try:
            chosen = chosen.merged(**{**(overrides or {}), "dag_id": dag_id})
        except TypeError as problem:
            raise ExportError(f"unknown Airflow option: {problem}") from None
        command = regenerate_command or f"pypedream export-airflow {reference} -o {out_dir}"
        spec = build_dag_spec(pipeline, reference, chosen, command)
        if spec.dag_id in owners:
            raise ExportError(
                f"pipelines {owners[spec.dag_id]!r} and {reference!r} both export dag_id "
                f"{spec.dag_id!r}; give one of them another dag_id"
            )
        owners[spec.dag_id] = reference
        path = out / f"{spec.dag_id}.py"
        try:
            source = render_dag(spec, templates)
        except jinja2.TemplateError as problem:
            line = getattr(problem, "lineno", None)
            where = f" at {getattr(problem, 'filename', None)}:{line}" if line else ""
            kind = type(problem).__name__
            raise ExportError(f"the DAG template failed{where}: {kind}: {problem}") from problem
        check_dag_source(source, str(path), strict_shape=templates is None)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        rendered.append((pipeline.name, spec.dag_id, path, source, current))
    for _, _, path, _, current in rendered:
        if current is not None and not force and not is_generated(current):
            raise ExportError(
                f"{path} exists and was not written by pypedream; refusing to overwrite it "
                "(move it away, or pass --force / force=True)"
            )
    results = []
    for name, spec_dag_id, path, source, current in rendered:
        same = _without_command(current) == _without_command(source)
        if check:
            if same:
                results.append(ExportResult(name, spec_dag_id, path, ExportStatus.UP_TO_DATE))
            else:
                diff = "".join(
                    difflib.unified_diff(
                        (current or "").splitlines(keepends=True),
                        source.splitlines(keepends=True),
                        fromfile=f"{path} (on disk)" if current is not None else "/dev/null",
                        tofile=f"{path} (exported now)",
                    )
                )
                results.append(ExportResult(name, spec_dag_id, path, ExportStatus.DIFFERS, diff))
            continue
        if same:
            results.append(ExportResult(name, spec_dag_id, path, ExportStatus.UNCHANGED))
        else:
            _write_atomically(path, source)
            results.append(ExportResult(name, spec_dag_id, path, ExportStatus.WRITTEN))
    return results
