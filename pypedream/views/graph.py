"""A pipeline's graph as Mermaid, Graphviz DOT or SVG, optionally coloured by a run's statuses.

Stages are labelled with their key and function name; parameters are drawn as their own
nodes, linked to the stages that read them (with `param(...)`, or all of them through a
deferred binding over `ctx.PARAMETERS`); variables read with `var(...)` are nodes too; data
edges are solid (labelled with the output when it is not the return value), `after=[...]`
edges dashed.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pypedream.ctx import PARAMETERS, VARIABLES
from pypedream.definition.binding import DEFAULT_OUTPUT_KEY, KeyedInputMapper
from pypedream.definition.parameter_use import parameter_readers

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.definition.stage import Stage
    from pypedream.execution.result import RunResult

__all__ = ["STATUS_COLORS", "GraphView", "graph_view", "to_dot", "to_mermaid", "to_svg"]

KIND_COLORS: Mapping[str, tuple[str, str]] = {  # kind: (fill, border)
    "parameter": ("#eef3fb", "#5b7db1"),
    "variable": ("#fff6dd", "#b28704"),
}
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
    kind: str  # "stage", "parameter" or "variable"
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
    every = [key for key in graph.order if _reads_whole(graph.stages[key], PARAMETERS)]
    for i, name in enumerate(pipeline.parameters.specs):
        reading = [key for key, _ in readers.get(name, [])] + every
        if reading:
            nodes.append(_Node(f"p{i}", name, None, "parameter"))
            for key in dict.fromkeys(reading):
                links.append(_Link(f"p{i}", ids[key], None, False))
    for i, (name, reading) in enumerate(_variable_readers(graph.order, graph.stages).items()):
        nodes.append(_Node(f"v{i}", name, None, "variable"))
        links.extend(_Link(f"v{i}", ids[key], None, False) for key in reading)
    for key in graph.order:
        stage = graph.stages[key]
        function = stage.name.rpartition(".")[2]
        subtitle = f"{function}()" if function != key else None
        status = None
        if result is not None and key in result.stages:
            status = result.stages[key].shown_status
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


def _keyed_inputs(stage: Stage[Any], source: Any) -> list[str]:
    return [
        item.bind.mapper.from_key
        for item in stage.inputs
        if item.bind.source is source and isinstance(item.bind.mapper, KeyedInputMapper)
    ]


def _reads_whole(stage: Stage[Any], source: Any) -> bool:
    """Whether an input gets all of `source` (e.g. a mapper over every parameter)."""
    return any(
        item.bind.source is source and not isinstance(item.bind.mapper, KeyedInputMapper)
        for item in stage.inputs
    )


def _variable_readers(order: Any, stages: Mapping[str, Stage[Any]]) -> dict[str, list[str]]:
    """`{variable: [stage key, ...]}` for every `var(...)` input, in stage order."""
    found: dict[str, list[str]] = {}
    for key in order:
        for name in _keyed_inputs(stages[key], VARIABLES):
            reading = found.setdefault(name, [])
            if key not in reading:
                reading.append(key)
    return found


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
        elif node.kind == "variable":
            lines.append(f'    {node.id}(["{label}"])')
        else:
            lines.append(f'    {node.id}["{label}"]')
    for link in view.links:
        arrow = "-.->" if link.dashed else "-->"
        label = f'|"{_mermaid_text(link.label)}"|' if link.label else ""
        lines.append(f"    {link.source} {arrow}{label} {link.target}")
    for kind, (fill, stroke) in KIND_COLORS.items():
        of_kind = [node.id for node in view.nodes if node.kind == kind]
        if of_kind:
            lines.append(f"    classDef {kind} fill:{fill},stroke:{stroke}")
            lines.append(f"    class {','.join(of_kind)} {kind}")
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
        if node.kind in KIND_COLORS:
            fill, stroke = KIND_COLORS[node.kind]
            shape = "parallelogram" if node.kind == "parameter" else "ellipse"
            attributes += [f"shape={shape}", f'fillcolor="{fill}"', f'color="{stroke}"']
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


_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _PAD, _LANE = 150, 44, 60, 18, 12, 10


def _layered_svg(view: GraphView) -> str:
    """Stages in columns by longest path; a parameter or variable just left of its first
    reader; each node a rounded box, each link a line."""
    kinds = {node.id: node.kind for node in view.nodes}
    upstream: dict[str, list[str]] = {node.id: [] for node in view.nodes}
    readers: dict[str, list[str]] = {node.id: [] for node in view.nodes}
    for link in view.links:
        if kinds[link.source] == "stage":
            upstream[link.target].append(link.source)
        else:
            readers[link.source].append(link.target)
    column: dict[str, int] = {}
    stages = [node for node in view.nodes if node.kind == "stage"]
    for node in stages:  # in topological order
        column[node.id] = 1 + max((column[up] for up in upstream[node.id]), default=0)
    for node in view.nodes:
        if node.kind != "stage":
            column[node.id] = min((column[r] for r in readers[node.id]), default=1) - 1
    first = min(column.values(), default=0)
    column = {key: col - first for key, col in column.items()}
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
    # A link that skips a column would cross the boxes between: it runs in a lane below them.
    long_links = [link for link in view.links if column[link.target] - column[link.source] > 1]
    lanes = {id(link): height - _PAD + _LANE * (i + 1) for i, link in enumerate(long_links)}
    if long_links:
        height += _LANE * len(long_links)
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
        x1, y1, y2 = x1 + _BOX_W, y1 + _BOX_H // 2, y2 + _BOX_H // 2
        lane = lanes.get(id(link))
        if lane is None:
            shape = f"M {x1} {y1} L {x2} {y2}"
        else:  # down into the lane in the gap after the source, up in the gap before the target
            a, b, c, d = x1 + 12, x1 + 30, x2 - 30, x2 - 12
            shape = f"M {x1} {y1} C {a} {y1}, {a} {lane}, {b} {lane} L {c} {lane} "
            shape += f"C {d} {lane}, {d} {y2}, {x2} {y2}"
        parts.append(
            f'<path d="{shape}" fill="none" stroke="#555"{dash} marker-end="url(#arrow)"/>'
        )
    for node in view.nodes:
        x, y = position[node.id]
        fill, stroke = "#ffffff", "#444"
        if node.kind in KIND_COLORS:
            fill, stroke = KIND_COLORS[node.kind]
        elif node.status:
            fill, stroke = STATUS_COLORS[node.status]
        status = f" ({node.status})" if node.status else ""
        radius = _BOX_H // 2 if node.kind == "variable" else 8
        parts.append(
            f'<g class="node {node.kind}"><title>{html.escape(node.title + status)}</title>'
            f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="{radius}" fill="{fill}" '
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
