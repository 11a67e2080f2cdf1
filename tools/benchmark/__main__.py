"""`python -m tools.benchmark` (what `make bench` runs)."""

import sys

from tools.benchmark.run import main

if __name__ == "__main__":
    sys.exit(main())
