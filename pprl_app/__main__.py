"""`python -m pprl_app ...` is the `pprl` command line."""

from pprl_app.cli import main

main()
