"""The application layer: the `pprl` command root, the key commands and the demo.

It is the only layer that may import every other one (see README's Layout section):
`pprl` (contracts) below `bloom` / `linkage` / `governance` / `pprl_synthetic`, below
`transport`, below this package.
"""

__all__: list[str] = []
