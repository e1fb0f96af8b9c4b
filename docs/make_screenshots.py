"""Regenerate the README's notebook screenshots (not run in CI).

Renders real objects as Jupyter does (their `_repr_html_`) inside a page styled like a
notebook cell, then photographs each page with headless Chromium:

- `notebook-pipeline.png`: the bundled seed example's `Pipeline`;
- `notebook-run.png`: a `RunResult` of the seed example;
- `notebook-failed-run.png`: a run where one stage fails (every status colour but skipped).

Usage: `python docs/make_screenshots.py [--chromium PATH]` (Debian: `apt-get install
chromium`). Standard library only; the page height is measured by Chromium in a first pass.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
WIDTH = 860

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>pypedream</title><style>
body {{ margin: 0; padding: 12px 16px; background: #fff; color: #212121;
       font-family: "DejaVu Sans", system-ui, sans-serif; font-size: 13px; width: {width}px; }}
.cell {{ display: grid; grid-template-columns: 64px 1fr; row-gap: 6px; }}
.prompt {{ color: #616161; font-family: "DejaVu Sans Mono", monospace; font-size: 12px;
          text-align: right; padding: 5px 8px 0 0; }}
.prompt.out {{ color: #bf5b3d; }}
.input {{ background: #f5f5f5; border: 1px solid #e0e0e0; border-radius: 2px; padding: 5px 8px;
         font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; white-space: pre; }}
.output {{ padding: 4px 0; overflow: hidden; }}
.output code {{ font-family: "DejaVu Sans Mono", monospace; font-size: 11.5px; }}
.output svg {{ display: block; margin: 8px 0; max-width: 100%; height: auto; }}
</style>
<script>
window.addEventListener("load", () => {{
  document.title = "height=" + Math.ceil(document.body.getBoundingClientRect().height);
}});
</script></head>
<body><div class="cell">
<div class="prompt">In [{n}]:</div><div class="input">{code}</div>
<div class="prompt out">Out[{n}]:</div><div class="output">{output}</div>
</div></body></html>
"""


def _page(number: int, code: str, shown: Any) -> str:
    return _PAGE.format(width=WIDTH, n=number, code=html.escape(code), output=shown._repr_html_())


def _chromium(binary: str, *args: str) -> str:
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


def _shoot(binary: str, page: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "page.html"
        source.write_text(page, encoding="utf-8")
        url = source.as_uri()
        window = f"--window-size={WIDTH + 40},4000"
        dom = _chromium(binary, window, "--dump-dom", url)
        found = re.search(r"<title>height=(\d+)</title>", dom)
        if found is None:
            raise SystemExit(f"Chromium did not measure {target.name}")
        height = int(found.group(1)) + 4
        _chromium(
            binary,
            f"--window-size={WIDTH + 40},{height}",
            "--force-device-scale-factor=1",
            f"--screenshot={target}",
            url,
        )
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")


def _failing_pipeline() -> Any:
    from pypedream import LoggerSettings, Parameters, Pipeline, Stage
    from pypedream.input import dependency, param

    def load(n: int) -> list[int]:
        return list(range(n))

    def check(rows: list[int]) -> list[int]:
        raise ValueError(f"expected at least 10 rows, got {len(rows)}")

    def publish(rows: list[int]) -> str:
        return f"published {len(rows)} rows"

    def total(rows: list[int]) -> int:
        return sum(rows)

    return Pipeline(
        "checked report",
        Parameters.define(n=4),
        stages={
            "load": Stage(load, inputs=[param("n", "n")]),
            "check": Stage(check, inputs=[dependency("load", "rows")]),
            "publish": Stage(publish, inputs=[dependency("check", "rows")]),
            "total": Stage(total, inputs=[dependency("load", "rows")]),
        },
        log_settings=LoggerSettings(stream=False, file=False),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # the seed example makes `logs/` in the working directory
        from pypedream import LoggerSettings
        from pypedream.examples.seed import pipeline as seed

        seed = seed.with_log_settings(LoggerSettings(stream=False, file=False))
        result = seed.run(run_id="readme")
        failed = _failing_pipeline().run(run_id="readme", raise_on_failure=False)
        shots = [
            ("notebook-pipeline.png", _page(2, "pipeline", seed)),
            ("notebook-run.png", _page(3, 'pipeline.run(run_id="readme")', result)),
            ("notebook-failed-run.png", _page(4, "pipeline.run(raise_on_failure=False)", failed)),
        ]
        for name, page in shots:
            _shoot(args.chromium, page, DOCS / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
