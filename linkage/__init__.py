"""The matcher: packed-filter store, Numba Dice kernels, blocking, solvers and evaluation."""
