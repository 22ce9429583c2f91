"""Benchmarks of the assistant (`make bench`)."""
