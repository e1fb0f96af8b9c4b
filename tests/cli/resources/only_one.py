"""A module with exactly one Pipeline, not named `pipeline`."""

from pypedream import Pipeline, Stage


def hello() -> str:
    return "hello"


greeting = Pipeline("only_one", stages={"hello": Stage(hello)})
