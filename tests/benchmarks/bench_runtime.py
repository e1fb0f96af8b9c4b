"""Runtime overhead of the native executor against plain Python (issue 2's targets).

    python -m tests.benchmarks.bench_runtime [--json] [--quick] [--profile]

Per-stage overhead = (median pipeline run - median plain loop making the same calls) / stages,
logging off and with the JSON-lines file log on. Runs reuse one Pipeline (validated on the
warm-up run, as a repeated `run()` would); the first run's validation is shown separately.
Also: 16 stages sleeping 0.25 s with 16 workers and sequentially, and `import pypedream`.
"""

from __future__ import annotations

import cProfile
import io
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pypedream import LoggerSettings, Pipeline

from . import pipelines
from ._timing import Row, Stats, parse_arguments, print_report, source_revision, time_repeated

STAGES = 500
SLEEPERS = 16
NAP = 0.25
OVERHEAD_OFF_US = 3.0  # issue 10 (was 5.0, issue 2); vs Hamilton: bench_executor
OVERHEAD_FILE_US = 100.0
PARALLEL_S = 0.35
IMPORT_MS = 150.0


def _chain_baseline(n: int) -> int:
    x = pipelines.increment(0)
    for _ in range(1, n):
        x = pipelines.increment(x)
    return x


def _fan_in_baseline(n: int) -> int:
    values = {f"v{i}": pipelines.identity(i) for i in range(n)}
    return pipelines.total(**values)


_LATTICE = pipelines.lattice_upstream(10, 50)


def _lattice_baseline() -> int:
    values: dict[str, int] = {}
    for key, above in _LATTICE.items():
        if above:
            values[key] = pipelines.total(**{f"v{i}": values[u] for i, u in enumerate(above)})
        else:
            values[key] = pipelines.identity(1)
    return len(values)


def _overhead_rows(
    label: str, pipeline: Pipeline, stages: int, baseline: Stats, repeats: int, target_us: float
) -> tuple[list[Row], Stats]:
    first_start = time.perf_counter()
    pipeline.run()  # warm-up; validates and caches the graph
    first = time.perf_counter() - first_start
    run = time_repeated(pipeline.run, repeats=repeats, warmup=1)
    per_min = (run.min - baseline.min) / stages * 1e6
    per_median = (run.median - baseline.median) / stages * 1e6
    rows = [
        Row(f"{label}: pipeline.run()", run.min * 1e3, run.median * 1e3, "ms"),
        Row(
            f"{label}: overhead per stage",
            per_min,
            per_median,
            "us",
            f"<= {target_us:g} us",
            per_median <= target_us,
            f"ratio run/plain loop: {run.median / baseline.median:,.0f}x (median); "
            f"first run incl. validate: {first * 1e3:.1f} ms",
        ),
    ]
    return rows, run


def _logging_settings(log_dir: Path) -> LoggerSettings:
    return LoggerSettings(stream=False, file=True, log_dir=log_dir)


def measure_overheads(repeats: int, log_dir: Path) -> list[Row]:
    rows: list[Row] = []
    chain_base = time_repeated(lambda: _chain_baseline(STAGES), repeats=repeats * 5, warmup=3)
    fan_base = time_repeated(lambda: _fan_in_baseline(STAGES), repeats=repeats * 5, warmup=3)
    rows.append(
        Row(
            f"plain loop: {STAGES} chained calls",
            chain_base.min * 1e6,
            chain_base.median * 1e6,
            "us",
        )
    )
    rows.append(
        Row(f"plain loop: {STAGES} calls + sink", fan_base.min * 1e6, fan_base.median * 1e6, "us")
    )
    lattice_base = time_repeated(_lattice_baseline, repeats=repeats * 5, warmup=3)
    rows.append(
        Row(
            "plain loop: 10 x 50 lattice",
            lattice_base.min * 1e6,
            lattice_base.median * 1e6,
            "us",
        )
    )
    cases = [
        ("chain 500, logs off", pipelines.chain(STAGES), STAGES, chain_base, OVERHEAD_OFF_US),
        (
            "lattice 10 x 50, logs off",
            pipelines.lattice(10, 50),
            STAGES,
            lattice_base,
            OVERHEAD_OFF_US,
        ),
        ("fan-in 500+1, logs off", pipelines.fan_in(STAGES), STAGES + 1, fan_base, OVERHEAD_OFF_US),
        (
            "chain 500, JSON file log",
            pipelines.chain(STAGES, _logging_settings(log_dir)),
            STAGES,
            chain_base,
            OVERHEAD_FILE_US,
        ),
        (
            "fan-in 500+1, JSON file log",
            pipelines.fan_in(STAGES, _logging_settings(log_dir)),
            STAGES + 1,
            fan_base,
            OVERHEAD_FILE_US,
        ),
    ]
    for label, pipeline, stages, baseline, target in cases:
        case_rows, _ = _overhead_rows(label, pipeline, stages, baseline, repeats, target)
        rows.extend(case_rows)
    return rows


def measure_sleepers(parallel_repeats: int, sequential_repeats: int) -> list[Row]:
    pipeline = pipelines.sleepers(SLEEPERS, NAP)

    def plain_threads() -> None:
        with ThreadPoolExecutor(max_workers=SLEEPERS) as pool:
            list(pool.map(pipelines.nap, [NAP] * SLEEPERS))

    def plain_loop() -> None:
        for _ in range(SLEEPERS):
            pipelines.nap(NAP)

    threads = time_repeated(plain_threads, repeats=parallel_repeats)
    parallel = time_repeated(lambda: pipeline.run(max_workers=SLEEPERS), repeats=parallel_repeats)
    loop = time_repeated(plain_loop, repeats=sequential_repeats, warmup=0)
    sequential = time_repeated(pipeline.run, repeats=sequential_repeats, warmup=0)
    ideal = SLEEPERS * NAP
    return [
        Row(f"plain ThreadPoolExecutor(16): 16 x sleep({NAP})", threads.min, threads.median, "s"),
        Row(
            f"16 x sleep({NAP}), run(max_workers=16)",
            parallel.min,
            parallel.median,
            "s",
            f"<= {PARALLEL_S} s",
            parallel.median <= PARALLEL_S,
            f"over plain threads: {(parallel.median - threads.median) * 1e3:+.1f} ms (median)",
        ),
        Row(f"plain loop: 16 x sleep({NAP})", loop.min, loop.median, "s"),
        Row(
            f"16 x sleep({NAP}), sequential run()",
            sequential.min,
            sequential.median,
            "s",
            f"~{ideal:g} s (16 x {NAP})",
            None,
            f"over plain loop: {(sequential.median - loop.median) * 1e3:+.1f} ms (median)",
        ),
    ]


def _spawn_seconds(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - start


def _import_cost(env: dict[str, str], repeats: int) -> tuple[list[float], list[float]]:
    """Wall times of `python -c pass` and `python -c 'import pypedream'`, interleaved."""
    _spawn_seconds("import pypedream", env)  # warm the OS page cache (and the .pyc cache)
    bare, with_import = [], []
    for _ in range(repeats):
        bare.append(_spawn_seconds("pass", env))
        with_import.append(_spawn_seconds("import pypedream", env))
    return bare, with_import


def _importtime_us(env: dict[str, str]) -> int:
    """Cumulative `-X importtime` of the top-level `pypedream` import, in microseconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pypedream"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stderr.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) == 3 and parts[2] == "pypedream":
            return int(parts[1])
    raise RuntimeError("no pypedream line in -X importtime output")


def measure_import(repeats: int, pycache: Path) -> list[Row]:
    rows = []
    base_env = dict(os.environ)
    variants = [
        # What an installed package sees: bytecode cached (kept out of the repo via a prefix).
        (
            "bytecode cached",
            {"PYTHONPYCACHEPREFIX": str(pycache)},
            ["PYTHONDONTWRITEBYTECODE"],
            True,
        ),
        # This environment as it is: PYTHONDONTWRITEBYTECODE=1 and no .pyc, so every import
        # compiles pypedream's sources.
        ("as this env is (no .pyc)", {"PYTHONDONTWRITEBYTECODE": "1"}, [], False),
    ]
    for label, extra, drop, judged in variants:
        env = {k: v for k, v in base_env.items() if k not in drop} | extra
        bare, imported = _import_cost(env, repeats)
        deltas = [(b - a) * 1e3 for a, b in zip(bare, imported, strict=True)]
        median = statistics.median(imported) * 1e3 - statistics.median(bare) * 1e3
        importtime = _importtime_us(env) / 1e3
        rows.append(
            Row(
                f"import pypedream, {label}",
                min(deltas),
                median,
                "ms",
                f"<= {IMPORT_MS:g} ms" if judged else "",
                median <= IMPORT_MS if judged else None,
                f"python -c pass: {statistics.median(bare) * 1e3:.1f} ms, with import: "
                f"{statistics.median(imported) * 1e3:.1f} ms (medians of {repeats}); "
                f"-X importtime cumulative: {importtime:.1f} ms",
            )
        )
    probe = (
        "import sys, pypedream; "
        "print(','.join(m for m in ('structlog','airflow','jinja2','libcst','pypedream_compiler')"
        " if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.strip()
    rows.append(
        Row(
            "import pypedream loads structlog / airflow / jinja2 / libcst / compiler",
            None,
            None,
            "",
            "none of them",
            loaded == "",
            f"loaded: {loaded or 'none'}",
        )
    )
    return rows


def profile_runs(log_dir: Path, top: int = 25) -> str:
    """cProfile of repeated runs of the two 500-stage shapes (logs off, then file log on)."""
    out = io.StringIO()
    for label, pipeline in [
        ("fan-in 500+1, logs off", pipelines.fan_in(STAGES)),
        ("chain 500, logs off", pipelines.chain(STAGES)),
        ("chain 500, JSON file log", pipelines.chain(STAGES, _logging_settings(log_dir))),
    ]:
        pipeline.run()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            pipeline.run()
        profiler.disable()
        out.write(f"\n=== cProfile: {label}, 10 runs, top {top} by tottime ===\n")
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(__doc__, argv, quick_help="fewer repeats (a smoke run)")
    repeats = 5 if args.quick else 30
    with tempfile.TemporaryDirectory(prefix="pp-bench-") as tmp:
        log_dir = Path(tmp) / "logs"
        rows = measure_overheads(repeats, log_dir)
        rows += measure_sleepers(3 if args.quick else 7, 1 if args.quick else 3)
        rows += measure_import(5 if args.quick else 10, Path(tmp) / "pycache")
        context = {
            "python": f"{platform.python_version()} ({sys.executable})",
            "cpus": os.cpu_count(),
            "source": source_revision(),
            "load average (1, 5, 15 min) at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "repeats": f"{repeats} timed runs per pipeline after 2 warm-up runs; "
            "verdicts judged on the median",
            "overhead": "(pipeline median - plain-loop median) / stages",
        }
        print_report("pypedream runtime benchmark (issue 2)", rows, context, args.json)
        if args.profile:
            print(profile_runs(log_dir), file=sys.stderr if args.json else sys.stdout)
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
