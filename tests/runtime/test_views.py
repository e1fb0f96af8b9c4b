"""Views of pipelines and runs: graph markup, statuses in colour, notebook HTML, reprs."""

from __future__ import annotations

import shutil
from xml.etree import ElementTree

import pytest

from pypedream import Parameters, Pipeline, Stage, StageResult, StageStatus
from pypedream.input import dependency, known, param
from pypedream.views import to_dot, to_mermaid, to_svg


def _fail(x: int) -> int:
    raise ValueError(f"bad {x}")


def _double(x: int) -> int:
    return 2 * x


def _small() -> Pipeline:
    return Pipeline(
        'quote "and" <tags>',
        Parameters.define(n=2),
        stages={
            "start": Stage(_double, inputs=[param("n", "x")]),
            "boom": Stage(_fail, inputs=[dependency("start", "x")]),
            "after_boom": Stage(_double, inputs=[dependency("boom", "x")]),
            'odd "key"': Stage(_double, inputs=[known(1, "x")], after=["start"]),
        },
        log_settings=None,
    )


def test_order_edges_are_dashed_and_labels_escaped() -> None:
    mermaid = to_mermaid(_small())
    assert "    s0 -.-> s3" in mermaid.splitlines() or "    s0 -.-> s2" in mermaid.splitlines()
    assert "#quot;key#quot;" in mermaid
    assert '"key"' not in mermaid
    dot = to_dot(_small())
    assert 'digraph "quote \\"and\\" <tags>" {' in dot
    assert "style=dashed" in dot


def test_a_run_result_is_drawn_with_its_statuses() -> None:
    pipeline = _small()
    result = pipeline.run(raise_on_failure=False)

    mermaid = to_mermaid(pipeline, result)
    assert "    classDef failed fill:#f9d6d5,stroke:#c62828,stroke-width:2px" in mermaid
    ids = {line.split("[", 1)[0].strip(): line for line in mermaid.splitlines() if '["' in line}
    boom = next(node for node, line in ids.items() if '"boom' in line)
    assert f"    class {boom} failed" in mermaid.splitlines()
    assert "upstream_failed" in mermaid
    assert 'fillcolor="#f9d6d5"' in to_dot(pipeline, result)
    svg = to_svg(pipeline, result, use_graphviz=False)
    assert "boom (failed)" in svg
    ElementTree.fromstring(svg)


def test_run_result_html_colours_statuses_and_previews_outputs() -> None:
    pipeline = _small()
    result = pipeline.run(raise_on_failure=False)

    page = result._repr_html_()
    assert "<svg" in page  # the graph, coloured
    assert ">FAILED<" in page
    assert "<code>4</code>" in page  # the preview of start's value
    assert "ValueError: bad 4" in page
    assert "#c62828" in page and "#2e8540" in page
    assert "&quot;and&quot;" in page and '"and"' not in page.split("<svg", 1)[0]


def test_pipeline_html_has_the_graph_and_a_stage_table() -> None:
    page = _small()._repr_html_()
    assert page.count("<svg") == 1
    assert "<code>_double()</code>" in page or "_double" in page
    assert "parameters: <code>n=2</code>" in page


def test_an_invalid_pipeline_shows_its_problems_in_html() -> None:
    broken = Pipeline("b", stages={"a": Stage(_double, inputs=[dependency("nope", "x")])})
    page = broken._repr_html_()
    assert page.startswith("<pre>") and "nope" in page


def test_stage_result_repr_is_readable() -> None:
    result = _small().run(raise_on_failure=False)
    text = repr(result.stages["start"])
    assert text.startswith("StageResult('start', succeeded, attempts=1, duration=")
    assert text.endswith("value=4)")
    failed = repr(result.stages["boom"])
    assert "failed" in failed and "error=ValueError: bad 4" in failed
    assert "StageStatus." not in failed and "ContextVar" not in failed and " at 0x" not in failed
    skipped = repr(result.stages["after_boom"])
    assert "reason=\"upstream 'boom' failed\"" in skipped


def test_stage_result_repr_cuts_long_values() -> None:
    text = repr(StageResult("k", StageStatus.SUCCEEDED, "x" * 500, {"return": "x"}, attempts=1))
    assert len(text) < 140 and "…" in text


def test_a_binding_over_all_parameters_links_every_parameter() -> None:
    from pypedream.examples.seed import pipeline as seed

    lines = to_mermaid(seed).splitlines()
    # validate_data (s3) gets both sources through a deferred mapper over ctx.PARAMETERS
    assert "    p0 --> s3" in lines
    assert "    p1 --> s3" in lines
    assert "    p0 --> s1" not in lines  # a param(...) input links its own parameter only


def test_variables_read_with_var_are_drawn_as_their_own_nodes() -> None:
    from pypedream.examples.sales import pipeline as sales

    lines = to_mermaid(sales).splitlines()
    assert '    v0(["currency"])' in lines
    assert "    v0 --> s4" in lines  # report reads the variable select writes
    assert "    class v0 variable" in lines
    dot = to_dot(sales)
    assert 'v0 [label="currency", shape=ellipse' in dot
    assert "v0 -> s4;" in dot


def test_built_in_svg_routes_a_link_that_skips_a_column_below_the_boxes() -> None:
    from pypedream.examples.seed import pipeline as seed

    root = ElementTree.fromstring(to_svg(seed, use_graphviz=False))
    boxes = [node for node in root.iter() if node.tag.endswith("rect")]
    bottom = max(float(box.get("y", 0)) + float(box.get("height", 0)) for box in boxes)
    lowest = []
    for path in (node for node in root.iter() if node.tag.endswith("path")):
        if path.get("fill") != "none":
            continue  # the arrow head
        numbers = [float(n) for n in path.get("d", "").replace(",", " ").split() if n[0].isdigit()]
        lowest.append(max(numbers[1::2]))
    assert len(lowest) == 7  # 2 parameter links + 3 data links + 2 links to validate_data
    assert sum(y > bottom for y in lowest) == 2  # source1/2 -> validate_data skip columns
    assert float(root.get("height", 0)) > max(lowest)


def test_the_stage_table_shows_unset_retries_as_a_dash() -> None:
    html = _small()._repr_html_()
    assert ">None<" not in html
    assert ">—<" in html


def test_a_stage_stopped_by_ctrl_c_is_shown_as_interrupted() -> None:
    from pypedream import RunResult

    pipeline = _small()
    stopped = StageResult(
        "start",
        StageStatus.FAILED,
        error=KeyboardInterrupt(),
        reason="interrupted while running",
        attempts=1,
    )
    failed = StageResult("boom", StageStatus.FAILED, error=ValueError("bad"), attempts=1)
    assert stopped.shown_status == "interrupted"
    assert failed.shown_status == "failed"
    result = RunResult(
        pipeline=pipeline.name,
        run_id="r",
        stages={"start": stopped, "boom": failed},
        parameters={},
        variables={},
        duration=0.0,
        log_file=None,
        definition=pipeline,
    )
    assert result.summary().splitlines()[2].split()[:2] == ["start", "interrupted"]
    page = result._repr_html_()
    assert ">interrupted</span>" in page
    assert "#8e24aa" in page  # the interrupted colour, in the badge and the graph
    assert "    class s0 interrupted" in to_mermaid(pipeline, result).splitlines()


def test_stage_reprs_read_as_the_calls_that_build_them() -> None:
    from pypedream.examples.sales import pipeline as sales

    shown = {key: repr(stage) for key, stage in sales.stages.items()}
    assert shown["select"] == (
        "Stage(select_region, inputs=[dependency('load', 'orders'), "
        "param('region', 'region', logged=True), param('min_amount', 'min_amount')])"
    )
    assert shown["spread"].endswith("output_mapper=SequentialOutputMapper(['mean', 'stdev']))")
    assert "var('currency', 'currency')" in shown["report"]
    assert "from_output='revenue'" in shown["report"]
    assert "Input('title', deferred(ctx.PARAMETERS, mapper=_title))" in shown["report"]
    for text in shown.values():
        assert " at 0x" not in text  # no object addresses
        assert "<ContextVar" not in text
        assert "<BindingKind" not in text and "<OutputMapperBehaviour" not in text


def test_an_input_repr_shows_defaults_and_non_helper_bindings() -> None:
    from pypedream import Input, InputBinding, KeyedOutputMapper, OutputMapperBehaviour

    assert repr(param("n", "x", default=3)) == "param('n', 'x', default=3)"
    assert repr(dependency("a", "x", required=False)) == "dependency('a', 'x', required=False)"
    assert repr(known([1, 2], "xs", logged=True)) == "known([1, 2], 'xs', logged=True)"
    called = Input("y", InputBinding.callback(len, [1, 2]))
    assert repr(called) == "Input('y', callback(len, [1, 2]))"
    chill = OutputMapperBehaviour.CHILL | OutputMapperBehaviour.WARN_UNEXPECTED
    assert repr(KeyedOutputMapper({"a": "b"}, chill)) == (
        "KeyedOutputMapper({'a': 'b'}, behaviour=CHILL | WARN_UNEXPECTED)"
    )


@pytest.mark.parametrize(
    "use_graphviz",
    [
        pytest.param(False, id="built-in-layout"),
        pytest.param(
            True,
            id="graphviz",
            marks=pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed"),
        ),
    ],
)
def test_the_notebook_html_embeds_the_svg_element_alone(
    use_graphviz: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypedream.views import graph

    monkeypatch.setattr(graph, "graphviz_available", lambda: use_graphviz)
    pipeline = _small()
    for page in (pipeline._repr_html_(), pipeline.run(raise_on_failure=False)._repr_html_()):
        assert "<svg" in page
        assert "<?xml" not in page and "<!DOCTYPE" not in page


# -- maps, branches, short-circuits, trigger rules and groups -------------------------------
def _item(x: int) -> int:
    if x == 2:
        raise ValueError("two")
    return x


def _truthy(x: int) -> bool:
    return bool(x)


def _flow() -> Pipeline:
    """A map with a failing instance, a short-circuit, a grouped branch, an all_done join."""
    return Pipeline(
        "flow",
        Parameters.define(items=[1, 2, 3]),
        stages={
            "each": Stage(_item, [param("items", "x")], map_over="x", group="work"),
            "gate": Stage(_truthy, [known(1, "x")], short_circuit=True),
            "pick": Stage(_pick, [known(1, "x")], branch=True, group="work"),
            "left": Stage(_double, [known(1, "x")], after=["pick", "gate"]),
            "done": Stage(
                _double, [known(1, "x")], after=["each", "left"], trigger_rule="all_done"
            ),
        },
        log_settings=None,
    )


def _pick(x: int) -> str:
    return "left"


def _mermaid_nodes(mermaid: str) -> dict[str, str]:
    """`{stage key: its node line}` from a Mermaid flowchart."""
    found = {}
    for line in mermaid.splitlines():
        if line.startswith("    s") and '"' in line and "--" not in line:
            key = line.split('"', 2)[1].split("<br/>", 1)[0]
            found[key] = line.strip()
    return found


def test_mermaid_marks_maps_branches_short_circuits_rules_and_groups() -> None:
    mermaid = to_mermaid(_flow())
    nodes = _mermaid_nodes(mermaid)
    each_id = nodes["each"].split("[", 1)[0]
    assert nodes["each"].startswith(f'{each_id}[["each') and nodes["each"].endswith('"]]')
    assert "[map over items]" in nodes["each"]
    assert nodes["pick"].split('"', 1)[0].endswith("{") and nodes["pick"].endswith('"}')
    assert "branch" in nodes["pick"]
    assert nodes["gate"].split('"', 1)[0].endswith("{{") and nodes["gate"].endswith('"}}')
    assert "short-circuit" in nodes["gate"]
    assert "(all_done)" in nodes["done"]
    assert "<small>(" not in nodes["left"]  # the default rule is not shown
    assert nodes["left"].split('"', 1)[0].endswith("[") and nodes["left"].endswith('"]')
    lines = mermaid.splitlines()
    start = lines.index('    subgraph g0["work"]')
    inside = lines[start + 1 : lines.index("    end", start)]
    pick_id = nodes["pick"].split("{", 1)[0]
    assert [line.strip() for line in inside] == [each_id, pick_id]


def test_dot_marks_maps_branches_short_circuits_rules_and_groups() -> None:
    dot = to_dot(_flow())
    lines = [line.strip() for line in dot.splitlines()]
    by_label = {
        line.split('label="', 1)[1].split("\\n", 1)[0]: line
        for line in lines
        if line.startswith("s") and 'label="' in line
    }
    assert "peripheries=2" in by_label["each"] and "[map over items]" in by_label["each"]
    assert "shape=diamond" in by_label["pick"]
    assert "shape=hexagon" in by_label["gate"]
    assert "(all_done)" in by_label["done"]
    assert "shape=" not in by_label["left"] and "peripheries" not in by_label["left"]
    start = lines.index("subgraph cluster_0 {")
    cluster = lines[start : lines.index("}", start)]
    assert 'label="work"' in cluster[1]
    assert {line.split(" ", 1)[0] for line in cluster[2:]} == {
        by_label["each"].split(" ", 1)[0],
        by_label["pick"].split(" ", 1)[0],
    }


def _svg_nodes(svg: str) -> dict[str, ElementTree.Element]:
    root = ElementTree.fromstring(svg)
    return {
        (g.findtext("{http://www.w3.org/2000/svg}title") or "").split(" ", 1)[0]: g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if "stage" in (g.get("class") or "").split()
    }


def test_built_in_svg_draws_stacks_diamonds_hexagons_rules_and_group_frames() -> None:
    svg = to_svg(_flow(), use_graphviz=False)
    nodes = _svg_nodes(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(nodes["each"].findall(f"{ns}rect")) == 2  # a stack: many instances
    assert len(nodes["left"].findall(f"{ns}rect")) == 1
    assert len(nodes["pick"].find(f"{ns}polygon").get("points", "").split()) == 4  # type: ignore[union-attr]
    assert len(nodes["gate"].find(f"{ns}polygon").get("points", "").split()) == 6  # type: ignore[union-attr]

    def texts(key: str) -> list[str | None]:
        return [t.text for t in nodes[key].iter(f"{ns}text")]

    assert "[map over items]" in texts("each")
    assert "branch" in texts("pick") and "short-circuit" in texts("gate")
    assert "(all_done)" in texts("done")
    root = ElementTree.fromstring(svg)
    frames = [g for g in root.iter(f"{ns}g") if g.get("class") == "group"]
    assert len(frames) == 1 and frames[0].findtext(f"{ns}text") == "work"
    frame = frames[0].find(f"{ns}rect")
    assert frame is not None
    fx, fy = float(frame.get("x", 0)), float(frame.get("y", 0))
    fw, fh = float(frame.get("width", 0)), float(frame.get("height", 0))
    for key in ("each", "pick"):  # the frame holds its stages' boxes
        for box in nodes[key].findall(f"{ns}rect") + nodes[key].findall(f"{ns}polygon"):
            if box.get("points"):
                xs = [float(p.split(",")[0]) for p in box.get("points", "").split()]
                ys = [float(p.split(",")[1]) for p in box.get("points", "").split()]
            else:
                x, y = float(box.get("x", 0)), float(box.get("y", 0))
                xs, ys = [x, x + float(box.get("width", 0))], [y, y + float(box.get("height", 0))]
            assert fx <= min(xs) and max(xs) <= fx + fw and fy <= min(ys) and max(ys) <= fy + fh


def test_a_drawn_run_shows_a_maps_instance_counts() -> None:
    pipeline = _flow()
    result = pipeline.run(raise_on_failure=False)
    mermaid = _mermaid_nodes(to_mermaid(pipeline, result))
    assert "2/3 succeeded, 1 failed" in mermaid["each"]
    assert "succeeded" not in mermaid["left"]  # only a map has instances to count
    assert "2/3 succeeded, 1 failed" in to_dot(pipeline, result)
    svg = to_svg(pipeline, result, use_graphviz=False)
    texts = [t.text for t in _svg_nodes(svg)["each"].iter("{http://www.w3.org/2000/svg}text")]
    assert "2/3 succeeded, 1 failed" in texts


def test_the_regions_example_is_drawn_with_its_map_branch_rule_and_group() -> None:
    from pypedream.examples.regions import pipeline

    result = pipeline.run(report="full")
    nodes = _mermaid_nodes(to_mermaid(pipeline, result))
    assert "[map over regions]" in nodes["load"] and "4/4 succeeded" in nodes["load"]
    assert "[map over load]" in nodes["summarise"] and nodes["summarise"].endswith('"]]')
    assert nodes["choose"].endswith('"}') and "branch" in nodes["choose"]
    assert "(none_failed_min_one_success)" in nodes["publish"]
    assert 'subgraph g0["regions"]' in to_mermaid(pipeline)
    assert "subgraph cluster_0 {" in to_dot(pipeline)
    for use_graphviz in (False, shutil.which("dot") is not None):
        ElementTree.fromstring(to_svg(pipeline, result, use_graphviz=use_graphviz))
