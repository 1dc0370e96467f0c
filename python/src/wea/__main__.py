"""``python -m wea``: the ``wea`` command line (see :mod:`wea._cli`)."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m wea"))
