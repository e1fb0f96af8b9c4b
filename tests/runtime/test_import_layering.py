"""`import pypedream` is light: nothing heavy, and structlog only once a run logs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ["airflow", "jinja2", "libcst", "pypedream_compiler", "structlog"]


def _loaded_after(code: str, cwd: Path) -> list[str]:
    """Run `code` in a fresh interpreter; return which HEAVY modules it left in sys.modules."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import pypedream", id="package"),
        pytest.param(
            "import pypedream, pypedream.input, pypedream.logging, pypedream.ctx", id="modules"
        ),
        pytest.param(
            "from pypedream import Pipeline, Stage\n"
            "from pypedream.input import known\n"
            "Pipeline('p', stages={'a': Stage(lambda x: x, [known(1, 'x')])}, log_settings=None)"
            ".run()",
            id="run-without-logging",
        ),
    ],
)
def test_nothing_heavy_is_imported(code: str, tmp_path: Path) -> None:
    assert _loaded_after(code, tmp_path) == []


def test_a_run_with_logging_imports_structlog(tmp_path: Path) -> None:
    code = (
        "from pypedream import Pipeline, Stage, LoggerSettings\n"
        "Pipeline('p', stages={'a': Stage(lambda: 1)},"
        " log_settings=LoggerSettings(stream=False)).run()"
    )

    assert _loaded_after(code, tmp_path) == ["structlog"]


def test_import_linter_contract_holds() -> None:
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(lint_imports).exists():
        pytest.skip("import-linter is not installed")

    done = subprocess.run([lint_imports], cwd=REPO, capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr


def test_runtime_modules_import_each_other_without_a_cycle() -> None:
    """Counting imports made inside functions (not those for type checking only), no runtime
    module reaches itself: definition -> execution -> worker is one-way."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("pypedream", exclude_type_checking_imports=True)
    cycles = [
        (module, graph.find_shortest_chain(importer=imported, imported=module))
        for module in sorted(graph.modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("pypedream")
        and graph.chain_exists(importer=imported, imported=module)
    ]
    assert cycles == []
