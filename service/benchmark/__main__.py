"""`python -m service.benchmark` (what `make bench` runs)."""

import sys

from service.benchmark.run import main

if __name__ == "__main__":
    sys.exit(main())
