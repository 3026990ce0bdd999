"""Benchmarks (`make bench`): not tests, and not part of the product package."""
