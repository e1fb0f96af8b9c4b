"""A pipeline's graph as Mermaid, Graphviz DOT or SVG, optionally coloured by a run's statuses.

Stages are labelled with their key and function name; parameters read with `param(...)` are
drawn as their own nodes; data edges are solid (labelled with the output when it is not the
return value), `after=[...]` edges dashed.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypedream.definition.binding import DEFAULT_OUTPUT_KEY
from pypedream.definition.parameter_use import parameter_readers

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.execution.result import RunResult

__all__ = ["STATUS_COLORS", "GraphView", "graph_view", "to_dot", "to_mermaid", "to_svg"]

STATUS_COLORS: Mapping[str, tuple[str, str]] = {  # status: (fill, border)
    "succeeded": ("#d3f2d9", "#2e8540"),
    "failed": ("#f9d6d5", "#c62828"),
    "upstream_failed": ("#fde7c8", "#e65100"),
    "skipped": ("#e8e8ee", "#6b6b80"),
    "interrupted": ("#f6e3f7", "#8e24aa"),
}


@dataclass(frozen=True)
class _Node:
    id: str
    title: str
    subtitle: str | None
    kind: str  # "stage" or "parameter"
    status: str | None = None


@dataclass(frozen=True)
class _Link:
    source: str
    target: str
    label: str | None
    dashed: bool


@dataclass(frozen=True)
class GraphView:
    """The nodes and links to draw: built once, rendered by each format."""

    title: str
    nodes: tuple[_Node, ...]
    links: tuple[_Link, ...]


def graph_view(pipeline: Pipeline, result: RunResult | None = None) -> GraphView:
    """What to draw for `pipeline` (validated first), with `result`'s statuses when given."""
    graph = pipeline.graph
    ids = {key: f"s{i}" for i, key in enumerate(graph.order)}
    nodes: list[_Node] = []
    links: list[_Link] = []
    readers = parameter_readers(pipeline.stages)
    for i, name in enumerate(pipeline.parameters.specs):
        if name in readers:
            nodes.append(_Node(f"p{i}", name, None, "parameter"))
            for key, _ in dict.fromkeys(readers[name]):
                links.append(_Link(f"p{i}", ids[key], None, False))
    for key in graph.order:
        stage = graph.stages[key]
        function = stage.name.rpartition(".")[2]
        subtitle = f"{function}()" if function != key else None
        status = None
        if result is not None and key in result.stages:
            status = result.stages[key].status.value
        nodes.append(_Node(ids[key], key, subtitle, "stage", status))
    for edge in graph.edges:
        outputs = {
            mapper.from_output
            for mapper in graph.stages[edge.downstream].dependencies
            if mapper.from_stage == edge.upstream and mapper.from_output != DEFAULT_OUTPUT_KEY
        }
        label = ", ".join(sorted(outputs)) or None
        links.append(_Link(ids[edge.upstream], ids[edge.downstream], label, edge.kind == "order"))
    return GraphView(pipeline.name, tuple(nodes), tuple(links))


# -- Mermaid --------------------------------------------------------------------------------
def _mermaid_text(text: str) -> str:
    return (
        text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def to_mermaid(pipeline: Pipeline, result: RunResult | None = None) -> str:
    """A Mermaid `flowchart` (renders in GitHub, GitLab and Jupyter markdown)."""
    view = graph_view(pipeline, result)
    lines = ["flowchart LR"]
    for node in view.nodes:
        label = _mermaid_text(node.title)
        if node.subtitle:
            label += f"<br/><small>{_mermaid_text(node.subtitle)}</small>"
        if node.kind == "parameter":
            lines.append(f'    {node.id}[/"{label}"/]')
        else:
            lines.append(f'    {node.id}["{label}"]')
    for link in view.links:
        arrow = "-.->" if link.dashed else "-->"
        label = f'|"{_mermaid_text(link.label)}"|' if link.label else ""
        lines.append(f"    {link.source} {arrow}{label} {link.target}")
    parameters = [node.id for node in view.nodes if node.kind == "parameter"]
    if parameters:
        lines.append("    classDef parameter fill:#eef3fb,stroke:#5b7db1")
        lines.append(f"    class {','.join(parameters)} parameter")
    used = sorted({node.status for node in view.nodes if node.status})
    for status in used:
        fill, stroke = STATUS_COLORS[status]
        members = ",".join(node.id for node in view.nodes if node.status == status)
        lines.append(f"    classDef {status} fill:{fill},stroke:{stroke},stroke-width:2px")
        lines.append(f"    class {members} {status}")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ---------------------------------------------------------------------------
def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(pipeline: Pipeline, result: RunResult | None = None) -> str:
    """A Graphviz `digraph` (`dot -Tsvg` draws it)."""
    view = graph_view(pipeline, result)
    lines = [
        f'digraph "{_dot_text(view.title)}" {{',
        "    rankdir=LR;",
        '    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in view.nodes:
        label = node.title + (f"\n{node.subtitle}" if node.subtitle else "")
        attributes = [f'label="{_dot_text(label)}"']
        if node.kind == "parameter":
            attributes += ["shape=parallelogram", 'fillcolor="#eef3fb"', 'color="#5b7db1"']
        elif node.status:
            fill, stroke = STATUS_COLORS[node.status]
            attributes += [f'fillcolor="{fill}"', f'color="{stroke}"', "penwidth=2"]
        lines.append(f"    {node.id} [{', '.join(attributes)}];")
    for link in view.links:
        attributes = []
        if link.dashed:
            attributes.append("style=dashed")
        if link.label:
            attributes.append(f'label="{_dot_text(link.label)}"')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"    {link.source} -> {link.target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- SVG ------------------------------------------------------------------------------------
def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def to_svg(
    pipeline: Pipeline, result: RunResult | None = None, *, use_graphviz: bool | None = None
) -> str:
    """An SVG drawing: Graphviz's layout when `dot` is installed, else a built-in layered one."""
    if use_graphviz is None:
        use_graphviz = graphviz_available()
    if use_graphviz:
        done = subprocess.run(
            ["dot", "-Tsvg"],
            input=to_dot(pipeline, result),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if done.returncode == 0:
            return done.stdout
    return _layered_svg(graph_view(pipeline, result))


_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _PAD = 150, 44, 60, 18, 12


def _layered_svg(view: GraphView) -> str:
    """Columns by longest path from a source; each node a rounded box, each link a line."""
    upstream: dict[str, list[str]] = {node.id: [] for node in view.nodes}
    for link in view.links:
        upstream[link.target].append(link.source)
    column: dict[str, int] = {}
    for node in view.nodes:  # parameters first, then stages in topological order
        column[node.id] = 1 + max((column[up] for up in upstream[node.id]), default=-1)
    rows: dict[int, int] = {}
    position: dict[str, tuple[int, int]] = {}
    for node in view.nodes:
        col = column[node.id]
        row = rows.get(col, 0)
        rows[col] = row + 1
        position[node.id] = (
            _PAD + col * (_BOX_W + _GAP_X),
            _PAD + row * (_BOX_H + _GAP_Y),
        )
    width = _PAD * 2 + (max(column.values(), default=0) + 1) * (_BOX_W + _GAP_X) - _GAP_X
    height = _PAD * 2 + max(rows.values(), default=1) * (_BOX_H + _GAP_Y) - _GAP_Y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="12" role="img"><title>{html.escape(view.title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker></defs>',
    ]
    for link in view.links:
        x1, y1 = position[link.source]
        x2, y2 = position[link.target]
        dash = ' stroke-dasharray="4 3"' if link.dashed else ""
        parts.append(
            f'<line x1="{x1 + _BOX_W}" y1="{y1 + _BOX_H // 2}" x2="{x2}" y2="{y2 + _BOX_H // 2}" '
            f'stroke="#555"{dash} marker-end="url(#arrow)"/>'
        )
    for node in view.nodes:
        x, y = position[node.id]
        fill, stroke = "#ffffff", "#444"
        if node.kind == "parameter":
            fill, stroke = "#eef3fb", "#5b7db1"
        elif node.status:
            fill, stroke = STATUS_COLORS[node.status]
        status = f" ({node.status})" if node.status else ""
        parts.append(
            f'<g class="node {node.kind}"><title>{html.escape(node.title + status)}</title>'
            f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="8" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{2 if node.status else 1}"/>'
        )
        title_y = y + (18 if node.subtitle else 27)
        parts.append(
            f'<text x="{x + _BOX_W // 2}" y="{title_y}" text-anchor="middle">'
            f"{html.escape(_fit(node.title))}</text>"
        )
        if node.subtitle:
            parts.append(
                f'<text x="{x + _BOX_W // 2}" y="{y + 34}" text-anchor="middle" fill="#666" '
                f'font-size="10">{html.escape(_fit(node.subtitle))}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts) + "\n"


def _fit(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
