"""`python -m symmat` is the command line."""

import sys

from .cli import run

sys.exit(run())
