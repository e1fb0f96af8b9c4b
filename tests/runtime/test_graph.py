"""The stage graph: stages, edges, one deterministic order. Definitions are frozen."""

from __future__ import annotations

import dataclasses

import pytest

from pypedream import Edge, Pipeline, Stage, StageGraph
from pypedream.definition.graph import find_cycle, topological_order
from pypedream.input import dependency, known


def one(x: int) -> int:
    return x


def two(a: int, b: int) -> int:
    return a + b


@pytest.fixture
def pipeline() -> Pipeline:
    """load -> clean -> report; load -> stats; report after stats (order only); audit alone."""
    return Pipeline(
        "g",
        stages={
            "report": Stage(one, [dependency("clean", "x")], after=["stats"]),
            "load": Stage(lambda: 1),
            "clean": Stage(one, [dependency("load", "x")]),
            "stats": Stage(one, [dependency("load", "x")]),
            "audit": Stage(one, [known(0, "x")]),
        },
        log_settings=None,
    )


def test_graph_exposes_stages_edges_and_order(pipeline: Pipeline) -> None:
    graph = pipeline.graph

    assert isinstance(graph, StageGraph)
    assert len(graph) == 5
    assert list(graph.stages) == ["report", "load", "clean", "stats", "audit"]
    assert graph.order == ("load", "clean", "stats", "report", "audit")
    assert graph.upstream["report"] == ("clean", "stats")
    assert graph.downstream["load"] == ("clean", "stats")
    assert graph.edges == (
        Edge("load", "clean", "data"),
        Edge("load", "stats", "data"),
        Edge("clean", "report", "data"),
        Edge("stats", "report", "order"),
    )


def test_graph_is_built_once_and_read_only(pipeline: Pipeline) -> None:
    graph = pipeline.graph

    assert pipeline.graph is graph
    assert pipeline.validate() is graph
    with pytest.raises(TypeError):
        graph.stages["new"] = Stage(lambda: 1)  # type: ignore[index]
    with pytest.raises(TypeError):
        pipeline.stages["new"] = Stage(lambda: 1)  # type: ignore[index]


def test_ancestry_queries(pipeline: Pipeline) -> None:
    graph = pipeline.graph

    assert graph.ancestors("report") == ("load", "clean", "stats")
    assert graph.descendants("load") == ("clean", "stats", "report")
    assert graph.is_ancestor("load", "report")
    assert not graph.is_ancestor("report", "load")
    assert not graph.is_ancestor("audit", "report")
    assert graph.ancestors("audit") == ()


def test_a_dependency_and_after_on_the_same_stage_make_one_data_edge() -> None:
    stage = Stage(one, [dependency("a", "x")], after=["a", "a"])

    assert stage.upstream == ("a",)
    graph = Pipeline("g", stages={"a": Stage(lambda: 1), "b": stage}, log_settings=None).graph
    assert graph.edges == (Edge("a", "b", "data"),)


def test_after_accepts_a_single_key() -> None:
    assert Stage(lambda: 1, after="a").after == ("a",)


def test_the_order_does_not_depend_on_set_or_hash_order() -> None:
    keys = [f"k{i}" for i in range(50)]
    upstream = {key: ([keys[i - 1]] if i % 7 else []) for i, key in enumerate(keys)}

    assert topological_order(upstream) == keys


@pytest.mark.parametrize(
    ("upstream", "order"),
    [
        pytest.param({"a": [], "b": ["a"], "c": []}, ["a", "b", "c"], id="ready-first"),
        pytest.param({"b": ["a"], "a": [], "c": []}, ["a", "b", "c"], id="earliest-defined-ready"),
        pytest.param({"a": ["x"]}, ["a"], id="unknown-upstream-ignored"),
        pytest.param({"a": ["b"], "b": ["a"], "c": []}, ["c"], id="cycle-left-out"),
    ],
)
def test_topological_order(upstream: dict[str, list[str]], order: list[str]) -> None:
    assert topological_order(upstream) == order


@pytest.mark.parametrize(
    ("upstream", "cycle"),
    [
        pytest.param({"a": [], "b": ["a"]}, None, id="acyclic"),
        pytest.param({"a": ["a"]}, ["a", "a"], id="self"),
        pytest.param({"a": ["c"], "b": ["a"], "c": ["b"]}, ["a", "b", "c", "a"], id="three"),
        pytest.param(
            {"down": ["a"], "a": ["b"], "b": ["a"]}, ["a", "b", "a"], id="reached-from-downstream"
        ),
    ],
)
def test_find_cycle(upstream: dict[str, list[str]], cycle: list[str] | None) -> None:
    found = find_cycle(upstream)

    if cycle is None:
        assert found is None
    else:
        # The same cycle, starting anywhere on it.
        assert found is not None
        assert found[0] == found[-1]
        assert len(found) == len(cycle)
        start = cycle.index(found[0])
        assert found[:-1] == cycle[start:-1] + cycle[:start]


def test_stage_graph_refuses_a_cycle() -> None:
    with pytest.raises(ValueError, match="stage graph has a cycle: a -> b -> a"):
        StageGraph(
            {"a": Stage(one, [dependency("b", "x")]), "b": Stage(one, [dependency("a", "x")])}
        )


def test_a_stage_is_a_frozen_definition() -> None:
    stage = Stage(two, [known(1, "a"), known(2, "b")], retries=2)

    with pytest.raises(dataclasses.FrozenInstanceError):
        stage.retries = 3  # type: ignore[misc]
    assert isinstance(stage.inputs, tuple)
    assert stage.name == "two"
    Pipeline("g", stages={"s": stage}, log_settings=None).run()
    assert stage.retries == 2
    assert {f.name for f in dataclasses.fields(stage)} == {
        "function",
        "inputs",
        "output_mapper",
        "after",
        "retries",
        "retry_delay",
        "description",
        "trigger_rule",
        "map_over",
        "branch",
        "short_circuit",
        "ignore_downstream_trigger_rules",
        "group",
        "dependencies",
        "resolvers",
        "logs_inputs",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        pytest.param({"function": 3}, TypeError, "needs a callable function", id="function"),
        pytest.param(
            {"function": one, "output_mapper": 3},
            TypeError,
            "output_mapper must be callable",
            id="mapper",
        ),
    ],
)
def test_stage_checks_its_fields(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Stage(**kwargs)


@pytest.mark.parametrize(
    ("name", "error"),
    [pytest.param("", TypeError, id="empty"), pytest.param(" ", TypeError, id="blank")],
)
def test_pipeline_needs_a_name(name: str, error: type) -> None:
    with pytest.raises(error, match="Pipeline name must be a non-empty string"):
        Pipeline(name)


def test_pipeline_checks_parameters_and_log_settings() -> None:
    with pytest.raises(TypeError, match=r"parameters must be Parameters\.define"):
        Pipeline("p", {"a": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="log_settings must be LoggerSettings or None"):
        Pipeline("p", log_settings="logs")  # type: ignore[arg-type]
