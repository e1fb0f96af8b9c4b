"""TARGET resolution: module and file targets, factories, defaults, references, every error."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pypedream import Pipeline, PipelineDefinitionError
from pypedream.cli.errors import CliError
from pypedream.cli.target import load_pipeline, load_reference, split_target

from .conftest import PACKAGE, RESOURCES


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("pkg.mod:attr", ("pkg.mod", "attr"), id="module"),
        pytest.param("pkg.mod", ("pkg.mod", None), id="module-no-attr"),
        pytest.param("dir/file.py:obj.attr", ("dir/file.py", "obj.attr"), id="file-dotted-attr"),
        pytest.param(r"C:\flows\daily.py", (r"C:\flows\daily.py", None), id="windows-drive"),
        pytest.param(r"C:\flows\daily.py:build", (r"C:\flows\daily.py", "build"), id="windows"),
    ],
)
def test_split_target(target: str, expected: tuple[str, str | None]) -> None:
    assert split_target(target) == expected


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("", id="empty"),
        pytest.param("pkg.mod:", id="empty-attr"),
        pytest.param(":attr", id="empty-module"),
    ],
)
def test_split_target_rejects_malformed(target: str) -> None:
    with pytest.raises(CliError, match="pipeline"):
        split_target(target)


def test_module_target() -> None:
    loaded = load_pipeline(f"{PACKAGE}.pipelines:failing")
    assert isinstance(loaded, Pipeline)
    assert loaded.name == "failing"


def test_module_target_defaults_to_attribute_named_pipeline() -> None:
    assert load_pipeline(f"{PACKAGE}.pipelines").name == "arith"


def test_module_target_defaults_to_the_only_pipeline() -> None:
    assert load_pipeline(f"{PACKAGE}.only_one").name == "only_one"


def test_module_in_current_directory_is_importable(isolated: Path) -> None:
    (isolated / "my_flow_in_cwd.py").write_text(
        "from pypedream import Pipeline\npipeline = Pipeline('from_cwd')\n"
    )
    assert load_pipeline("my_flow_in_cwd").name == "from_cwd"


def test_file_target_relative_to_another_directory(isolated: Path) -> None:
    relative = os.path.relpath(RESOURCES / "pipelines.py", isolated)
    assert load_pipeline(f"{relative}:failing").name == "failing"


def test_file_target_imports_its_neighbours() -> None:
    assert load_pipeline(f"{RESOURCES / 'uses_neighbour.py'}").name == "only_one"


def test_file_target_is_registered_in_sys_modules(isolated: Path) -> None:
    import sys

    path = isolated / "registered_flow.py"
    path.write_text(
        "import sys\nfrom pypedream import Pipeline\n"
        "assert sys.modules[__name__].__file__ == __file__\n"
        "pipeline = Pipeline('registered')\n"
    )
    assert load_pipeline(str(path)).name == "registered"
    assert sys.modules["registered_flow"].__file__ == str(path)


def test_zero_argument_factory() -> None:
    made = load_pipeline(f"{PACKAGE}.pipelines:make_pipeline")
    assert made.name == "made"


def test_factory_definition_error_propagates() -> None:
    with pytest.raises(PipelineDefinitionError, match="missing_stage"):
        load_pipeline(f"{PACKAGE}.pipelines:returns_broken").validate()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(
            f"{PACKAGE}.pipelnes:pipeline",
            f"no module named '{PACKAGE}.pipelnes' in the current directory or the installed "
            f"packages. Did you mean '{PACKAGE}.pipelines'?",
            id="module-typo",
        ),
        pytest.param(
            "pypedream_no_such_module:pipeline",
            "no module named 'pypedream_no_such_module' in the current directory or the "
            "installed packages; fix the name, or give a file: path/to/file.py:NAME",
            id="module-missing",
        ),
        pytest.param(
            f"{PACKAGE}.imports_missing",
            "importing module 'tests.cli.resources.imports_missing' raised "
            "ModuleNotFoundError: No module named 'pypedream_no_such_dependency'",
            id="module-dependency-missing",
        ),
        pytest.param(
            f"{PACKAGE}.raises_on_import",
            "raised RuntimeError: this module cannot be imported",
            id="module-raises",
        ),
        pytest.param(
            f"{PACKAGE}.pipelines:pipline",
            f"'{PACKAGE}.pipelines' has no attribute 'pipline'. Did you mean 'pipeline'?",
            id="attr-typo",
        ),
        pytest.param(
            f"{PACKAGE}.two_pipelines:zzz",
            f"'{PACKAGE}.two_pipelines' has no attribute 'zzz' (it defines: first, second)",
            id="attr-missing-lists-pipelines",
        ),
        pytest.param(
            f"{PACKAGE}.pipelines:make_pipeline.nope",
            "'make_pipeline' has no attribute 'nope'",
            id="dotted-attr-missing",
        ),
        pytest.param(
            f"{PACKAGE}.pipelines:not_a_pipeline",
            "'not_a_pipeline' is int (42), not a Pipeline; point TARGET at a Pipeline or at a "
            "function with no arguments that returns one",
            id="not-a-pipeline",
        ),
        pytest.param(
            f"{PACKAGE}.pipelines:Colour",
            "'Colour' is the class Colour, not a Pipeline",
            id="a-class",
        ),
        pytest.param(
            f"{PACKAGE}.pipelines:needs_arguments",
            "needs_arguments(size: 'int') -> 'Pipeline' needs arguments",
            id="factory-with-arguments",
        ),
        pytest.param(
            f"{PACKAGE}.pipelines:returns_number",
            "returns_number() returned int (42), not a Pipeline",
            id="factory-returns-other",
        ),
        pytest.param(
            f"{PACKAGE}.pipelines:raises_on_call",
            "calling raises_on_call() raised RuntimeError: factory exploded",
            id="factory-raises",
        ),
        pytest.param(
            f"{PACKAGE}.two_pipelines",
            "defines 2 pipelines (first, second) and none named 'pipeline'; choose one: "
            f"{PACKAGE}.two_pipelines:first",
            id="no-attr-two-pipelines",
        ),
        pytest.param(
            f"{PACKAGE}.no_pipeline",
            "has no attribute 'pipeline' and defines no Pipeline; name one: "
            f"{PACKAGE}.no_pipeline:NAME",
            id="no-attr-no-pipeline",
        ),
        pytest.param("flows/missing.py:pipeline", "no file 'flows/missing.py'", id="file-missing"),
        pytest.param("flows/daily:pipeline", "'flows/daily' is not a .py file", id="not-py"),
    ],
)
def test_bad_targets(target: str, expected: str) -> None:
    with pytest.raises(CliError) as caught:
        load_pipeline(target)
    assert f"target {target!r}: " in str(caught.value)
    assert expected in str(caught.value)
    assert caught.value.exit_code == 2


def test_import_error_shows_the_users_traceback_only() -> None:
    with pytest.raises(CliError) as caught:
        load_pipeline(f"{PACKAGE}.raises_on_import")
    message = str(caught.value)
    assert 'raises_on_import.py", line 3, in <module>' in message
    assert "importlib" not in message
    assert "pypedream/cli" not in message


def test_file_with_syntax_error(isolated: Path) -> None:
    (isolated / "bad_syntax_flow.py").write_text("def broken(:\n")
    with pytest.raises(CliError, match="raised SyntaxError") as caught:
        load_pipeline("bad_syntax_flow.py")
    assert "bad_syntax_flow.py" in str(caught.value)


def test_file_whose_name_clashes_with_a_loaded_module(isolated: Path) -> None:
    (isolated / "json.py").write_text("pipeline = None\n")
    with pytest.raises(CliError, match="a different module 'json' is already loaded"):
        load_pipeline("json.py")


def test_failed_file_import_is_not_left_in_sys_modules(isolated: Path) -> None:
    import sys

    (isolated / "half_imported_flow.py").write_text("raise ValueError('no')\n")
    with pytest.raises(CliError):
        load_pipeline("half_imported_flow.py")
    assert "half_imported_flow" not in sys.modules


@pytest.mark.parametrize(
    ("target", "reference", "name"),
    [
        pytest.param(f"{PACKAGE}.pipelines:failing", f"{PACKAGE}.pipelines:failing", "failing"),
        pytest.param(f"{PACKAGE}.pipelines", f"{PACKAGE}.pipelines:pipeline", "arith"),
        pytest.param(f"{PACKAGE}.only_one", f"{PACKAGE}.only_one:greeting", "only_one"),
        pytest.param(
            f"{PACKAGE}.pipelines:make_pipeline", f"{PACKAGE}.pipelines:make_pipeline", "made"
        ),
        pytest.param(
            f"{RESOURCES / 'pipelines.py'}:failing", f"{PACKAGE}.pipelines:failing", "failing"
        ),
        pytest.param(str(RESOURCES / "only_one.py"), f"{PACKAGE}.only_one:greeting", "only_one"),
    ],
    ids=["module", "module-default", "module-only-one", "factory", "file", "file-default"],
)
def test_load_reference(target: str, reference: str, name: str) -> None:
    pipeline, found = load_reference(target)
    assert (found, pipeline.name) == (reference, name)


def _write_flow(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("from pypedream import Pipeline\npipeline = Pipeline('flow')\n")


def test_file_reference_names_the_whole_package(isolated: Path) -> None:
    _write_flow(isolated / "ref_proj" / "ref_pkg" / "sub" / "flow.py")
    for package in ("ref_pkg", "ref_pkg/sub"):
        (isolated / "ref_proj" / package / "__init__.py").write_text("")
    # below the package root is on sys.path too: relative imports need the package name
    sys.path[:0] = [str(isolated / "ref_proj"), str(isolated / "ref_proj" / "ref_pkg")]
    _, reference = load_reference("ref_proj/ref_pkg/sub/flow.py")
    assert reference == "ref_pkg.sub.flow:pipeline"


def test_file_reference_of_a_package_init(isolated: Path) -> None:
    _write_flow(isolated / "ref_init_pkg" / "__init__.py")
    assert load_reference("ref_init_pkg/__init__.py")[1] == "ref_init_pkg:pipeline"


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        pytest.param("not-a-name/flow.py", "is not importable from the current", id="dash"),
        pytest.param(
            "json.py",
            "the file's module name is 'json', but importing 'json' gives ",
            id="shadowed",
        ),
    ],
)
def test_file_reference_errors(isolated: Path, relative: str, expected: str) -> None:
    _write_flow(isolated / relative)
    with pytest.raises(CliError, match=expected) as caught:
        load_reference(relative)
    assert caught.value.exit_code == 2
