"""Synthetic Chinese populations and department extracts with ground truth.

Lives in `datasets/synthetic/` and imports as `pprl_synthetic` (not `datasets`), so that this
project never shadows the `datasets` package from PyPI.
"""
