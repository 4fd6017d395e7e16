"""Experiments: runs, comparisons, sweeps, sensitivity, executors, checkpoints."""
