#!/usr/bin/env python3
"""Set up and run pypedream on a fresh machine: only Python 3.10+ and pip are needed.

    python3 dev.py demo        # install; run the bundled example natively, export it, check parity
    python3 dev.py test        # install everything (Airflow 3 and 2.11 too), lint, type-check,
                               # run every test, one test file per core (extra arguments go to
                               # pytest; -n 0 runs in this process)
    python3 dev.py lint        # ruff check, ruff format --check, import-linter contracts
    python3 dev.py typecheck   # mypy --strict over pypedream/ and compiler/ (pypedream_compiler)

Environments live in .venv (pypedream + Airflow 3 + dev tools) and .venv-airflow2
(Airflow 2.11, for the compatibility tests). They are reused while pyproject.toml is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MAIN_ENV = ROOT / ".venv"
AIRFLOW2_ENV = ROOT / ".venv-airflow2"
AIRFLOW3 = "apache-airflow==3.3.2"
AIRFLOW2 = "apache-airflow==2.11.*"
EXAMPLE = "pypedream.examples.seed:pipeline"


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _run(*command: object, **kwargs: object) -> int:
    printable = " ".join(str(part) for part in command)
    print(f"+ {printable}", flush=True)
    return subprocess.call([str(part) for part in command], cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def _check(*command: object, **kwargs: object) -> None:
    code = _run(*command, **kwargs)
    if code:
        sys.exit(code)


def _stamp(requirements: list[str]) -> str:
    text = (ROOT / "pyproject.toml").read_text() + "\n".join(requirements)
    return hashlib.sha256(text.encode()).hexdigest()


def _ensure_env(env: Path, requirements: list[str]) -> None:
    """Create `env` and install `requirements` unless it is already up to date."""
    stamp_file = env / ".pypedream-stamp"
    stamp = _stamp(requirements)
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    if not _bin(env, "python").exists():
        print(f"+ creating {env.name}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(env)
    python = _bin(env, "python")
    _check(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv")
    installer = [_bin(env, "uv"), "pip", "install", "--quiet", "--python", python]
    _check(*installer, *requirements, env={**os.environ, "UV_COMPILE_BYTECODE": "1"})
    stamp_file.write_text(stamp)


def _main_env(extras: str) -> Path:
    _ensure_env(MAIN_ENV, ["-e", f".[{extras}]", AIRFLOW3])
    return MAIN_ENV


def demo() -> int:
    """Run the bundled example natively (logs + summary), export it as an Airflow DAG, and
    show its parity report: the same pipeline run in an embedded Airflow, stage by stage."""
    env = _main_env("airflow")
    pypedream = _bin(env, "pypedream")
    for command in (
        ["run", EXAMPLE],
        ["export-airflow", EXAMPLE, "-o", "dev-airflow/dags"],
        ["parity", EXAMPLE],
    ):
        code = _run(pypedream, *command)
        if code:
            return code
    return 0


def lint(env: Path | None = None) -> int:
    """ruff check, ruff format --check, and the import-linter contracts (the code's rooms)."""
    env = env or _main_env("airflow,dev")
    paths = ["pypedream", "compiler", "tests", "docs", "dev.py", "dev-airflow"]
    for command in (
        [_bin(env, "ruff"), "check", *paths],
        [_bin(env, "ruff"), "format", "--check", *paths],
        [_bin(env, "lint-imports")],
    ):
        code = _run(*command)
        if code:
            return code
    return 0


def typecheck(env: Path | None = None) -> int:
    """mypy --strict (settings in pyproject.toml) over pypedream and pypedream_compiler.

    `compiler/` ships as `pypedream_compiler`; mypy reads it through a link of that name.
    """
    env = env or _main_env("airflow,dev")
    with tempfile.TemporaryDirectory(prefix="pypedream-typecheck-") as links:
        (Path(links) / "pypedream_compiler").symlink_to(ROOT / "compiler")
        environment = {**os.environ, "MYPYPATH": links}
        return _run(
            _bin(env, "mypy"), "-p", "pypedream", "-p", "pypedream_compiler", env=environment
        )


def test(pytest_args: list[str]) -> int:
    """Lint, type-check, check import layering, run the whole test suite (Airflow 3 and 2.11)."""
    env = _main_env("airflow,dev")
    _ensure_env(AIRFLOW2_ENV, ["-e", ".", AIRFLOW2, "pandas", "pyarrow"])
    code = lint(env) or typecheck(env)
    if code:
        return code
    environment = {**os.environ, "PYPEDREAM_AIRFLOW2_PYTHON": str(_bin(AIRFLOW2_ENV, "python"))}
    code = _run(
        _bin(env, "python"), "-m", "pytest", *_parallel(pytest_args), *pytest_args, env=environment
    )
    if code == 5:
        print("error: pytest collected no tests; that is a failure here", file=sys.stderr)
        return 1
    return code


def _parallel(pytest_args: list[str]) -> list[str]:
    """pytest-xdist options: a worker per usable core (at most 4), whole test files per worker.

    Most time goes to Airflow processes that each keep one core busy, so workers scale with
    cores. `loadfile` keeps a module's tests on one worker: a module-scoped fixture that runs a
    batch of DAGs in Airflow runs once. Arguments naming the worker count or turning the plugin
    off take precedence.
    """
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist")) for a in pytest_args)
    if chosen or "no:xdist" in pytest_args:
        return []
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    workers = min(len(usable) if usable is not None else os.cpu_count() or 1, 4)
    return ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []


def main(argv: list[str]) -> int:
    verbs = {
        "demo": lambda: demo(),
        "test": lambda: test(argv[1:]),
        "lint": lambda: lint(),
        "typecheck": lambda: typecheck(),
    }
    if not argv or argv[0] not in verbs:
        print(__doc__)
        return 2
    return verbs[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
