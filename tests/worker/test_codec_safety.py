"""The decoder rebuilds only allowed things: crafted envelopes fail with the codec's own error
and have no side effect, and arbitrary trees import nothing and call nothing outside the codec."""

from __future__ import annotations

import contextlib
import gc
import sys
from typing import Any

import numpy  # noqa: F401 - imported before any test: the codec may import them lazily
import pandas  # noqa: F401
import pyarrow  # noqa: F401
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypedream.worker.allowlist import TypeAllowlist
from pypedream.worker.value_codec import (
    UntrustedValueError,
    decode,
    from_tree,
    to_tree,
)
from tests.worker.budget import CODEC
from tests.worker.gadgets import file_closer, shell_command, tag
from tests.worker.resources import types
from tests.worker.resources.types import CALLS, Color, Point

ALLOW = TypeAllowlist.of("tests.worker.resources")
RESOURCES = "tests.worker.resources.types"


@pytest.mark.parametrize(
    "tree",
    [
        pytest.param(tag("enum", ["os:__dict__", "system"]), id="enum-dunder-path"),
        pytest.param(tag("enum", ["os:system", "x"]), id="enum-function"),
        pytest.param(tag("dataclass", ["subprocess:Popen", {"args": "ls"}]), id="popen"),
        pytest.param(tag("flag", ["os:system", 1]), id="flag-function"),
        pytest.param(tag("namedtuple", ["os:stat_result", [1]]), id="structseq"),
        pytest.param(tag("path", ["os", "/tmp"]), id="path-attribute"),
        pytest.param(tag("numpy.scalar", ["O", 1]), id="numpy-object"),
        pytest.param(tag("dataclass", [f"{RESOURCES}:NotAData", {}]), id="not-a-dataclass"),
        pytest.param(tag("enum", [f"{RESOURCES}:Point", "x"]), id="not-an-enum"),
        pytest.param(tag("enum", [f"{RESOURCES}:Color.__class__", "x"]), id="dunder-qualname"),
        pytest.param(tag("dataclass", [f"{RESOURCES}:__getattr__", {}]), id="module-hook"),
        pytest.param(
            tag("dataclass", [f"{RESOURCES}:Point", {"__class__": 1}]), id="dunder-attribute"
        ),
        pytest.param(tag("set", [tag("dataclass", [f"{RESOURCES}:Trap", {}])]), id="hashing"),
        pytest.param(tag("eval", "1"), id="unknown-kind"),
    ],
)
def test_a_crafted_tree_is_refused_before_anything_runs(tree: Any) -> None:
    CALLS.clear()
    before = set(sys.modules)
    with pytest.raises(UntrustedValueError, match="refused encoded value"):
        from_tree(tree, ALLOW)
    assert _imported_outside_the_codec(before) == set()
    assert CALLS == []


def _imported_outside_the_codec(before: set[str]) -> set[str]:
    """Modules imported since `before`, except the codec's own (lazily imported) dependencies."""
    own = ("numpy", "pandas", "pyarrow", "zoneinfo")
    return {name for name in set(sys.modules) - before if name.split(".")[0] not in own}


def test_the_stdlib_chain_that_ran_a_shell_command_is_refused_and_runs_nothing(tmp_path) -> None:
    marker = tmp_path / "pwned"
    text = "pypedream:v1:" + __import__("json").dumps(shell_command(f"touch {marker}"))
    with pytest.raises(UntrustedValueError, match=r"_pyio\.BufferedWriter is not in the"):
        decode(text, TypeAllowlist.of("tests"))
    gc.collect()
    assert not marker.exists()


def test_the_stdlib_chain_that_deleted_a_file_is_refused_and_deletes_nothing(tmp_path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("still here")
    text = "pypedream:v1:" + __import__("json").dumps(file_closer(victim))
    with pytest.raises(UntrustedValueError, match=r"tempfile\._TemporaryFileCloser is not in the"):
        decode(text, TypeAllowlist.of("tests"))
    gc.collect()
    assert victim.read_text() == "still here"


def test_allowlisted_types_are_rebuilt_without_running_their_code() -> None:
    trap = types.Trap.__new__(types.Trap)
    object.__setattr__(trap, "value", [1, Color.GREEN])
    CALLS.clear()
    back = from_tree(to_tree(trap, ALLOW), ALLOW)
    assert CALLS == []  # no __new__, __init__, __post_init__, __setattr__, __getattr__
    assert type(back) is types.Trap and vars(back) == {"value": [1, Color.GREEN]}


def test_a_class_outside_the_allowlist_cannot_even_be_encoded() -> None:
    with pytest.raises(TypeError, match="not in the pipeline's type allowlist"):
        to_tree(Point(1, 2.0), TypeAllowlist.of("other_package"))
    with pytest.raises(UntrustedValueError, match="nothing was imported"):
        from_tree(to_tree(Point(1, 2.0), ALLOW), TypeAllowlist.of("other_package"))


@pytest.mark.parametrize(
    ("entries", "environ", "allowed"),
    [
        pytest.param(("tests",), {}, True, id="package"),
        pytest.param((f"{RESOURCES}.Point",), {}, True, id="class-name"),
        pytest.param((Point,), {}, True, id="class"),
        pytest.param(("tests.worker.*",), {}, True, id="glob"),
        pytest.param(("tests.work",), {}, False, id="prefix-is-not-a-package"),
        pytest.param(
            (),
            {"AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES": "airflow.* tests.worker.*"},
            True,
            id="airflow-glob",
        ),
        pytest.param(
            (),
            {"AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP": r"tests\.worker\..*"},
            True,
            id="airflow-regexp",
        ),
        pytest.param(
            (),
            {"AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP": r"tests\.worker"},
            False,
            id="airflow-regexp-matches-in-full",
        ),
    ],
)
def test_allowlist_entries(entries: tuple, environ: dict, allowed: bool) -> None:
    allow = TypeAllowlist.of(*entries).union(TypeAllowlist.from_airflow_environment(environ))
    assert allow.allows(RESOURCES, "Point") is allowed
    assert not allow.allows(RESOURCES, "Point.__init__")


def test_a_missing_module_inside_the_allowlist_is_a_codec_error() -> None:
    # importing inside the allowlist runs the import machinery, so the fuzz test leaves it out
    before = set(sys.modules)
    with pytest.raises(UntrustedValueError, match=r"cannot import 'tests\.worker\.resources\.g"):
        from_tree(tag("enum", ["tests.worker.resources.gone:Thing", "X"]), ALLOW)
    assert _imported_outside_the_codec(before) == set()


# -- fuzzing ---------------------------------------------------------------------------------
_REFS = [
    "os:system",
    "os:__dict__",
    "subprocess:Popen",
    "tempfile:_TemporaryFileCloser",
    "io:StringIO",
    "builtins:eval",
    "h8_never_imported_module:Thing",
    f"{RESOURCES}:Trap",
    f"{RESOURCES}:NotAData",
    f"{RESOURCES}:Point",
    f"{RESOURCES}:Frozen",
    f"{RESOURCES}:Color",
    f"{RESOURCES}:Perm",
    f"{RESOURCES}:Pair",
    f"{RESOURCES}:Typed",
    f"{RESOURCES}:CALLS",
    f"{RESOURCES}:__getattr__",
    f"{RESOURCES}:Trap.__init__",
    f"{RESOURCES}:Trap.__dict__",
]
_KINDS = [
    "int", "dict", "tuple", "set", "frozenset", "datetime", "time", "date", "timedelta",
    "decimal", "uuid", "bytes", "complex", "path", "enum", "flag", "dataclass", "namedtuple",
    "pandas.DataFrame", "pandas.Series", "numpy.ndarray", "numpy.scalar", "numpy.generic", "pickle",
]  # fmt: skip
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(_REFS),
    st.sampled_from(["Europe/Paris", "UTC", "../../etc/passwd", "AA==", "1.5", "RED", "x"]),
)


def _trees(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    payloads = st.one_of(
        children,
        st.tuples(st.sampled_from(_REFS), children).map(list),
        st.tuples(st.sampled_from(_REFS), st.dictionaries(st.text(max_size=8), children)).map(list),
    )
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=6), children, max_size=4),
        st.builds(tag, st.sampled_from(_KINDS), payloads),
    )


_ANY_TREE = st.recursive(_scalars, _trees, max_leaves=20)
_CODEC = ("/pypedream/worker/value_codec.py", "/pypedream/worker/allowlist.py")
# what the decoder itself may call: its own code, the stdlib value types, numpy/pandas/pyarrow
_DIRECT_CALLEES = (
    *_CODEC,
    "/json/",
    "/enum.py",
    "/base64.py",
    "/uuid.py",
    "/pathlib.py",
    "/fnmatch.py",
    "/re/",
    "/dataclasses.py",
    "/zoneinfo/",
    "/numpy/",
    "/pandas/",
    "/pyarrow/",
    "<frozen",
    "/hypothesis/",  # its gc callbacks run inside whatever frame the collector interrupts
)
# never, at any depth: user code, and the standard library's ways to run or delete things
_NEVER = (
    "/tests/worker/resources/",
    "/subprocess.py",
    "/tempfile.py",
    "/shutil.py",
    "/pickle.py",
    "/runpy.py",
    "/code.py",
)
_NEVER_BUILTINS = frozenset({"eval", "exec", "compile", "__import__", "system", "open"})
_FORBIDDEN_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "exec")
_watch: dict[str, Any] = {"on": False, "events": []}


def _audit(event: str, args: tuple) -> None:
    if _watch["on"] and event.startswith((*_FORBIDDEN_EVENTS, "os.remove", "import")):
        _watch["events"].append((event, args[:1]))


sys.addaudithook(_audit)  # hooks cannot be removed: it only records while _watch["on"]


@CODEC
@given(_ANY_TREE)
def test_fuzzed_trees_import_nothing_and_call_nothing_outside_the_codec(tree: Any) -> None:
    CALLS.clear()
    before = set(sys.modules)
    called: set[str] = set()  # files of Python functions called, at any depth
    direct: set[str] = set()  # ... called by the codec itself
    builtins: set[str] = set()  # C functions the codec itself called

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            called.add(frame.f_code.co_filename)
            caller = frame.f_back
            if caller is not None and caller.f_code.co_filename.endswith(_CODEC):
                direct.add(frame.f_code.co_filename)
        elif event == "c_call" and frame.f_code.co_filename.endswith(_CODEC):
            builtins.add(getattr(arg, "__name__", ""))

    _watch.update(on=True, events=[])
    sys.setprofile(profile)
    try:
        from_tree(tree, ALLOW)
    except UntrustedValueError:
        pass
    finally:
        sys.setprofile(None)
        _watch["on"] = False
    outside = _imported_outside_the_codec(before)
    assert outside == set()
    assert CALLS == []
    assert [e for e in _watch["events"] if e[0] != "import" or e[1][0] in outside] == []
    assert {f for f in direct if not any(part in f for part in _DIRECT_CALLEES)} == set()
    assert {f for f in called if any(part in f for part in _NEVER)} == set()
    assert builtins & _NEVER_BUILTINS == set()


@CODEC
@given(
    st.one_of(
        st.recursive(_scalars, _trees, max_leaves=12).map(__import__("json").dumps),
        st.text(max_size=40),
        st.just("[" * 5000 + "]" * 5000),
        st.just("9" * 5000),
    )
)
def test_any_encoded_text_decodes_or_fails_with_the_codec_error_only(text: str) -> None:
    with contextlib.suppress(UntrustedValueError):  # any other exception fails the test
        decode("pypedream:v1:" + text, ALLOW)
