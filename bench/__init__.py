"""Benchmarks for learnapp: run `bench/run` from the repository root (see docs/benchmarks.md)."""
