"""Benchmarks: tapegrad vs a hand-written numpy floor vs PyTorch (when installed)."""
