"""Default settings, measured on synthetic extracts with the default corruption (bench/).

Kept apart from the kernels so that the command line can show them without loading Numba.
- threshold 0.7: precision stays >= 0.998 while recall is 1-2 points above 0.8;
- many-to-one: the usual run checks a department's list (A) against a register (B), and every
  list entry, even a duplicate one, should get its best register record;
- deduplication 0.75: clusters are connected components, which chain; on the synthetic
  low-income list F1 peaks there (0.996, against 0.985 at 0.7).
"""

DEFAULT_THRESHOLD = 0.7
DEFAULT_SOLVER_NAME = "many-to-one"
DEFAULT_BLOCKING_NAME = "keys"
DEFAULT_DEDUP_THRESHOLD = 0.75
DEFAULT_DUPLICATES_AT = 0.8
