"""The threaded scheduler of a native run: stages and map instances on a thread pool.

Only the calling thread decides and records (`_Run` is not shared for writing); the pool's
threads run stages, each in its own copy of the run's context.
"""

from __future__ import annotations

import contextvars
import heapq
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from pypedream.execution.map_progress import MapProgress
from pypedream.execution.result import StageResult

if TYPE_CHECKING:
    from pypedream.definition.stage import Stage
    from pypedream.execution.executor import _Run

__all__ = ["run_threaded"]


def run_threaded(run: _Run, max_workers: int) -> None:
    """Run on a pool of `max_workers` threads: a stage starts once its upstream stages are
    done, ready stages (and map instances) in graph order; this thread decides and records."""
    graph = run.graph
    order, index = graph.order, graph.index
    waiting = {key: len(graph.upstream[key]) for key in order}
    ready = [(index[key], -1) for key, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    running: dict[Future[StageResult], tuple[str, int]] = {}
    maps: dict[str, tuple[MapProgress, contextvars.Context, Stage[Any], Any, float]] = {}

    def settle(result: StageResult) -> None:
        run.record(result)
        for child in graph.downstream[result.key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (index[child], -1))

    def begin(position: int) -> None:
        key = order[position]
        if run.troubled or key in run.careful:
            stopped = run.blocked(key)
            if stopped is not None:
                settle(stopped)
                return
        run.start(key)
        if not run.stages[key].map_over:
            running[pool.submit(run.context.copy().run, run.execute, key)] = (key, -1)
            return
        started = time.perf_counter()
        context = run.context.copy()
        expanded = context.run(run.expand, key)
        if isinstance(expanded, StageResult):
            settle(expanded)
            return
        lists, count = expanded
        progress = MapProgress(key, lists, count, started - run.clock)
        if not count:
            settle(run.finish_map(progress, started))
            return
        stage, base = run.instance_stage(key), run.variables_base(key)
        maps[key] = (progress, context, stage, base, started)
        for instance in range(count):
            heapq.heappush(ready, (position, instance))

    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pypedream")
    try:
        while ready or running:
            while ready and len(running) < max_workers:
                position, instance = heapq.heappop(ready)
                if instance < 0:
                    begin(position)
                    continue
                key = order[position]
                progress, context, stage, base, _ = maps[key]
                future = pool.submit(
                    context.copy().run,
                    run.execute_instance,
                    key,
                    stage,
                    base,
                    instance,
                    progress.item(instance),
                )
                running[future] = (key, instance)
            if not running:
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: (index[running[f][0]], running[f][1])):
                key, instance = running[future]
                result = future.result()  # a KeyboardInterrupt the stage raised: handled below
                del running[future]
                if instance < 0:
                    settle(run.finish_flow(result) if key in run.careful else result)
                    continue
                progress, _, _, _, started = maps[key]
                progress.add(instance, result)
                if not progress.left:
                    del maps[key]
                    settle(run.finish_map(progress, started))
    except KeyboardInterrupt as stop:  # a hard stop: keep what finished, abandon the rest
        run.request_stop()
        pool.shutdown(wait=False, cancel_futures=True)
        for future, (key, instance) in running.items():
            if key in run.results:
                continue
            finished = future.done() and not future.cancelled()
            if instance < 0 and finished and future.exception() is None:
                run.record(future.result())
            else:
                run.record(run.interrupted(key, stop))
        for key in maps:
            if key not in run.results:
                run.record(run.interrupted(key, stop))
        raise
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
