"""Benchmarks run on demand (`python -m tests.benchmarks.bench_runtime`); pytest skips them."""
