"""Exact comparison of two values, reporting the path to the first difference.

The rules live in `pypedream.worker.sameness` (the readiness check and the value codec use
them too, and the worker side never imports the compiler); this module is their public home
for parity reports.
"""

from __future__ import annotations

from pypedream.worker.sameness import describe, first_difference

__all__ = ["describe", "first_difference"]
