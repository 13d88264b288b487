"""Default settings, measured on synthetic extracts with the default corruption (bench/).

Kept apart from the kernels so that the command line can show them without loading Numba.
Measured on `low-income-all-departments` (the low-income list against eleven department
extracts) with the cn-identity schema (`bench/quality_peers.py` and the runs behind it):
- threshold 0.75: extracts range from most of the list (household register) to a few dozen
  people (public payroll), and the best single threshold moves from about 0.71 at 50,000
  people to 0.74 at 500,000-1,000,000 as namesakes multiply; 0.75 stays within 0.0005 of the
  best mean F1 at every size, while 0.7 loses more than a point at 500,000 (0.989 vs 0.993);
- many-to-one: the usual run checks a department's list (A) against a register (B), and every
  list entry, even a duplicate one, should get its best register record;
- duplicates at 0.8: a person registered twice in B should be found through both records; B
  records that close to the chosen one are near-copies, not namesakes (household register,
  50,000 people, three seeds: F1 0.9926 with one B record per A record, 0.9976 with them);
- deduplication 0.75: clusters are connected components, which chain, so the threshold stays
  where namesakes are kept apart (pairwise F1 0.9987 on the low-income list, 0.9994 at 0.72).
"""

DEFAULT_THRESHOLD = 0.75
DEFAULT_SOLVER_NAME = "many-to-one"
DEFAULT_BLOCKING_NAME = "keys"
DEFAULT_DEDUP_THRESHOLD = 0.75
DEFAULT_DUPLICATES_AT = 0.8
