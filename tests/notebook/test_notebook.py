"""A notebook executed headless (nbclient + ipykernel): what a Jupyter user sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

NOTEBOOK = Path(__file__).with_name("display.ipynb")
SECRET = "nb-secret-value"


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """The notebook's code cells after running it in a fresh kernel."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    workdir = tmp_path_factory.mktemp("notebook")
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": workdir}}
    )
    client.execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _results(cell: Any) -> list[dict[str, str]]:
    return [output.data for output in cell.outputs if output.output_type == "execute_result"]


def test_a_pipeline_displays_its_graph_and_stage_table(cells: list[Any]) -> None:
    (data,) = _results(cells[1])
    assert data["text/plain"] == "Pipeline('notebook demo', 3 stages)"
    page = data["text/html"]
    assert page.count("<svg") == 1
    for key in ("load", "total", "biggest"):
        assert f"<code>{key}</code>" in page
    assert "token=***" in page


def test_a_run_logs_once_and_displays_as_coloured_html(cells: list[Any]) -> None:
    streams = [output for output in cells[2].outputs if output.output_type == "stream"]
    assert [stream.name for stream in streams] == ["stderr"]  # one block, not one a line
    log = streams[0].text
    assert log.count("\n") >= 9
    assert "run_started" in log and "run_finished" in log
    (data,) = _results(cells[2])
    page = data["text/html"]
    assert ">OK<" in page
    assert page.count(">succeeded<") == 3
    assert "#2e8540" in page  # the succeeded colour
    assert "<code>6</code>" in page  # a preview of total's output
    assert "<svg" in page
    assert data["text/plain"].splitlines()[0].split() == [
        "stage",
        "status",
        "attempts",
        "duration",
        "note",
    ]


def test_a_stage_result_repr_is_readable(cells: list[Any]) -> None:
    (data,) = _results(cells[3])
    text = data["text/plain"]
    assert text.startswith("StageResult('total', succeeded, attempts=1, duration=")
    assert text.endswith("value=6)")


def test_no_output_shows_the_secret(cells: list[Any]) -> None:
    shown = json.dumps([cell.outputs for cell in cells])
    assert "token" in shown  # the parameter is shown, as ***
    assert SECRET not in shown
