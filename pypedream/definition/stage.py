"""A Stage: one function of a pipeline and how its arguments are bound. Definition only."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from pypedream.ctx import STAGES
from pypedream.definition.binding import DependencyInputMapper, Input
from pypedream.definition.outputs import OutputMapper, default_output_mapper
from pypedream.definition.trigger_rule import TriggerRule, trigger_rule

__all__ = ["Stage"]

R = TypeVar("R")


@dataclass(frozen=True, eq=False)
class Stage(Generic[R]):
    """Run `function` with arguments bound by `inputs`; map its return value into outputs.

    `after` adds order-only edges (stage keys that must finish first). `retries` and
    `retry_delay` (seconds or a timedelta) work as Airflow's operator settings do; left at
    None they are not set: a native run does not retry, an exported task keeps the
    deployment's defaults.

    Flow (Airflow's semantics, natively and exported):
    - `trigger_rule`: when the stage runs given its upstream stages' outcomes ("all_success").
    - `map_over`: input name(s) to map over: one instance per item (several names are zipped);
      the other inputs are broadcast; the result is the list of instance results.
    - `branch=True`: the stage returns the key(s) of the direct downstream stages to follow.
    - `short_circuit=True`: a falsy result skips downstream stages (all of them, unless
      `ignore_downstream_trigger_rules=False`: then the direct ones, and rules decide the rest).
    - `group`: an Airflow TaskGroup name; the task id becomes `group.stage`.
    """

    function: Callable[..., R]
    inputs: Sequence[Input[Any]] = ()
    output_mapper: OutputMapper = default_output_mapper
    after: Sequence[str] = ()
    retries: int | None = None
    retry_delay: float | dt.timedelta | None = None
    description: str | None = None
    trigger_rule: TriggerRule | str = TriggerRule.ALL_SUCCESS
    map_over: str | Sequence[str] = ()
    branch: bool = False
    short_circuit: bool = False
    ignore_downstream_trigger_rules: bool = True
    group: str | None = None
    dependencies: tuple[DependencyInputMapper, ...] = field(init=False, repr=False)
    resolvers: tuple[tuple[str, Callable[[], Any]], ...] = field(init=False, repr=False)
    """(argument name, resolve) per input: what a run calls, built once."""
    logs_inputs: bool = field(init=False, repr=False)
    """True when some input is `logged`."""

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise TypeError(f"Stage needs a callable function, got {self.function!r}")
        inputs = tuple(self.inputs)
        for item in inputs:
            if not isinstance(item, Input):
                raise TypeError(
                    f"Stage({_name(self.function)}): inputs must be Input objects "
                    f"(use pypedream.input.known/param/dependency), got {item!r}"
                )
        after = (self.after,) if isinstance(self.after, str) else tuple(self.after)
        if not callable(self.output_mapper):
            raise TypeError(f"Stage({_name(self.function)}): output_mapper must be callable")
        retries = self.retries
        if retries is not None and (
            isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
        ):
            raise ValueError(
                f"Stage({_name(self.function)}): retries must be an int >= 0, got {retries!r}"
            )
        delay = self.retry_delay
        if delay is not None and (
            isinstance(delay, bool) or not isinstance(delay, (int, float, dt.timedelta))
        ):
            raise ValueError(
                f"Stage({_name(self.function)}): retry_delay must be seconds or a timedelta, "
                f"got {delay!r}"
            )
        if not (0 <= self.retry_delay_seconds < math.inf):
            raise ValueError(
                f"Stage({_name(self.function)}): retry_delay must be >= 0 and finite, "
                f"got {delay!r}; e.g. retry_delay=30 or timedelta(seconds=30)"
            )
        try:
            rule = trigger_rule(self.trigger_rule)
        except ValueError as problem:
            raise ValueError(f"Stage({_name(self.function)}): {problem}") from None
        map_over = (self.map_over,) if isinstance(self.map_over, str) else tuple(self.map_over)
        if self.group is not None and (not isinstance(self.group, str) or not self.group):
            raise TypeError(
                f"Stage({_name(self.function)}): group must be a non-empty string or None"
            )
        object.__setattr__(self, "trigger_rule", rule)
        object.__setattr__(self, "map_over", map_over)
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "after", after)
        object.__setattr__(self, "dependencies", tuple(_dependencies(inputs)))
        resolvers = tuple((item.as_arg, item.bind.resolve) for item in inputs)
        object.__setattr__(self, "resolvers", resolvers)
        object.__setattr__(self, "logs_inputs", any(item.logged for item in inputs))

    def __repr__(self) -> str:
        """`Stage(report, inputs=[dependency('totals', 'revenue'), ...], retries=2)`: the
        function by name, then only the settings that differ from the defaults."""
        parts = [_name(self.function).rpartition("<locals>.")[2]]
        if self.inputs:
            parts.append(f"inputs=[{', '.join(map(repr, self.inputs))}]")
        if self.output_mapper is not default_output_mapper:
            parts.append(f"output_mapper={self.output_mapper!r}")
        if self.after:
            parts.append(f"after={list(self.after)!r}")
        for name in ("retries", "retry_delay", "description"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        if self.rule is not TriggerRule.ALL_SUCCESS:
            parts.append(f"trigger_rule={self.rule.value!r}")
        if self.map_over:
            over = self.map_over
            parts.append(f"map_over={over[0]!r}" if len(over) == 1 else f"map_over={list(over)!r}")
        for name in ("branch", "short_circuit"):
            if getattr(self, name):
                parts.append(f"{name}=True")
        if not self.ignore_downstream_trigger_rules:
            parts.append("ignore_downstream_trigger_rules=False")
        if self.group is not None:
            parts.append(f"group={self.group!r}")
        return f"Stage({', '.join(parts)})"

    @property
    def retry_count(self) -> int:
        """Retries of a native run (0 when not set)."""
        return self.retries or 0

    @property
    def retry_delay_seconds(self) -> float:
        """Seconds between native attempts (0 when not set)."""
        delay = self.retry_delay
        if delay is None:
            return 0.0
        return delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)

    @property
    def upstream(self) -> tuple[str, ...]:
        """Stage keys this stage waits for: dependencies first, then `after`, without repeats."""
        keys = [mapper.from_stage for mapper in self.dependencies] + list(self.after)
        return tuple(dict.fromkeys(keys))

    @property
    def reads_stages_opaquely(self) -> bool:
        """True when an input reads ctx.STAGES through a mapper that names no stage."""
        return any(
            item.bind.source is STAGES and not isinstance(item.bind.mapper, DependencyInputMapper)
            for item in self.inputs
        )

    @property
    def rule(self) -> TriggerRule:
        """`trigger_rule` as a TriggerRule (a string given is converted on creation)."""
        return cast(TriggerRule, self.trigger_rule)

    @property
    def mapped(self) -> bool:
        """True when the stage runs once per item of `map_over`."""
        return bool(self.map_over)

    @property
    def name(self) -> str:
        return _name(self.function)


def _dependencies(inputs: Iterable[Input[Any]]) -> Iterable[DependencyInputMapper]:
    for item in inputs:
        if isinstance(item.bind.mapper, DependencyInputMapper):
            yield item.bind.mapper


def _name(function: Callable[..., Any]) -> str:
    return getattr(function, "__qualname__", None) or repr(function)
