"""A module without any Pipeline."""

VALUE = 1
