"""The `pypedream` command line.

main.py        argument parsing and exit codes (the console-script entry point)
commands.py    one plain function per command (`export_airflow` alone imports the compiler)
target.py      TARGET (`pkg.module:attr` or `path/to/file.py:attr`) -> Pipeline, reference
conversion.py  `-p NAME=VALUE` (and `--default-arg`) text -> typed values
progress.py    the live progress line shown on a terminal
report.py      failed-stage details with short tracebacks
errors.py      CliError and the exit codes
"""
