"""The `pypedream` help texts: each command's description and epilog.

The epilogs' {names} and {conversion} are filled in by parser.py.
"""

__all__ = [
    "CHECK_DESCRIPTION",
    "CHECK_EPILOG",
    "EXPORT_DESCRIPTION",
    "EXPORT_EPILOG",
    "GRAPH_DESCRIPTION",
    "GRAPH_EPILOG",
    "NAME_HELP",
    "PARITY_DESCRIPTION",
    "PARITY_EPILOG",
    "RUN_DESCRIPTION",
    "RUN_EPILOG",
]

RUN_DESCRIPTION = """\
Run a pipeline in this process and print a per-stage summary and the log path.
On a terminal a live progress line shows stages done / running / failed and the
elapsed time. NO_COLOR=1 turns colour off; --quiet prints failures and the verdict only.
Ctrl-C stops starting stages, waits for the running ones, prints the summary with the
interrupted stages, and exits 130."""

NAME_HELP = """\
NAME is a Pipeline, or a function taking no arguments that returns one; dotted
names (module:obj.attr) work. Without :NAME the module's `pipeline` attribute is
used, else the module's only Pipeline."""

RUN_EPILOG = """\
TARGET is one of
  package.module:NAME    import the module (the current directory is searched first)
  path/to/file.py:NAME   load the file (its directory is put on sys.path)
{names}

{conversion}

exit status:
  0    every stage succeeded (or was skipped)
  1    a stage failed (the summary and each failed stage's error are printed)
  2    usage, target, definition or parameter error (nothing ran)
  130  interrupted

examples:
  pypedream run pypedream.examples.seed:pipeline
  pypedream run pipelines/daily.py:build_pipeline -p day=2024-01-31 --workers 4
  pypedream run my_project.flows:daily -p sources='["a", "b"]' --json > result.json
"""

EXPORT_DESCRIPTION = """\
Write one Airflow DAG file per pipeline, DIR/<dag_id>.py. The file is a thin shim:
each task imports the pipeline by its module:NAME reference and runs one stage through
pypedream, so that module must be importable on the Airflow workers. Files pypedream
did not write are never overwritten (unless --force); nothing is deleted."""

EXPORT_EPILOG = """\
TARGET is one of
  package.module:NAME    recorded in the DAG file as typed
  path/to/file.py:NAME   recorded as module:NAME, the file's dotted module name relative
                         to the current directory or a sys.path entry
{names}

The Airflow options override the pipeline's own (Pipeline(..., airflow=AirflowOptions(...))):
--tag replaces its tags, --default-arg adds to its default_args (VALUE is JSON when it
parses as JSON, else the text as given), the others replace its values.

exit status:
  0    every file written or unchanged; with --check, every file up to date
  1    --check: a file is missing or out of date (its diff is printed)
  2    usage, target, definition or export error (nothing was written)
  130  interrupted

examples:
  pypedream export-airflow pypedream.examples.seed:pipeline -o dags
  pypedream export-airflow my_project.flows:daily -o dags --schedule '0 6 * * *' --tag sales
  pypedream export-airflow my_project.flows:daily -o dags --check    # in CI: is dags/ current?
"""


PARITY_DESCRIPTION = """\
Run a pipeline in an embedded, throw-away Apache Airflow (exported DAG file, SQLite,
dag.test(): no server; every task in a fresh process, as production executors run them,
unless --fast) and natively with the same parameters, run id and logical date,
then compare every stage: status, every output (exactly: type and value, floats bit for
bit), and for failed stages the exception type and message. Prints a table, the export
readiness report and the verdict."""

PARITY_EPILOG = """\
TARGET must be importable by module name, as Airflow imports it:
  package.module:NAME    or   path/to/file.py:NAME (under the current directory or sys.path)
{names}

{conversion}

exit status:
  0    every stage behaves the same natively and in Airflow
  1    a difference (each is listed with its stage, output and path)
  2    usage, target, parameter or environment error (e.g. no Airflow installed)
  130  interrupted

examples:
  pypedream parity pypedream.examples.seed:pipeline
  pypedream parity my_project.flows:daily -p day=2024-01-31 --json > parity.json
  pypedream parity my_project.flows:daily --airflow-env .venv-airflow2/bin/python
  pypedream parity my_project.flows:model --rtol 1e-9     # floats may differ in the last bits
"""

CHECK_DESCRIPTION = """\
Run a pipeline natively (no Airflow needed) and report, for every stage output, its type,
its serialized size and every way Airflow cannot carry it or will change it."""

CHECK_EPILOG = """\
{names}

exit status:
  0    every value can be carried between Airflow tasks (warnings may be printed)
  1    a value cannot be carried at all, or a stage failed (its values were not checked)
  2    usage, target, definition or parameter error (nothing ran)
  130  interrupted

examples:
  pypedream check pypedream.examples.sales:pipeline -p region=north
  pypedream check my_project.flows:daily --json
"""

GRAPH_DESCRIPTION = """\
Draw a pipeline's graph: stages labelled with their function names, the parameters
they read, data edges (labelled with the output when it is not the return value) and
dashed after=[...] edges. Mermaid renders in GitHub, GitLab and Jupyter markdown."""

GRAPH_EPILOG = """\
TARGET is package.module:NAME or path/to/file.py:NAME
{names}

exit status:
  0    the graph was printed or written
  2    usage, target or definition error, or Graphviz failed

examples:
  pypedream graph pypedream.examples.seed:pipeline
  pypedream graph pypedream.examples.sales:pipeline -o sales.dot
  pypedream graph pypedream.examples.sales:pipeline -o sales.svg
"""
