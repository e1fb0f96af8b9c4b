"""How hard the codec's hypothesis suites try: `fast` by default (about 5 s in `dev.py test`),
`thorough` with PYPEDREAM_HYPOTHESIS_PROFILE=thorough (a long run on demand). Applied per test
(`@CODEC`), so other suites keep their own hypothesis settings."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_EXAMPLES = {"fast": 200, "thorough": 2000}

CODEC = settings(
    max_examples=_EXAMPLES[os.environ.get("PYPEDREAM_HYPOTHESIS_PROFILE", "fast")],
    deadline=None,
    database=None,  # no .hypothesis/ folder in the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
