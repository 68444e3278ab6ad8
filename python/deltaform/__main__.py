"""``python -m deltaform``: the command line."""

from ._cli import main

main()
