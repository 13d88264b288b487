"""`python -m transport ...` is the `pprl` command line (used to start the matcher process)."""

from pprl.cli import main

main()
