"""Compile steps: walk the validated stage graph into frozen specs (`walk`, `spec`, `ids`),
render them with Jinja2 (`render`, `literal`, templates in `pypedream_compiler.templates`),
check the emitted source with libcst and `compile()` (`check`), and write it (`export`)."""
