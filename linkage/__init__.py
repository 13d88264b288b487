"""Matcher side: packed-filter store, Numba Dice kernels, blocking, solvers and evaluation."""
