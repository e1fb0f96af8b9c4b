"""A module importing a package that is not installed."""

import pypedream_no_such_dependency  # noqa: F401
