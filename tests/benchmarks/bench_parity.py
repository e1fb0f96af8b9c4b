"""Wall time of `pypedream parity pypedream.examples.seed:pipeline` in each mode (issue 9).

    python -m tests.benchmarks.bench_parity [--json] [--quick] [--no-stack]

Each repeat runs the real command in a fresh process and a fresh directory, exactly as a user
or CI types it: Python start, the export, the Airflow side, the native run and the comparison.
Modes, interleaved round by round: process-per-task (the default; target <= 20 s), `--fast`
(one process), the same two with `--airflow-env` on Airflow 2 when PYPEDREAM_AIRFLOW2_PYTHON is
set, and `--airflow-url` on the Celery + PostgreSQL stack, whose start-up is reported apart.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._timing import Row, Stats, parse_arguments, print_report, source_revision

TARGET = "pypedream.examples.seed:pipeline"
TARGET_SECONDS = 20.0  # process-per-task on the embedded Airflow (issue 9)


def _command() -> list[str]:
    script = Path(sys.executable).with_name("pypedream")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pypedream.cli"]


def _one_run(extra: list[str]) -> tuple[float, dict]:
    """(wall seconds, the --json report) of one `pypedream parity` in a fresh directory."""
    with tempfile.TemporaryDirectory(prefix="pp-bench-parity-") as cwd:
        start = time.perf_counter()
        proc = subprocess.run(
            [*_command(), "parity", TARGET, "--json", *extra],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"parity exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout)


def _rows(label: str, results: list[tuple[float, dict]], target: float | None) -> list[Row]:
    walls = [wall for wall, _ in results]
    airflow = [report["airflow_seconds"] for _, report in results]
    native = [report["native_seconds"] for _, report in results]
    version = results[0][1]["airflow_version"]
    stats = Stats.of(walls)
    return [
        Row(
            f"parity seed, {label} (Airflow {version}): CLI wall",
            stats.min,
            stats.median,
            "s",
            target=f"<= {target:g} s" if target else "",
            passed=stats.median <= target if target else None,
        ),
        Row(
            "  of which: Airflow side (export excluded)",
            min(airflow),
            statistics.median(airflow),
            "s",
        ),
        Row("  of which: native run + comparison", min(native), statistics.median(native), "s"),
    ]


def main(argv: list[str] | None = None) -> int:
    no_stack = "--no-stack" in (argv if argv is not None else sys.argv[1:])
    argv = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--no-stack"]
    args = parse_arguments(__doc__, argv, quick_help="one run per mode", profile=False)
    repeats = 1 if args.quick else 3
    modes: dict[str, tuple[list[str], float | None]] = {
        "process-per-task": ([], TARGET_SECONDS),
        "--fast (single process)": (["--fast"], None),
    }
    airflow2 = os.environ.get("PYPEDREAM_AIRFLOW2_PYTHON")
    if airflow2:
        modes["Airflow 2, process-per-task"] = (["--airflow-env", airflow2], TARGET_SECONDS)
        modes["Airflow 2, --fast"] = (["--airflow-env", airflow2, "--fast"], None)
    stack, rows = None, []
    if not no_stack:
        from pypedream_compiler.embedded.stack import CeleryStack, StackSettings

        stack = CeleryStack(StackSettings(Path(sys.executable)))
        stack.start()
        rows.append(Row("Celery + PostgreSQL stack start-up (once per test run)",
                        stack.startup_seconds, stack.startup_seconds, "s"))  # fmt: skip
        live = stack.airflow
        modes["Celery stack (--airflow-url)"] = (
            ["--airflow-url", live.url, "--dags-folder", str(live.dags_folder)],
            None,
        )
    results: dict[str, list[tuple[float, dict]]] = {label: [] for label in modes}
    try:
        for _ in range(repeats):  # interleaved: every mode once per round
            for label, (extra, _target) in modes.items():
                results[label].append(_one_run(extra))
    finally:
        if stack is not None:
            stack.stop()
    for label, (_extra, target) in modes.items():
        rows += _rows(label, results[label], target)
    context = {
        "python": f"{platform.python_version()} ({sys.executable})",
        "airflow 2": airflow2 or "not measured (PYPEDREAM_AIRFLOW2_PYTHON unset)",
        "cpus": os.cpu_count(),
        "source": source_revision(),
        "repeats": f"{repeats} per mode, interleaved, each a fresh process; verdict on the median",
        "load average (1, 5, 15 min) at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    print_report("pypedream parity benchmark (issue 9: modes)", rows, context, args.json)
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
