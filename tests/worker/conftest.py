"""Hypothesis profiles for the codec suites: `fast` (default, keeps `dev.py test` quick) and
`thorough` (PYPEDREAM_HYPOTHESIS_PROFILE=thorough, for a long run on demand)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "database": None,  # no .hypothesis/ folder in the checkout
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("fast", max_examples=200, **_COMMON)
settings.register_profile("thorough", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("PYPEDREAM_HYPOTHESIS_PROFILE", "fast"))
