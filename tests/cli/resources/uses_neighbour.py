"""Imports a module next to it by its plain name: works when loaded as a file target."""

from only_one import greeting

pipeline = greeting
