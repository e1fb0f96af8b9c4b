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
