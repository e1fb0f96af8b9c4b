"""A module with two Pipelines and none named `pipeline`."""

from pypedream import Pipeline, Stage


def hello() -> str:
    return "hello"


first = Pipeline("first", stages={"hello": Stage(hello)})
second = Pipeline("second", stages={"hello": Stage(hello)})
