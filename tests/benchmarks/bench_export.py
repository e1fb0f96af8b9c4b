"""Export time and Airflow parse time of 1000-stage pipelines (issue 3's targets), and how
export scales to 10,000 stages (issue 12's targets).

    python -m tests.benchmarks.bench_export [--json] [--quick] [--profile]

0. Scale: `export_airflow` of a 1,000-, 3,000- and 10,000-stage chain, each in a fresh
   process (peak RSS is per process), after one warm-up export of the seed example; rounds
   interleave the sizes. Prints time and peak RSS per size, per-stage growth, and verdicts
   against <= 3 s and <= 300 MB at 10,000 stages and linear growth (per-stage time and memory
   at 10,000 within 1.5x of those at 1,000).
1. `export_airflow` of a 1000-stage chain and a 999+1 fan-in, in-process after warm-up, each
   repeat on a fresh (not yet validated) Pipeline into a fresh folder; with the time of its
   steps (validate, walk, render, check) and a plain-Python baseline (f-strings writing
   the hand-written equivalent file).
2. Airflow 3 `DagBag` parse time of each generated file against a hand-written DAG with the same
   task ids and edges (a python_callable per task, plain `>>` edges), each file alone in its own
   folder, a fresh DagBag per parse, interleaved; and of the exported seed example.
   Bytecode is never cached (`sys.dont_write_bytecode`), so every parse compiles the file, as
   the first parse after each change does.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import io
import itertools
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pypedream import Pipeline
from pypedream.definition.airflow_options import AirflowOptions

from . import pipelines
from ._timing import Row, Stats, parse_arguments, print_report, source_revision, time_repeated

EXPORT_S = 1.0
PARSE_RATIO = 1.2
SCALE_SIZES = (1000, 3000, 10000)
SCALE_S = 3.0
SCALE_MB = 300.0
LINEAR_RATIO = 1.5
REPO_ROOT = Path(__file__).resolve().parents[2]
SHAPES: dict[str, tuple[str, Callable[[], Pipeline]]] = {
    "chain 1000": ("CHAIN_1000", lambda: pipelines.chain(1000)),
    "fan-in 999+1": ("FANIN_1000", lambda: pipelines.fan_in(999)),
}
SEED_REFERENCE = "pypedream.examples.seed:pipeline"


def _reference(attr: str) -> str:
    return f"{pipelines.__name__}:{attr}"


def _configure_airflow(home: Path) -> Path:
    """Point Airflow at a throwaway home before anything imports it; return the dags folder."""
    dags = home / "dags"
    dags.mkdir(parents=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    return dags


# --- the hand-written equivalent ------------------------------------------------------------


def hand_written_dag(dag_id: str, upstream: dict[str, list[str]]) -> str:
    """The DAG a person would write: a callable per task pulling its inputs, `a >> b` edges."""
    lines = [
        f'"""{dag_id}: written by hand, the same tasks and edges as the exported DAG."""',
        "",
        "import datetime",
        "",
        "from airflow.providers.standard.operators.python import PythonOperator",
        "from airflow.sdk import DAG",
        "",
    ]
    for task_id, ups in upstream.items():
        lines += ["", ""]
        if not ups:
            lines += [f"def compute_{task_id}():", f"    return {task_id[1:].lstrip('0') or 0}"]
        elif len(ups) == 1:
            lines += [
                f"def compute_{task_id}(ti):",
                f'    return ti.xcom_pull(task_ids="{ups[0]}") + 1',
            ]
        else:
            lines += [
                f"def compute_{task_id}(ti):",
                f'    sources = [f"s{{i:04d}}" for i in range({len(ups)})]',
                "    return sum(ti.xcom_pull(task_ids=sources))",
            ]
    lines += [
        "",
        "",
        "with DAG(",
        f'    dag_id="{dag_id}",',
        "    schedule=None,",
        "    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),",
        "    catchup=False,",
        ") as dag:",
    ]
    lines += [
        f'    {task_id} = PythonOperator(task_id="{task_id}", python_callable=compute_{task_id})'
        for task_id in upstream
    ]
    lines.append("")
    lines += [f"    {up} >> {task_id}" for task_id, ups in upstream.items() for up in ups]
    return "\n".join(lines) + "\n"


def _upstream_of(pipeline: Pipeline) -> dict[str, list[str]]:
    graph = pipeline.validate()
    return {key: list(graph.upstream[key]) for key in graph.order}


# --- export ---------------------------------------------------------------------------------


def _time_steps(
    factory: Callable[[], Pipeline], reference: str, folder: Path, repeats: int
) -> dict[str, Stats]:
    """export_airflow's steps one after the other, each timed, on a fresh Pipeline per repeat."""
    from pypedream_compiler.codegen.check import check_dag_source
    from pypedream_compiler.codegen.render import render_dag
    from pypedream_compiler.codegen.walk import build_dag_spec

    command = f"pypedream export-airflow {reference} -o {folder}"
    folder.mkdir()
    steps: dict[str, list[float]] = {
        name: [] for name in ("validate", "walk", "render", "check", "write")
    }
    for repeat in range(repeats + 1):  # the first round warms up
        pipeline = factory()
        gc.collect()
        t0 = time.perf_counter()
        pipeline.validate()
        t1 = time.perf_counter()
        spec = build_dag_spec(pipeline, reference, AirflowOptions(), command)
        t2 = time.perf_counter()
        source = render_dag(spec)
        t3 = time.perf_counter()
        check_dag_source(source, "dag.py")
        t4 = time.perf_counter()
        (folder / f"{repeat}.py").write_text(source, encoding="utf-8")
        t5 = time.perf_counter()
        if repeat:
            for name, seconds in zip(
                steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True
            ):
                steps[name].append(seconds)
    return {name: Stats.of(samples) for name, samples in steps.items()}


def measure_export(
    label: str, attr: str, factory: Callable[[], Pipeline], out: Path, repeats: int
) -> list[Row]:
    from pypedream_compiler import export_airflow

    reference = _reference(attr)
    folders = (out / f"export-{attr}-{i}" for i in itertools.count())
    target: dict[str, Path] = {}

    def fresh() -> None:
        setattr(pipelines, attr, factory())
        target["dir"] = next(folders)

    total = time_repeated(
        lambda: export_airflow(reference, target["dir"]), repeats=repeats, warmup=2, setup=fresh
    )
    steps = _time_steps(factory, reference, out / f"steps-{attr}", repeats)
    pipeline = factory()
    source = (target["dir"] / f"{pipeline.name}.py").read_text(encoding="utf-8")
    compile_only = time_repeated(lambda: compile(source, "dag.py", "exec"), repeats=repeats)
    upstream = _upstream_of(pipeline)
    plain_dir = out / f"plain-{attr}"
    plain_dir.mkdir()
    plain = time_repeated(
        lambda: (plain_dir / "dag.py").write_text(hand_written_dag("hand", upstream)),
        repeats=repeats,
    )
    steps_median = sum(stats.median for stats in steps.values())
    rows = [
        Row(
            f"export {label}: export_airflow()",
            total.min,
            total.median,
            "s",
            f"< {EXPORT_S:g} s",
            total.median < EXPORT_S,
            f"{len(source) / 1e3:.0f} kB written; vs plain f-string generator: "
            f"{total.median / plain.median:,.0f}x; step medians below sum to "
            f"{steps_median:.3f} s",
        )
    ]
    names = {
        "validate": "validate (fresh Pipeline)",
        "walk": "walk (build_dag_spec)",
        "render": "render (render_dag)",
        "check": "check (check_dag_source)",
        "write": "write",
    }
    for name, stats in steps.items():
        note = ""
        if name == "check":
            note = (
                f"ast.parse + shape + compile in pieces; a whole-file compile() alone: "
                f"{compile_only.median * 1e3:.1f} ms"
            )
        rows.append(
            Row(f"  {label}: {names[name]}", stats.min * 1e3, stats.median * 1e3, "ms", note=note)
        )
    rows.append(
        Row(
            f"  baseline: f-string hand DAG + write ({label})",
            plain.min * 1e3,
            plain.median * 1e3,
            "ms",
        )
    )
    return rows


# --- scale: 1k, 3k, 10k stages, one process each ---------------------------------------------


def scale_child(stages: int) -> None:
    """In a fresh process: export a chain of `stages`; print seconds and peak RSS as JSON."""
    from pypedream_compiler import export_airflow

    with tempfile.TemporaryDirectory(prefix="pp-bench-scale-") as tmp, _cwd(Path(tmp)):
        export_airflow(SEED_REFERENCE, Path(tmp) / "warm-up")
        pipelines.SCALE = pipelines.chain(stages)  # type: ignore[attr-defined]
        gc.collect()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start, cpu = time.perf_counter(), time.process_time()
        export_airflow(_reference("SCALE"), Path(tmp) / "dags")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    result = {
        "stages": stages,
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak,
        "before_mb": before,
    }
    print(json.dumps(result))


def _run_child(stages: int) -> dict[str, float]:
    code = f"from tests.benchmarks.bench_export import scale_child; scale_child({stages})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_scale(rounds: int) -> list[Row]:
    samples: dict[int, list[dict[str, float]]] = {n: [] for n in SCALE_SIZES}
    for _ in range(rounds):
        for stages in SCALE_SIZES:  # interleaved, so drift hits every size alike
            samples[stages].append(_run_child(stages))
    rows = []
    medians: dict[int, tuple[float, float, float]] = {}
    for stages, runs in samples.items():
        seconds = Stats.of([run["seconds"] for run in runs])
        peak = Stats.of([run["peak_mb"] for run in runs])
        before = statistics.median(run["before_mb"] for run in runs)
        medians[stages] = (seconds.median, peak.median, before)
        big = stages == max(SCALE_SIZES)
        rows.append(
            Row(
                f"scale: export a {stages:,}-stage chain",
                seconds.min,
                seconds.median,
                "s",
                f"<= {SCALE_S:g} s" if big else "",
                seconds.median <= SCALE_S if big else None,
                f"{seconds.median / stages * 1e6:.0f} us/stage; CPU time "
                f"{statistics.median(run['cpu'] for run in runs):.3f} s",
            )
        )
        rows.append(
            Row(
                f"scale: peak RSS, {stages:,}-stage chain",
                peak.min,
                peak.median,
                "MB",
                f"<= {SCALE_MB:g} MB" if big else "",
                peak.median <= SCALE_MB if big else None,
                f"{before:.0f} MB before the export (interpreter, imports, pipeline); "
                f"{(peak.median - before) / stages * 1e3:.1f} kB/stage during it",
            )
        )
    small, large = min(SCALE_SIZES), max(SCALE_SIZES)
    time_ratio = (medians[large][0] / large) / (medians[small][0] / small)
    memory_ratio = (medians[large][1] / large) / (medians[small][1] / small)
    growth_ratio = ((medians[large][1] - medians[large][2]) / large) / max(
        (medians[small][1] - medians[small][2]) / small, 1e-9
    )
    rows.append(
        Row(
            f"scale: time per stage, {large:,} / {small:,}",
            None,
            time_ratio,
            "x",
            f"<= {LINEAR_RATIO:g}",
            time_ratio <= LINEAR_RATIO,
            "1.0 is exactly linear",
        )
    )
    rows.append(
        Row(
            f"scale: export's own memory per stage, {large:,} / {small:,}",
            None,
            growth_ratio,
            "x",
            f"<= {LINEAR_RATIO:g}",
            growth_ratio <= LINEAR_RATIO,
            f"peak RSS per stage, whole process: {memory_ratio:.2f}x (the fixed interpreter "
            "share makes it fall below 1)",
        )
    )
    return rows


# --- Airflow parse --------------------------------------------------------------------------


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    """The seed example makes a `logs` folder in the working directory when imported."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _parse(folder: Path) -> tuple[float, Any]:
    from airflow.dag_processing.dagbag import DagBag

    start = time.perf_counter()
    bag = DagBag(dag_folder=str(folder))
    return time.perf_counter() - start, bag


def _shape_of(folder: Path) -> dict[str, list[str]]:
    _, bag = _parse(folder)
    if bag.import_errors:
        raise RuntimeError(f"{folder}: import errors: {bag.import_errors}")
    if bag.size() != 1:
        raise RuntimeError(f"{folder}: expected one DAG, got {bag.dag_ids}")
    dag = next(iter(bag.dags.values()))
    return {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}


def measure_parse(dags: Path, scratch: Path, repeats: int) -> tuple[list[Row], dict[str, Path]]:
    from pypedream_compiler import export_airflow

    folders: dict[str, Path] = {}
    for label, (attr, factory) in SHAPES.items():
        pipeline = factory()
        setattr(pipelines, attr, pipeline)
        generated = dags / f"generated-{attr}"
        export_airflow(_reference(attr), generated)
        hand = dags / f"hand-{attr}"
        hand.mkdir()
        (hand / "hand.py").write_text(
            hand_written_dag(f"hand_{attr.lower()}", _upstream_of(pipeline))
        )
        folders[f"{label}, generated"] = generated
        folders[f"{label}, hand-written"] = hand
    with _cwd(scratch):
        export_airflow(SEED_REFERENCE, dags / "seed")
    folders["seed example, generated"] = dags / "seed"

    shapes = {name: _shape_of(folder) for name, folder in folders.items()}  # also the warm-up
    for label in SHAPES:
        generated, hand = shapes[f"{label}, generated"], shapes[f"{label}, hand-written"]
        if generated != hand or len(generated) != 1000:
            raise RuntimeError(f"{label}: hand-written DAG differs from the generated one")

    samples: dict[str, list[float]] = {name: [] for name in folders}
    for _ in range(repeats):
        for name, folder in folders.items():  # interleaved, so drift hits every file alike
            gc.collect()
            samples[name].append(_parse(folder)[0])

    rows = []
    for name, folder in folders.items():
        stats = Stats.of(samples[name])
        source = next(folder.glob("*.py")).read_text()
        compile_s = time_repeated(lambda s=source: compile(s, "f.py", "exec"), repeats=5)
        rows.append(
            Row(
                f"DagBag parse: {name}",
                stats.min,
                stats.median,
                "s",
                note=f"{len(shapes[name])} tasks, {len(source) / 1e3:.0f} kB; "
                f"compile() alone {compile_s.median * 1e3:.1f} ms",
            )
        )
    for label in SHAPES:
        generated, hand = samples[f"{label}, generated"], samples[f"{label}, hand-written"]
        paired = statistics.median(g / h for g, h in zip(generated, hand, strict=True))
        rows.append(
            Row(
                f"parse ratio generated / hand-written: {label}",
                min(generated) / min(hand),
                paired,
                "x",
                f"<= {PARSE_RATIO:g}",
                paired <= PARSE_RATIO,
                "min column: min/min; median column: median of the per-round ratios (each round "
                f"parses both back to back); median/median: "
                f"{statistics.median(generated) / statistics.median(hand):.2f}",
            )
        )
    return rows, folders


def profile(folders: dict[str, Path], out: Path, top: int = 20) -> str:
    from pypedream_compiler import export_airflow

    report = io.StringIO()
    jobs: list[tuple[str, Callable[[], Any]]] = []
    for label, (attr, factory) in SHAPES.items():
        setattr(pipelines, attr, factory())
        folder = out / f"profile-{attr}"
        jobs.append((f"export {label}", lambda a=attr, f=folder: export_airflow(_reference(a), f)))
    for name in ("chain 1000, generated", "chain 1000, hand-written"):
        jobs.append((f"DagBag parse {name}", lambda f=folders[name]: _parse(f)))
    for label, job in jobs:
        profiler = cProfile.Profile()
        profiler.runcall(job)
        report.write(f"\n=== cProfile: {label}, top {top} by cumulative ===\n")
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(top)
    return report.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(__doc__, argv, quick_help="fewer repeats (a smoke run)")
    export_repeats, parse_repeats = (3, 3) if args.quick else (10, 15)
    sys.dont_write_bytecode = True
    with tempfile.TemporaryDirectory(prefix="pp-bench-export-") as tmp:
        root = Path(tmp)
        dags = _configure_airflow(root / "airflow")
        scratch = root / "scratch"
        scratch.mkdir()
        rows: list[Row] = measure_scale(1 if args.quick else 3)
        for label, (attr, factory) in SHAPES.items():
            rows += measure_export(label, attr, factory, scratch, export_repeats)
        parse_rows, folders = measure_parse(dags, scratch, parse_repeats)
        rows += parse_rows
        import airflow

        context = {
            "python": f"{platform.python_version()} ({sys.executable})",
            "airflow": airflow.__version__,
            "cpus": os.cpu_count(),
            "source": source_revision(),
            "load average (1, 5, 15 min) at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "repeats": f"scale {1 if args.quick else 3} rounds, sizes interleaved, a process "
            f"each; export {export_repeats} after 2 warm-ups; parse {parse_repeats} "
            "per file after 1 warm-up, interleaved; verdicts judged on the median",
            "bytecode": "not cached: every parse compiles the file",
        }
        print_report("pypedream export benchmark (issues 3 and 12)", rows, context, args.json)
        if args.profile:
            print(profile(folders, scratch), file=sys.stderr if args.json else sys.stdout)
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
