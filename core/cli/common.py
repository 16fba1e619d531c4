"""What every command of ``smtp-doctor`` shares: the exit statuses and one-line usage errors.

Exit status: 0 the test passed, 1 it ran and found a problem, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def usage_error(prog: str, message: str) -> int:
    """Print a one-line usage error and return the exit status for it."""
    print(f"{prog}: {message}", file=sys.stderr)
    return EXIT_USAGE
