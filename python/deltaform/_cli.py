"""The ``deltaform`` command installed by ``pip``: the same CLI, entered through the extension."""

import sys

from . import _deltaform


def main() -> None:
    """Runs the command line in ``sys.argv`` and exits with its code."""
    sys.stdout.flush()
    sys.exit(_deltaform.main(["deltaform", *sys.argv[1:]]))
