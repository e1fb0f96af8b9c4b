"""The notebook displays: a Pipeline as its graph plus a stage table, a RunResult coloured."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from pypedream._preview import preview
from pypedream.views.graph import STATUS_COLORS, to_svg

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.execution.result import RunResult

__all__ = ["pipeline_html", "run_result_html"]

_TABLE = 'style="border-collapse:collapse;font-size:12px;text-align:left"'
_CELL = 'style="padding:2px 10px;border-bottom:1px solid #ddd;text-align:left"'


def _row(cells: list[str], header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag} {_CELL}>{cell}</{tag}>" for cell in cells) + "</tr>"


def _badge(status: str) -> str:
    fill, stroke = STATUS_COLORS.get(status, ("#ffffff", "#444"))
    return (
        f'<span style="background:{fill};border:1px solid {stroke};color:{stroke};'
        f'border-radius:4px;padding:0 6px">{escape(status)}</span>'
    )


def _inline_svg(svg: str) -> str:
    """The `<svg>` element alone: Graphviz's XML declaration and DOCTYPE before it do not
    belong inside an HTML page (and a notebook's sanitizer may show them as text)."""
    start = svg.find("<svg")
    return svg[start:] if start > 0 else svg


def pipeline_html(pipeline: Pipeline) -> str:
    """The graph (SVG) and one row a stage: function, inputs, retries, description."""
    graph = pipeline.graph
    rows = [_row(["stage", "function", "inputs", "retries", "description"], header=True)]
    for key in graph.order:
        stage = graph.stages[key]
        inputs = ", ".join(item.as_arg for item in stage.inputs)
        rows.append(
            _row(
                [
                    f"<code>{escape(key)}</code>",
                    f"<code>{escape(stage.name)}()</code>",
                    escape(inputs),
                    "—" if stage.retries is None else str(stage.retries),
                    escape(stage.description or ""),
                ]
            )
        )
    specs = pipeline.parameters.specs
    parameters = ", ".join(
        f"{escape(name)}=***"
        if spec.secret
        else f"{escape(name)}" + ("" if spec.required else f"={escape(repr(spec.default))}")
        for name, spec in specs.items()
    )
    heading = f"<b>Pipeline {escape(repr(pipeline.name))}</b>: {len(graph)} stages"
    if parameters:
        heading += f"; parameters: <code>{parameters}</code>"
    return (
        f'<div class="pypedream-pipeline"><div>{heading}</div>{_inline_svg(to_svg(pipeline))}'
        f"<table {_TABLE}>{''.join(rows)}</table></div>"
    )


def run_result_html(result: RunResult, pipeline: Pipeline | None = None) -> str:
    """Statuses in colour, attempts, durations and a short preview of each stage's output."""
    rows = [_row(["stage", "status", "attempts", "duration", "output", "note"], header=True)]
    for key, stage in result.stages.items():
        output = preview(stage.return_value) if stage.ok else ""
        note = stage.reason or ""
        if stage.error is not None and not isinstance(stage.error, KeyboardInterrupt):
            note = f"{type(stage.error).__name__}: {stage.error}"
        rows.append(
            _row(
                [
                    f"<code>{escape(key)}</code>",
                    _badge(stage.shown_status),
                    str(stage.attempts),
                    f"{stage.duration:.3f}s",
                    f"<code>{escape(result.redact_text(output))}</code>",
                    escape(result.redact_text(note.splitlines()[0] if note else "")),
                ]
            )
        )
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items() if n)
    verdict = _badge("succeeded" if result.ok else "failed").replace(
        ">succeeded<" if result.ok else ">failed<", ">OK<" if result.ok else ">FAILED<"
    )
    heading = (
        f"{verdict} pipeline <b>{escape(repr(result.pipeline))}</b> run "
        f"<code>{escape(result.run_id)}</code>: {escape(counts)} in {result.duration:.3f}s"
    )
    if result.log_file:
        heading += f"<br/>log: <code>{escape(str(result.log_file))}</code>"
    if result.log_problem:
        heading += f"<br/>log problem: {escape(result.redact_text(result.log_problem))}"
    drawing = ""
    if pipeline is not None:
        drawing = _inline_svg(to_svg(pipeline, result))
    return (
        f'<div class="pypedream-run"><div>{heading}</div>{drawing}'
        f"<table {_TABLE}>{''.join(rows)}</table></div>"
    )
