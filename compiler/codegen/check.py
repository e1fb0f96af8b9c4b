"""Check rendered DAG source before it is written: it parses, its top level holds only what
the template produces (imports, constants, the run_stage function, the DAG block), it compiles.
"""

from __future__ import annotations

import libcst as cst
from pypedream_compiler.errors import GeneratedCodeError

__all__ = ["check_dag_source"]

_CONSTANTS = frozenset({"PIPELINE", "FINGERPRINT", "TASK_IDS", "DATA_FLOW"})


def _statement_problem(statement: cst.CSTNode, index: int) -> str | None:
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                continue
            if (
                isinstance(small, cst.Expr)
                and isinstance(small.value, cst.SimpleString)
                and index == 0
            ):
                continue  # the module docstring
            if isinstance(small, cst.Assign) and _assigns_constant(small):
                continue
            return f"unexpected top-level statement {cst.Module([]).code_for_node(small)!r:.80}"
        return None
    if isinstance(statement, cst.Try):
        blocks = [statement.body, *(handler.body for handler in statement.handlers)]
        for block in blocks:
            for inner in block.body:
                if not (
                    isinstance(inner, cst.SimpleStatementLine)
                    and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in inner.body)
                ):
                    return "a top-level try block may only hold imports"
        return None
    if isinstance(statement, cst.FunctionDef):
        return None if statement.name.value == "run_stage" else "unexpected function"
    if isinstance(statement, cst.With):
        return None
    return f"unexpected top-level {type(statement).__name__}"


def _assigns_constant(assign: cst.Assign) -> bool:
    return all(
        isinstance(target.target, cst.Name) and target.target.value in _CONSTANTS
        for target in assign.targets
    )


def check_dag_source(source: str, filename: str, *, strict_shape: bool = True) -> None:
    """Raise GeneratedCodeError unless `source` is a well-formed DAG file."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as problem:
        raise GeneratedCodeError(
            f"{filename}: rendered DAG file does not parse: {problem}"
        ) from None
    if strict_shape:
        for index, statement in enumerate(module.body):
            shape_problem = _statement_problem(statement, index)
            if shape_problem:
                raise GeneratedCodeError(f"{filename}: {shape_problem}")
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as problem:
        raise GeneratedCodeError(
            f"{filename}: rendered DAG file does not compile: {problem}"
        ) from None
