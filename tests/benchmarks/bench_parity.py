"""Wall time of `pypedream parity pypedream.examples.seed:pipeline` (issue 4: well under 15 s).

    python -m tests.benchmarks.bench_parity [--json] [--quick]

Each repeat runs the real command in a fresh process and a fresh directory, exactly as a user
or CI types it: Python start, the export, one embedded-Airflow process (its first dag.test()
is most of the cost on Airflow 3), the native run and the comparison. The `--json` report of
each run splits the time into the Airflow batch and the native side. With
PYPEDREAM_AIRFLOW2_PYTHON set, the same is measured with `--airflow-env` on Airflow 2.
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
TARGET_SECONDS = 15.0


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


def measure(label: str, extra: list[str], repeats: int) -> tuple[list[Row], str]:
    walls, airflow, native = [], [], []
    version = "?"
    for _ in range(repeats):
        wall, report = _one_run(extra)
        walls.append(wall)
        airflow.append(report["airflow_seconds"])
        native.append(report["native_seconds"])
        version = report["airflow_version"]
    stats = Stats.of(walls)
    rows = [
        Row(
            f"parity seed, {label} (Airflow {version}): CLI wall",
            stats.min,
            stats.median,
            "s",
            target=f"< {TARGET_SECONDS:g} s",
            passed=stats.median < TARGET_SECONDS,
        ),
        Row(
            "  of which: Airflow batch (export excluded)",
            min(airflow),
            statistics.median(airflow),
            "s",
        ),
        Row("  of which: native run + comparison", min(native), statistics.median(native), "s"),
    ]
    return rows, version


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(__doc__, argv, quick_help="one run per environment", profile=False)
    repeats = 1 if args.quick else 3
    rows, version = measure("this environment", [], repeats)
    environments = {"airflow (this environment)": version}
    airflow2 = os.environ.get("PYPEDREAM_AIRFLOW2_PYTHON")
    if airflow2:
        more, version2 = measure("--airflow-env", ["--airflow-env", airflow2], repeats)
        rows += more
        environments["airflow (--airflow-env)"] = f"{version2} ({airflow2})"
    context = {
        "python": f"{platform.python_version()} ({sys.executable})",
        **environments,
        "cpus": os.cpu_count(),
        "source": source_revision(),
        "repeats": f"{repeats} per environment, each a fresh process; verdict on the median",
        "load average (1, 5, 15 min) at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    print_report("pypedream parity benchmark (issue 4)", rows, context, args.json)
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
