"""A pipeline's graph as Mermaid, Graphviz DOT or SVG, optionally coloured by a run's statuses.

Stages are labelled with their key and function name; parameters are drawn as their own
nodes, linked to the stages that read them (with `param(...)`, or all of them through a
deferred binding over `ctx.PARAMETERS`); variables read with `var(...)` are nodes too; data
edges are solid (labelled with the output when it is not the return value), `after=[...]`
edges dashed. A mapped stage is a stacked box marked `[map over X]` (with a run: its instance
counts), a branch a diamond, a short-circuit a hexagon, a non-default trigger rule is shown
as `(rule)`, and a group is a frame (Mermaid `subgraph`, DOT `cluster_`) named after it.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pypedream.ctx import PARAMETERS, VARIABLES
from pypedream.definition.binding import (
    DEFAULT_OUTPUT_KEY,
    DependencyInputMapper,
    KeyedInputMapper,
)
from pypedream.definition.parameter_use import parameter_readers

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.definition.stage import Stage
    from pypedream.execution.result import MapInstances, RunResult

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
    shape: str = "box"  # a stage's: "box", "mapped", "branch" or "short_circuit"
    marks: tuple[str, ...] = ()  # extra label lines: "[map over x]", "branch", "(all_done)"
    group: str | None = None


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

    @property
    def groups(self) -> dict[str, list[str]]:
        """`{group name: [node id, ...]}` in stage order."""
        found: dict[str, list[str]] = {}
        for node in self.nodes:
            if node.group is not None:
                found.setdefault(node.group, []).append(node.id)
        return found


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
        marks = _marks(stage)
        if result is not None and key in result.stages:
            status = result.stages[key].shown_status
            marks += _instance_counts(result.stages[key].instances)
        shape = "branch" if stage.branch else "short_circuit" if stage.short_circuit else "box"
        if shape == "box" and stage.mapped:
            shape = "mapped"
        nodes.append(_Node(ids[key], key, subtitle, "stage", status, shape, marks, stage.group))
    for edge in graph.edges:
        outputs = {
            mapper.from_output
            for mapper in graph.stages[edge.downstream].dependencies
            if mapper.from_stage == edge.upstream and mapper.from_output != DEFAULT_OUTPUT_KEY
        }
        label = ", ".join(sorted(outputs)) or None
        links.append(_Link(ids[edge.upstream], ids[edge.downstream], label, edge.kind == "order"))
    return GraphView(pipeline.name, tuple(nodes), tuple(links))


def _marks(stage: Stage[Any]) -> tuple[str, ...]:
    """The label lines that mark a stage's map, branch, short-circuit and trigger rule."""
    marks = []
    if stage.mapped:
        marks.append(f"[map over {', '.join(_map_sources(stage))}]")
    if stage.branch:
        marks.append("branch")
    if stage.short_circuit:
        marks.append("short-circuit")
    if stage.rule.value != "all_success":
        marks.append(f"({stage.rule.value})")
    return tuple(marks)


def _map_sources(stage: Stage[Any]) -> list[str]:
    """What each mapped argument comes from: the parameter, variable or stage it reads."""
    by_arg = {item.as_arg: item.bind.mapper for item in stage.inputs}
    sources = []
    for name in stage.map_over:
        mapper = by_arg.get(name)
        if isinstance(mapper, DependencyInputMapper):
            sources.append(mapper.from_stage)
        elif isinstance(mapper, KeyedInputMapper):
            sources.append(mapper.from_key)
        else:
            sources.append(name)
    return sources


def _instance_counts(instances: MapInstances | None) -> tuple[str, ...]:
    """`("3/4 succeeded, 1 failed",)` for a mapped stage's run; `()` when it did not expand."""
    if instances is None:
        return ()
    counts = {status.value: n for status, n in instances.counts().items()}
    done = counts.pop("succeeded", 0)
    rest = [f"{n} {status}" for status, n in counts.items() if n]
    return (", ".join([f"{done}/{instances.size} succeeded", *rest]),)


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


_MERMAID_SHAPES: Mapping[str, tuple[str, str]] = {
    "box": ("[", "]"),
    "mapped": ("[[", "]]"),  # a box with double sides: many instances
    "branch": ("{", "}"),  # a diamond
    "short_circuit": ("{{", "}}"),  # a hexagon
}


def to_mermaid(pipeline: Pipeline, result: RunResult | None = None) -> str:
    """A Mermaid `flowchart` (renders in GitHub, GitLab and Jupyter markdown)."""
    view = graph_view(pipeline, result)
    lines = ["flowchart LR"]
    for node in view.nodes:
        label = _mermaid_text(node.title)
        if node.subtitle:
            label += f"<br/><small>{_mermaid_text(node.subtitle)}</small>"
        for mark in node.marks:
            label += f"<br/><small>{_mermaid_text(mark)}</small>"
        if node.kind == "parameter":
            lines.append(f'    {node.id}[/"{label}"/]')
        elif node.kind == "variable":
            lines.append(f'    {node.id}(["{label}"])')
        else:
            opening, closing = _MERMAID_SHAPES[node.shape]
            lines.append(f'    {node.id}{opening}"{label}"{closing}')
    for i, (group, members) in enumerate(view.groups.items()):
        lines.append(f'    subgraph g{i}["{_mermaid_text(group)}"]')
        lines.extend(f"        {member}" for member in members)
        lines.append("    end")
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
        having = ",".join(node.id for node in view.nodes if node.status == status)
        lines.append(f"    classDef {status} fill:{fill},stroke:{stroke},stroke-width:2px")
        lines.append(f"    class {having} {status}")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ---------------------------------------------------------------------------
def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(pipeline: Pipeline, result: RunResult | None = None) -> str:
    """A Graphviz `digraph` (`dot -Tsvg` draws it)."""
    view = graph_view(pipeline, result)
    lines = [
        f'digraph "{_dot_text(view.title)}" {{',
        '    rankdir=LR; fontname="Helvetica"; fontsize=11;',
        '    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    grouped = {member for members in view.groups.values() for member in members}
    for node in view.nodes:
        if node.id not in grouped:
            lines.append(f"    {_dot_node(node)}")
    by_id = {node.id: node for node in view.nodes}
    for i, (group, members) in enumerate(view.groups.items()):
        lines.append(f"    subgraph cluster_{i} {{")
        lines.append(
            f'        label="{_dot_text(group)}"; style="rounded,dashed"; color="#888888";'
        )
        lines.extend(f"        {_dot_node(by_id[member])}" for member in members)
        lines.append("    }")
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


_DOT_SHAPES: Mapping[str, tuple[str, ...]] = {
    "box": (),
    "mapped": ("peripheries=2",),  # a double box: many instances
    "branch": ("shape=diamond",),
    "short_circuit": ("shape=hexagon",),
}


def _dot_node(node: _Node) -> str:
    label = "\n".join([node.title, *([node.subtitle] if node.subtitle else []), *node.marks])
    attributes = [f'label="{_dot_text(label)}"']
    if node.kind in KIND_COLORS:
        fill, stroke = KIND_COLORS[node.kind]
        shape = "parallelogram" if node.kind == "parameter" else "ellipse"
        attributes += [f"shape={shape}", f'fillcolor="{fill}"', f'color="{stroke}"']
    else:
        attributes += _DOT_SHAPES[node.shape]
        if node.status:
            fill, stroke = STATUS_COLORS[node.status]
            attributes += [f'fillcolor="{fill}"', f'color="{stroke}"', "penwidth=2"]
    return f"{node.id} [{', '.join(attributes)}];"


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


_BOX_W, _GAP_X, _GAP_Y, _PAD, _LANE, _LINE, _FRAME = 150, 60, 18, 12, 10, 13, 22


def _layered_svg(view: GraphView) -> str:
    """Stages in columns by longest path; a parameter or variable just left of its first
    reader; each node a box (stacked when mapped, a diamond for a branch, a hexagon for a
    short-circuit), each link a line, each group a dashed frame around its stages."""
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
    lines = max((1 + bool(node.subtitle) + len(node.marks) for node in view.nodes), default=1)
    box_h = 44 + _LINE * max(0, lines - 2)
    top = _PAD + (_FRAME if view.groups else 0)  # room for a group's name above its frame
    gap_y = _GAP_Y + (_FRAME if view.groups else 0)
    rows: dict[int, int] = {}
    position: dict[str, tuple[int, int]] = {}
    # A group's stages in one column are stacked together (groups first, at the top), so a
    # frame holds only its own stages when they share rows.
    groups = list(view.groups)
    placing = sorted(
        enumerate(view.nodes),
        key=lambda item: (
            len(groups) if item[1].group is None else groups.index(item[1].group),
            item[0],
        ),
    )
    for _, node in placing:
        col = column[node.id]
        row = rows.get(col, 0)
        rows[col] = row + 1
        position[node.id] = (_PAD + col * (_BOX_W + _GAP_X), top + row * (box_h + gap_y))
    width = _PAD * 2 + (max(column.values(), default=0) + 1) * (_BOX_W + _GAP_X) - _GAP_X
    height = top + _PAD + max(rows.values(), default=1) * (box_h + gap_y) - gap_y
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
    for name, members in view.groups.items():
        xs = [position[member][0] for member in members]
        ys = [position[member][1] for member in members]
        x, y = min(xs) - 6, min(ys) - _FRAME
        frame_w, frame_h = max(xs) + _BOX_W + 6 - x, max(ys) + box_h + 6 - y
        parts.append(
            f'<g class="group"><title>group {html.escape(name)}</title>'
            f'<rect x="{x}" y="{y}" width="{frame_w}" height="{frame_h}" rx="6" fill="#fafafa" '
            f'stroke="#888" stroke-dasharray="5 3"/><text x="{x + 6}" y="{y + 12}" '
            f'font-size="10" fill="#555">{html.escape(_fit(name, 30))}</text></g>'
        )
    for link in view.links:
        x1, y1 = position[link.source]
        x2, y2 = position[link.target]
        dash = ' stroke-dasharray="4 3"' if link.dashed else ""
        x1, y1, y2 = x1 + _BOX_W, y1 + box_h // 2, y2 + box_h // 2
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
        paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{2 if node.status else 1}"'
        parts.append(
            f'<g class="node {node.kind}{f" {node.shape}" if node.kind == "stage" else ""}">'
            f"<title>{html.escape(' '.join([node.title + status, *node.marks]))}</title>"
            + _svg_shape(node, x, y, box_h, paint)
        )
        texts = [node.title, *([node.subtitle] if node.subtitle else []), *node.marks]
        first_y = y + box_h // 2 - (len(texts) - 1) * _LINE // 2 + 4
        for i, text in enumerate(texts):
            style = ' fill="#666" font-size="10"' if i else ""
            parts.append(
                f'<text x="{x + _BOX_W // 2}" y="{first_y + i * _LINE}" text-anchor="middle"'
                f"{style}>{html.escape(_fit(text, 26 if i else 22))}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts) + "\n"


def _svg_shape(node: _Node, x: int, y: int, box_h: int, paint: str) -> str:
    """The outline of one node: a box (a stack of two when mapped), a diamond or a hexagon."""
    w, h = _BOX_W, box_h
    if node.shape == "branch":
        points = [
            (x + w // 2, y - 6),
            (x + w, y + h // 2),
            (x + w // 2, y + h + 6),
            (x, y + h // 2),
        ]
    elif node.shape == "short_circuit":
        points = [(x, y + h // 2), (x + 18, y), (x + w - 18, y), (x + w, y + h // 2)]
        points += [(x + w - 18, y + h), (x + 18, y + h)]
    else:
        radius = h // 2 if node.kind == "variable" else 8
        box = f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{radius}" {paint}/>'
        if node.shape == "mapped":  # a second box peeking out behind: many instances
            box = (
                f'<rect x="{x + 5}" y="{y - 5}" width="{w}" height="{h}" rx="{radius}" {paint}/>'
                + box
            )
        return box
    corners = " ".join(f"{px},{py}" for px, py in points)
    return f'<polygon points="{corners}" {paint}/>'


def _fit(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
