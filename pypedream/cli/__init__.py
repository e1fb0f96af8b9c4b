"""The `pypedream` command line.

main.py        dispatch and exit codes (the console-script entry point)
parser.py      the argument parser: each command's arguments and value types
help_text.py   each command's description and epilog
commands.py    one plain function per command (`export_airflow` alone imports the compiler)
target.py      TARGET (`pkg.module:attr` or `path/to/file.py:attr`) -> Pipeline, reference
conversion.py  `-p NAME=VALUE` (and `--default-arg`) text -> typed values
progress.py    the live progress line shown on a terminal
report.py      failed-stage details with short tracebacks
errors.py      CliError and the exit codes
"""
