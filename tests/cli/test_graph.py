"""`pypedream graph`: Mermaid by default, DOT and SVG on request, to stdout or a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pypedream.views.graph import graphviz_available
from tests.cli.conftest import PACKAGE, Outcome

Cli = Callable[..., Outcome]
SEED = "pypedream.examples.seed:pipeline"


def test_mermaid_is_the_default_and_names_functions_and_parameters(cli: Cli) -> None:
    outcome = cli("graph", SEED)
    assert outcome.code == 0
    lines = outcome.out.splitlines()
    assert lines[0] == "flowchart LR"
    assert '    s0["get_data1<br/><small>get_data()</small>"]' in lines
    assert '    p0[/"source1"/]' in lines
    assert "    p0 --> s0" in lines  # the parameter feeds the stage that reads it
    assert "    s0 --> s2" in lines  # get_data1 -> combine_data (a data edge)
    assert outcome.err == ""


def test_dot_marks_outputs_and_order_edges(cli: Cli) -> None:
    outcome = cli("graph", "pypedream.examples.sales:pipeline", "--format", "dot")
    assert outcome.code == 0
    lines = outcome.out.splitlines()
    assert lines[0] == 'digraph "sales report" {'
    assert lines[-1] == "}"
    assert '    s1 [label="select\\nselect_region()"];' in lines
    assert (
        '    p0 [label="region", shape=parallelogram, fillcolor="#eef3fb", color="#5b7db1"];'
        in lines
    )
    assert '    s2 -> s4 [label="count, revenue"];' in lines


@pytest.mark.parametrize(
    ("name", "start"),
    [
        pytest.param("seed.mmd", "flowchart LR", id="mermaid"),
        pytest.param("seed.dot", 'digraph "ok enough"', id="dot-by-suffix"),
    ],
)
def test_output_file_format_follows_the_suffix(
    cli: Cli, isolated: Path, name: str, start: str
) -> None:
    outcome = cli("graph", SEED, "-o", name)
    assert outcome.code == 0
    assert outcome.out == f"wrote {name}\n"
    assert (isolated / name).read_text().startswith(start)


@pytest.mark.parametrize(
    "use_graphviz",
    [
        pytest.param(False, id="built-in-layout"),
        pytest.param(
            True,
            id="graphviz",
            marks=pytest.mark.skipif(not graphviz_available(), reason="Graphviz not installed"),
        ),
    ],
)
def test_svg_is_well_formed_and_labels_every_stage(use_graphviz: bool) -> None:
    from pypedream.examples.sales import pipeline
    from pypedream.views.graph import to_svg

    svg = to_svg(pipeline, use_graphviz=use_graphviz)
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = " ".join(node.text or "" for node in root.iter() if node.tag.endswith("text"))
    for key in pipeline.stages:
        assert key[:21] in texts


def test_svg_written_through_the_cli(cli: Cli, isolated: Path) -> None:
    outcome = cli("graph", SEED, "-o", "seed.svg")
    assert outcome.code == 0
    ElementTree.fromstring((isolated / "seed.svg").read_text())


def test_a_broken_pipeline_is_reported_not_drawn(cli: Cli) -> None:
    outcome = cli("graph", f"{PACKAGE}.pipelines:broken")
    assert outcome.code == 2
    assert outcome.err.startswith("Error: ")
    assert outcome.out == ""


def test_an_unwritable_output_is_a_clear_error(cli: Cli, isolated: Path) -> None:
    outcome = cli("graph", SEED, "-o", str(isolated / "missing-dir" / "g.mmd"))
    assert outcome.code == 2
    assert "cannot write" in outcome.err


def test_an_output_suffix_of_no_graph_format_is_an_error_before_writing(
    cli: Cli, isolated: Path
) -> None:
    outcome = cli("graph", SEED, "-o", "seed.png")
    assert outcome.code == 2
    assert "cannot tell the graph format of 'seed.png'" in outcome.err
    assert "--format" in outcome.err and ".svg" in outcome.err
    assert not (isolated / "seed.png").exists()


def test_an_explicit_format_writes_whatever_the_suffix(cli: Cli, isolated: Path) -> None:
    outcome = cli("graph", SEED, "-o", "seed.graph", "--format", "dot")
    assert outcome.code == 0
    assert (isolated / "seed.graph").read_text().startswith('digraph "ok enough"')


@pytest.mark.parametrize(
    ("fmt", "group", "mapped", "branch"),
    [
        pytest.param("mermaid", 'subgraph g0["regions"]', '[["load', '{"choose', id="mermaid"),
        pytest.param("dot", "subgraph cluster_0 {", "peripheries=2", "shape=diamond", id="dot"),
    ],
)
def test_the_regions_example_marks_its_map_branch_rule_and_group(
    cli: Cli, fmt: str, group: str, mapped: str, branch: str
) -> None:
    outcome = cli("graph", "pypedream.examples.regions:pipeline", "--format", fmt)
    assert outcome.code == 0
    for expected in (group, mapped, branch, "[map over regions]", "(none_failed_min_one_success)"):
        assert expected in outcome.out
