"""Views of pipelines and runs: graph markup, statuses in colour, notebook HTML, reprs."""

from __future__ import annotations

from xml.etree import ElementTree

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
