"""Check rendered DAG source before it is written: it parses, it holds only what the template
produces, it compiles.

The shape: a docstring, imports (also in the `if importlib.util.find_spec(...)` block that
picks the Airflow line), the constants, `def run_stage`, and one `with DAG(...) as dag:`
whose body holds only `name = PythonOperator(...)` and `a >> b` / `[a, b] >> c` lines.

Linear in time and flat in memory: the DAG block's body, which grows with the stage count, is
parsed (`ast.parse`, CPython's own parser), shape-checked and compiled in pieces of
`_CHUNK` statements, each wrapped in `with DAG() as dag:`; the part before it is checked
whole. Pieces cut at statement starts that each parse and compile as the body of that block
make a valid body together; a wrong cut cannot pass, it fails to parse. (A full libcst tree
was about 90 % of a 10,000-stage export's time and ~1 GB; a whole-file `ast` tree ~250 MB.)
"""

from __future__ import annotations

import ast
import itertools
import re

from pypedream_compiler.errors import GeneratedCodeError

__all__ = ["check_dag_source"]

_CHUNK = 500  # DAG-block statements parsed at a time
_DAG_START = re.compile(r"^with DAG\(", re.MULTILINE)
_BLOCK_HEAD_END = re.compile(r"^\) as dag:\n", re.MULTILINE)
_STATEMENT_START = re.compile(r"^    [A-Za-z_\[]", re.MULTILINE)  # not "    )" nor deeper lines
_CONSTANTS = frozenset({"PIPELINE", "FINGERPRINT", "TASK_IDS", "DATA_FLOW"})
_IMPORTS = (ast.Import, ast.ImportFrom)


def _imports_only(block: list[ast.stmt]) -> bool:
    return all(isinstance(statement, _IMPORTS) for statement in block)


def _is_constant(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Assign) and all(
        isinstance(target, ast.Name) and target.id in _CONSTANTS for target in statement.targets
    )


def _is_task(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
        and statement.value.func.id == "PythonOperator"
    )


def _is_edge(statement: ast.stmt) -> bool:
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.BinOp)):
        return False
    edge = statement.value
    upstream = edge.left.elts if isinstance(edge.left, ast.List) else [edge.left]
    return (
        isinstance(edge.op, ast.RShift)
        and isinstance(edge.right, ast.Name)
        and all(isinstance(node, ast.Name) for node in upstream)
    )


def _dag_block_problem(statement: ast.With, offset: int = 0) -> str | None:
    [item] = statement.items if len(statement.items) == 1 else [None]
    if item is None or not (
        isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Name)
        and item.context_expr.func.id == "DAG"
    ):
        return "the top-level with block must be `with DAG(...) as dag:`"
    for inner in statement.body:
        if not (_is_task(inner) or _is_edge(inner) or isinstance(inner, ast.Pass)):
            return (
                f"line {inner.lineno + offset}: the DAG block may only create PythonOperators and "
                "join them with >>"
            )
    return None


def _statement_problem(statement: ast.stmt, index: int) -> str | None:
    if isinstance(statement, _IMPORTS) or _is_constant(statement):
        return None
    if (
        index == 0
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    ):
        return None  # the module docstring
    if isinstance(statement, ast.If):
        if _imports_only(statement.body) and _imports_only(statement.orelse):
            return None
        return f"line {statement.lineno}: a top-level if block may only hold imports"
    if isinstance(statement, ast.FunctionDef):
        if statement.name == "run_stage":
            return None
        return f"line {statement.lineno}: unexpected function {statement.name!r}"
    if isinstance(statement, ast.With):
        return _dag_block_problem(statement)
    return f"line {statement.lineno}: unexpected top-level {type(statement).__name__}"


def _parse(source: str, filename: str, offset: int = 0) -> ast.Module:
    """ast.parse, then compile() the tree; line numbers of errors count from `offset`."""
    step = "parse"
    try:
        module = ast.parse(source, filename)
        step = "compile"
        compile(module, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as problem:
        if isinstance(problem, SyntaxError) and problem.lineno is not None:
            problem.lineno += offset
        raise GeneratedCodeError(
            f"{filename}: rendered DAG file does not {step}: {problem}"
        ) from None
    return module


def _check_whole(source: str, filename: str) -> None:
    module = _parse(source, filename)
    for index, statement in enumerate(module.body):
        problem = _statement_problem(statement, index)
        if problem:
            raise GeneratedCodeError(f"{filename}: {problem}")


def _body_pieces(body: str) -> list[tuple[int, str]]:
    """(line offset, text) of pieces of `_CHUNK` statements, cut where a statement starts."""
    starts = [match.start() for match in _STATEMENT_START.finditer(body)]
    cuts = [0, *starts[_CHUNK::_CHUNK], len(body)]
    pieces = []
    line = 0
    for begin, end in itertools.pairwise(cuts):
        text = body[begin:end]
        pieces.append((line, text))
        line += text.count("\n")
    return pieces


def check_dag_source(source: str, filename: str, *, strict_shape: bool = True) -> None:
    """Raise GeneratedCodeError unless `source` is a well-formed DAG file."""
    if not strict_shape:  # a user's template: it must compile, its shape is theirs
        try:
            compile(source, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            raise GeneratedCodeError(
                f"{filename}: rendered DAG file does not parse: {error}"
            ) from None
        return
    start = _DAG_START.search(source)
    head_end = _BLOCK_HEAD_END.search(source, start.end()) if start else None
    if start is None or head_end is None or source.count("\nwith ", start.end()) > 0:
        _check_whole(source, filename)  # not the template's layout: the slow, whole-file way
        return
    # Everything up to `with DAG(...) as dag:` with an empty body, then the body in pieces.
    _check_whole(source[: head_end.end()] + "    pass\n", filename)
    head_lines = source.count("\n", 0, head_end.end())
    body = source[head_end.end() :]
    for line, piece in _body_pieces(body):
        offset = head_lines + line - 1
        block = _parse("with DAG() as dag:\n" + piece + "    pass\n", filename, offset)
        [dag_block, *after] = block.body
        if after or not isinstance(dag_block, ast.With):
            where = after[0].lineno + offset if after else offset + 1
            raise GeneratedCodeError(f"{filename}: line {where}: code after the DAG block")
        problem = _dag_block_problem(dag_block, offset)
        if problem:
            raise GeneratedCodeError(f"{filename}: {problem}")
