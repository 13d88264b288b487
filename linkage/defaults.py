"""Default settings, measured on synthetic extracts with the default corruption (bench/).

Kept apart from the kernels so that the command line can show them without loading Numba.
Measured on `low-income-all-departments` (the low-income list against eleven department
extracts) with the cn-identity schema, `bench/quality_peers.py`:
- threshold 0.75: the best single threshold across extracts whose overlap with the list ranges
  from most of it (household register) to a few dozen people (public payroll). Lower thresholds
  gain a little recall on the register but let namesakes through on the small extracts once the
  population grows (at 500,000 people: mean F1 0.989 at 0.7, 0.993 at 0.75);
- many-to-one: the usual run checks a department's list (A) against a register (B), and every
  list entry, even a duplicate one, should get its best register record;
- duplicates at 0.8: a person registered twice in B should be found through both records; B
  records that close to the chosen one are near-copies, not namesakes (on the register this
  lifts F1 by about half a point without costing precision);
- deduplication 0.75: clusters are connected components, which chain, so the threshold stays
  at the one that keeps namesakes apart.
"""

DEFAULT_THRESHOLD = 0.75
DEFAULT_SOLVER_NAME = "many-to-one"
DEFAULT_BLOCKING_NAME = "keys"
DEFAULT_DEDUP_THRESHOLD = 0.75
DEFAULT_DUPLICATES_AT = 0.8
